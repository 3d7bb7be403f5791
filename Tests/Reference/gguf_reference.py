#!/usr/bin/env python3
"""Reference GGUF reader for nxp's tests, using the `gguf` package's GGUFReader.

  dump PATH -> JSON {"version", "alignment", "data_offset",
                     "fields": [{"key", "value"}], "tensors": [{"name", "type", "dims", "offset",
                     "n_bytes", "sha256", "values"}]}

A value is {"type": NAME, "value": TEXT} for scalars (integers in decimal, booleans as
true/false, floats as the decimal of their IEEE bit pattern, strings as themselves) and
{"type": "ARRAY", "items": [value, ...]} for arrays, nested arrays included. Tensor dims are in
ggml order (fastest-varying first); offset is absolute in the file; values (F32/F16 tensors of at
most 64 elements) are the elements as floats.
"""
import hashlib
import json
import sys

try:
    import numpy as np
    from gguf import GGUFReader, GGUFValueType, GGMLQuantizationType
except ImportError as e:
    sys.exit(f"gguf_reference.py needs numpy and gguf: pip install numpy gguf ({e})")


def decode(parts, i, vtype):
    """Decodes one value starting at parts[i]; returns (value, index after it)."""
    if vtype == GGUFValueType.STRING:
        return {"type": "STRING", "value": bytes(parts[i + 1]).decode("utf-8")}, i + 2
    if vtype == GGUFValueType.ARRAY:
        itype = GGUFValueType(int(parts[i][0]))
        count = int(parts[i + 1][0])
        i += 2
        items = []
        for _ in range(count):
            item, i = decode(parts, i, itype)
            items.append(item)
        return {"type": "ARRAY", "items": items}, i
    scalar = parts[i]
    if vtype == GGUFValueType.FLOAT32:
        text = str(int(scalar.view(np.uint32)[0]))
    elif vtype == GGUFValueType.FLOAT64:
        text = str(int(scalar.view(np.uint64)[0]))
    elif vtype == GGUFValueType.BOOL:
        text = "true" if bool(scalar[0]) else "false"
    else:
        text = str(int(scalar[0]))
    return {"type": vtype.name, "value": text}, i + 1


def dump(path):
    r = GGUFReader(path)
    fields = []
    for key, f in r.fields.items():
        if key.startswith("GGUF."):  # the reader's pseudo-fields for the header counts
            continue
        # parts: key length, key bytes, value type, then the value's parts.
        value, end = decode(f.parts, 3, f.types[0])
        assert end == len(f.parts), f"{key}: {len(f.parts) - end} parts left undecoded"
        fields.append({"key": key, "value": value})
    tensors = []
    for t in r.tensors:
        raw = np.ascontiguousarray(t.data).tobytes()
        entry = {
            "name": t.name,
            "type": int(t.tensor_type),
            "dims": [int(d) for d in t.shape],
            "offset": int(t.data_offset),
            "n_bytes": int(t.n_bytes),
            "sha256": hashlib.sha256(raw).hexdigest(),
            "values": None,
        }
        if t.tensor_type in (GGMLQuantizationType.F32, GGMLQuantizationType.F16) and t.n_elements <= 64:
            entry["values"] = t.data.astype(np.float64).reshape(-1).tolist()
        tensors.append(entry)
    version = r.fields["GGUF.version"].parts[-1][0]
    json.dump({
        "version": int(version),
        "alignment": int(r.alignment),
        "data_offset": int(r.data_offset),
        "fields": fields,
        "tensors": tensors,
    }, sys.stdout)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "dump":
        dump(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

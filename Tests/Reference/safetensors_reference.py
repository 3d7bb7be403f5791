#!/usr/bin/env python3
"""Reference reader and writer for nxp's safetensors tests, using the `safetensors` package.

  dump PATH         -> JSON {"metadata", "tensors": {name: {"dtype", "shape", "hex", "values"}}}
  write PATH        <- JSON spec on stdin {"metadata", "tensors": [{"name", "dtype", "shape", "values"}]}
  validate PATH...  -> JSON [{"path", "ok", "error"}]: whether the reference loader accepts each file
  half-table        <- raw little-endian float32 on stdin
                    -> JSON {"decode": float32 bits of all 65536 halves, "encode": the input as float16}
"""
import json
import sys

try:
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file
except ImportError as e:
    sys.exit(f"safetensors_reference.py needs numpy and safetensors: pip install numpy safetensors ({e})")

DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
    "U64": np.uint64, "U32": np.uint32, "U16": np.uint16, "U8": np.uint8, "BOOL": np.bool_,
}
NAMES = {np.dtype(v): k for k, v in DTYPES.items()}


def dump(path):
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata()
    tensors = {}
    for name, arr in load_file(path).items():
        tensors[name] = {
            "dtype": NAMES[arr.dtype],
            "shape": list(arr.shape),
            "hex": np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes().hex(),
            "values": arr.astype(np.float64).reshape(-1).tolist(),
        }
    json.dump({"metadata": metadata, "tensors": tensors}, sys.stdout)


def write(path):
    spec = json.load(sys.stdin)
    tensors = {}
    for t in spec["tensors"]:
        values = np.array(t["values"], dtype=np.float64)
        tensors[t["name"]] = values.astype(DTYPES[t["dtype"]]).reshape(t["shape"])
    save_file(tensors, path, metadata=spec.get("metadata"))


def validate(paths):
    out = []
    for p in paths:
        try:
            load_file(p)
            out.append({"path": p, "ok": True, "error": None})
        except Exception as e:  # the reference raises several exception types for bad files
            out.append({"path": p, "ok": False, "error": f"{type(e).__name__}: {e}"})
    json.dump(out, sys.stdout)


def half_table():
    decode = np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32)
    floats = np.frombuffer(sys.stdin.buffer.read(), dtype="<f4")
    json.dump({
        "decode": decode.astype("<f4").tobytes().hex(),
        "encode": floats.astype("<f2").tobytes().hex(),
    }, sys.stdout)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "dump" and len(args) == 1:
        dump(args[0])
    elif cmd == "write" and len(args) == 1:
        write(args[0])
    elif cmd == "validate":
        validate(args)
    elif cmd == "half-table" and not args:
        half_table()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

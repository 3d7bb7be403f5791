#!/usr/bin/env python3
"""Independent dequantization for the Swift tests, using the `gguf` PyPI package.

Reads a JSON job list on stdin:
  {"jobs": [{"type": "Q4_K", "input": "blocks.bin", "count": 512, "output": "out.f32"},
            {"gguf": "model.gguf", "tensor": "token_embd.weight", "rows": [0, 3], "output": "rows.f32"}]}
Raw jobs dequantize `count` values stored in `input`; GGUF jobs dequantize rows [a, b) of a tensor
(rows along the slowest dimension). Each result is written to `output` as little-endian float32.
"""
import json
import sys

import numpy as np
from gguf import GGMLQuantizationType, GGUFReader
from gguf.quants import dequantize


def main():
    request = json.load(sys.stdin)
    readers = {}
    for job in request["jobs"]:
        if "gguf" in job:
            path = job["gguf"]
            if path not in readers:
                readers[path] = GGUFReader(path)
            tensor = next(t for t in readers[path].tensors if t.name == job["tensor"])
            data = np.asarray(tensor.data)
            a, b = job["rows"]
            if tensor.tensor_type in (GGMLQuantizationType.F32, GGMLQuantizationType.F16, GGMLQuantizationType.BF16) and data.dtype != np.uint8:
                values = data.reshape(data.shape[0] if data.ndim > 1 else 1, -1)[a:b].astype(np.float32)
            else:
                values = dequantize(data.reshape(data.shape[0] if data.ndim > 1 else 1, -1)[a:b], tensor.tensor_type)
        else:
            qtype = GGMLQuantizationType[job["type"]]
            raw = np.fromfile(job["input"], dtype=np.uint8)
            if qtype == GGMLQuantizationType.F32:
                values = raw.view(np.float32)
            elif qtype == GGMLQuantizationType.F16:
                values = raw.view(np.float16).astype(np.float32)
            else:
                values = dequantize(raw, qtype)
            values = values.reshape(-1)[: job["count"]]
        np.ascontiguousarray(values, dtype="<f4").tofile(job["output"])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Checks activations that `nxp run` saved with save(activations(...), to: "x.safetensors").

Usage: check_saved_activations.py ACTS.safetensors TOKENS.jsonl MODEL.gguf LAYER TEXT
Reads the tensor with the `safetensors` package, the token ids nxp saved with
save(tokens(...), to: "t.jsonl"), re-tokenizes TEXT with Hugging Face `tokenizers` built from the
GGUF vocabulary, recomputes the layer with the numpy forward pass in llama_reference.py, and prints
a JSON report: shape, whether the ids agree, the largest absolute difference and the largest
activation.
"""
import json
import os
import sys

import numpy as np
from safetensors.numpy import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_reference  # noqa: E402
import tokenizer_reference  # noqa: E402

acts_path, tokens_path, model_path, layer, text = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
saved = load_file(acts_path)["values"]
ids = [json.loads(line)["id"] for line in open(tokens_path) if line.strip()]
hf = tokenizer_reference.from_gguf(model_path)
reference_ids = hf.encode(text, add_special_tokens=False).ids
config, weights = llama_reference.load_gguf(model_path)
neurons, _, _ = llama_reference.forward(config, weights, ids, {layer}, set(), False, {})
expected = neurons[layer]
print(json.dumps({
    "shape": list(saved.shape),
    "ids_match_reference_tokenizer": ids == reference_ids,
    "max_abs_diff": float(np.abs(saved.astype(np.float64) - expected).max()),
    "max_abs_activation": float(np.abs(expected).max()),
}))

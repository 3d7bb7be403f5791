#!/usr/bin/env python3
"""Ablation divergences in float64 numpy, independent of nxp, for the Swift tests.

JSON request on stdin:
  {"model": <.gguf file or Hugging Face folder of a Llama>, "layer": l, "excerpts": [[ids]],
   "replacements": [{"excerpt": i, "neuron": n, "values": [..]}]}
("values" holds one value per token of the excerpt, or one for all of them.)

For each replacement it runs the whole model on the excerpt with the neuron's values replaced
(llama_reference.py's forward pass), and prints JSON
  {"divergences": [[JSD per position]], "original": [[the neuron's own values]]}
where JSD is the Jensen-Shannon divergence in nats between the unperturbed and the perturbed
next-token distribution at each position, from the textbook formula
  JSD = 1/2 sum p log(p/m) + 1/2 sum q log(q/m),  m = (p + q) / 2.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_reference import forward, load_gguf, load_hf  # noqa: E402


def log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def jsd(lp, lq):
    p, q = np.exp(lp), np.exp(lq)
    lm = np.log((p + q) / 2)
    return 0.5 * (p * (lp - lm)).sum(axis=-1) + 0.5 * (q * (lq - lm)).sum(axis=-1)


def main():
    req = json.load(sys.stdin)
    path = req["model"]
    config, weights = load_hf(path) if os.path.isdir(path) else load_gguf(path)
    layer = req["layer"]
    own = {}
    for i, tokens in enumerate(req["excerpts"]):
        neurons, _, logits = forward(config, weights, tokens, {layer}, set(), True, {})
        own[i] = (neurons[layer], log_softmax(logits))
    divergences, original = [], []
    for r in req["replacements"]:
        tokens = req["excerpts"][r["excerpt"]]
        values = np.asarray(r["values"], dtype=np.float64)
        if values.size == 1:
            values = np.full(len(tokens), values[0])
        _, _, logits = forward(config, weights, tokens, set(), set(), True, {layer: [(r["neuron"], values)]})
        neurons, reference = own[r["excerpt"]]
        divergences.append(jsd(reference, log_softmax(logits)).tolist())
        original.append(neurons[:, r["neuron"]].tolist())
    json.dump({"divergences": divergences, "original": original}, sys.stdout)


if __name__ == "__main__":
    main()

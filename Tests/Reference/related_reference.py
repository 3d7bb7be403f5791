#!/usr/bin/env python3
"""Weight-based related neurons and tokens in numpy (float64), independent of nxp, for the Swift tests.

The formulas of automated-interpretability's README, written on the checkpoint's own tensors:
  neuron -> neuron (l1 < l2)  c_proj_l1[n1, :] @ diag(ln_2_l2.g) @ c_fc_l2[:, n2]
  input token                 wte[t] @ diag(ln_2_l.g) @ c_fc_l[:, n]
  output token                c_proj_l[n, :] @ diag(ln_f.g) @ wte[t]
GPT-2 reads Conv1D weights ([in, out]) from model.safetensors. Llama-style models (SwiGLU) use
down_proj for c_proj, post_attention_layernorm for ln_2, model.norm for ln_f, the unembedding
(lm_head, or the embedding when tied) for the output side, and gate_proj for c_fc, with up_proj
through the same path reported beside it.

Command:
  compute  JSON request on stdin: {"model": <GPT-2 folder, Llama folder or .gguf>, "layers": [..],
           "neurons": [..] (indices, in each of those layers), "top": n, "tokens": n,
           "pair": [l1, l2], "output": <dir>}.
           Prints JSON: per layer and neuron the full vectors ("upstream", "downstream": every
           neuron of earlier / later layers in (layer, index) order; "input", "output": every
           token) with "*_up" beside them for SwiGLU, and the ranked lists numpy makes of them
           ("ranked": {list: {"positive": [[key, value]], "negative": [...]}}; a neuron's key is
           layer * F + index). Writes <dir>/pair.f32: the [F, kF] connections from every neuron
           of l1 into l2 (c_fc or gate columns, then up), little-endian float32.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def load(path):
    """(kind, c_fc list [C, F], up list or None, c_proj list [F, C], ln_2 gains, ln_f gain, wte [V, C], unembedding [V, C])."""
    if os.path.isdir(path) and json.load(open(os.path.join(path, "config.json"))).get("model_type") == "gpt2":
        from safetensors.numpy import load_file

        raw = load_file(os.path.join(path, "model.safetensors"))
        prefix = "" if "wte.weight" in raw else "transformer."
        t = {k[len(prefix):] if k.startswith(prefix) else k: v.astype(np.float64) for k, v in raw.items()}
        n = 0
        while f"h.{n}.mlp.c_fc.weight" in t:
            n += 1
        return {
            "fc": [t[f"h.{i}.mlp.c_fc.weight"] for i in range(n)],
            "up": None,
            "proj": [t[f"h.{i}.mlp.c_proj.weight"] for i in range(n)],
            "ln2": [t[f"h.{i}.ln_2.weight"] for i in range(n)],
            "lnf": t["ln_f.weight"],
            "wte": t["wte.weight"],
            "unembed": t.get("lm_head.weight", t["wte.weight"]),
        }
    import llama_reference

    _, w = llama_reference.load_hf(path) if os.path.isdir(path) else llama_reference.load_gguf(path)
    layers = w["layers"]
    # HF and the gguf reader both give linear weights as [out, in].
    return {
        "fc": [x["gate"].T for x in layers],
        "up": [x["up"].T for x in layers],
        "proj": [x["down"].T for x in layers],
        "ln2": [x["mlp_norm"] for x in layers],
        "lnf": w["norm"],
        "wte": w["embed"],
        "unembed": w["head"],
    }


def connections(m, l1, l2, inputs):
    """[F1, F2]: c_proj_l1 @ diag(ln_2_l2.g) @ inputs_l2."""
    return m["proj"][l1] @ np.diag(m["ln2"][l2]) @ inputs[l2]


def ranked(values, count):
    """The `count` largest positive and most negative values as [key, value], ties in key order."""
    order = np.argsort(-values, kind="stable")
    positive = [[int(k), float(values[k])] for k in order if values[k] > 0][:count]
    order = np.argsort(values, kind="stable")
    negative = [[int(k), float(values[k])] for k in order if values[k] < 0][:count]
    return {"positive": positive, "negative": negative}


def compute():
    req = json.load(sys.stdin)
    m = load(req["model"])
    L, F = len(m["fc"]), m["fc"][0].shape[1]
    swiglu = m["up"] is not None
    top, tokens = req["top"], req["tokens"]
    result = {"layers": {}}
    for l in req["layers"]:
        per = {}
        for n in req["neurons"]:
            v = {}
            if l > 0:
                v["upstream"] = np.concatenate([connections(m, e, l, m["fc"])[:, n] for e in range(l)])
                if swiglu:
                    v["upstream_up"] = np.concatenate([connections(m, e, l, m["up"])[:, n] for e in range(l)])
            if l < L - 1:
                v["downstream"] = np.concatenate([connections(m, l, d, m["fc"])[n, :] for d in range(l + 1, L)])
                if swiglu:
                    v["downstream_up"] = np.concatenate([connections(m, l, d, m["up"])[n, :] for d in range(l + 1, L)])
            g = np.diag(m["ln2"][l])
            v["input"] = m["wte"] @ g @ m["fc"][l][:, n]
            if swiglu:
                v["input_up"] = m["wte"] @ g @ m["up"][l][:, n]
            v["output"] = m["proj"][l][n, :] @ np.diag(m["lnf"]) @ m["unembed"].T
            out = {k: x.tolist() for k, x in v.items()}
            out["ranked"] = {}
            for name in ("upstream", "downstream"):
                if name in v:
                    # Keys in (layer, index) order: upstream layers 0..l-1, downstream l+1..L-1.
                    first = 0 if name == "upstream" else l + 1
                    r = ranked(v[name], top)
                    for side in r.values():
                        for e in side:
                            e[0] += first * F
                    out["ranked"][name] = r
            out["ranked"]["input"] = ranked(v["input"], tokens)
            out["ranked"]["output"] = ranked(v["output"], tokens)
            per[str(n)] = out
        result["layers"][str(l)] = per
    l1, l2 = req["pair"]
    pair = [connections(m, l1, l2, m["fc"])] + ([connections(m, l1, l2, m["up"])] if swiglu else [])
    np.concatenate(pair, axis=1).astype("<f4").tofile(os.path.join(req["output"], "pair.f32"))
    result["neurons_per_layer"] = F
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1] == "compute":
        compute()
    else:
        sys.exit(f"unknown command {sys.argv[1]}")

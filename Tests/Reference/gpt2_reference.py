#!/usr/bin/env python3
"""A plain numpy GPT-2 forward pass (float64), independent of nxp, for the Swift tests.

Commands:
  write    <dir> <seed> [prefix]: a small random GPT-2 checkpoint in Hugging Face layout
           (config.json + model.safetensors; Conv1D weights stored [in, out]); tensor names get
           `prefix` (e.g. "transformer.") when given. The same weights also go to <dir>/model.gguf
           in llama.cpp's GPT-2 layout (F32, linear weights [out, in], `blk.N.*` names).
  forward  JSON request on stdin: {"model": <dir>, "sequences": [[ids]], "neuron_layers": [..],
           "residual_layers": [..], "logits": true, "overrides": [{"layer", "neuron", "values"}],
           "output": <dir>}. Writes neurons_<l>.f32 [R, F], residual_<l>.f32 [R, C], logits.f32
           [R, V] as little-endian float32 (R = all tokens of all sequences in order).
"""
import json
import os
import sys

import numpy as np

SMALL = {"vocab": 101, "n_embd": 64, "n_layer": 3, "n_head": 4, "n_positions": 48}


def write(folder, seed, prefix=""):
    from safetensors.numpy import save_file

    rng = np.random.default_rng(seed)
    s = SMALL
    C, V = s["n_embd"], s["vocab"]

    def f(*shape, scale=1.0, center=0.0):
        return (center + scale * rng.standard_normal(shape)).astype(np.float32)

    t = {prefix + "wte.weight": f(V, C, scale=0.5), prefix + "wpe.weight": f(s["n_positions"], C, scale=0.3),
         prefix + "ln_f.weight": f(C, scale=0.2, center=1), prefix + "ln_f.bias": f(C, scale=0.1)}
    for i in range(s["n_layer"]):
        h = f"{prefix}h.{i}."
        t[h + "ln_1.weight"] = f(C, scale=0.2, center=1)
        t[h + "ln_1.bias"] = f(C, scale=0.1)
        t[h + "attn.c_attn.weight"] = f(C, 3 * C, scale=C ** -0.5)
        t[h + "attn.c_attn.bias"] = f(3 * C, scale=0.1)
        t[h + "attn.c_proj.weight"] = f(C, C, scale=C ** -0.5)
        t[h + "attn.c_proj.bias"] = f(C, scale=0.1)
        t[h + "ln_2.weight"] = f(C, scale=0.2, center=1)
        t[h + "ln_2.bias"] = f(C, scale=0.1)
        t[h + "mlp.c_fc.weight"] = f(C, 4 * C, scale=C ** -0.5)
        t[h + "mlp.c_fc.bias"] = f(4 * C, scale=0.1)
        t[h + "mlp.c_proj.weight"] = f(4 * C, C, scale=(4 * C) ** -0.5)
        t[h + "mlp.c_proj.bias"] = f(C, scale=0.1)
        # Causal-mask buffers some checkpoints carry; loaders ignore them.
        t[h + "attn.bias"] = np.tril(np.ones((1, 1, s["n_positions"], s["n_positions"]), dtype=np.float32))
    os.makedirs(folder, exist_ok=True)
    save_file(t, os.path.join(folder, "model.safetensors"))
    config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": V, "n_embd": C,
              "n_layer": s["n_layer"], "n_head": s["n_head"], "n_positions": s["n_positions"], "n_inner": None,
              "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "bos_token_id": 0, "eos_token_id": 0}
    with open(os.path.join(folder, "config.json"), "w") as fh:
        json.dump(config, fh, indent=2)
    write_gguf(os.path.join(folder, "model.gguf"), {k[len(prefix):]: v for k, v in t.items()})


def write_gguf(path, t):
    from gguf import GGUFWriter

    s = SMALL
    w = GGUFWriter(path, "gpt2")
    w.add_block_count(s["n_layer"])
    w.add_context_length(s["n_positions"])
    w.add_embedding_length(s["n_embd"])
    w.add_feed_forward_length(4 * s["n_embd"])
    w.add_head_count(s["n_head"])
    w.add_layer_norm_eps(1e-5)
    w.add_tensor("token_embd.weight", t["wte.weight"])
    w.add_tensor("position_embd.weight", t["wpe.weight"])
    w.add_tensor("output_norm.weight", t["ln_f.weight"])
    w.add_tensor("output_norm.bias", t["ln_f.bias"])
    names = {"ln_1": "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output", "ln_2": "ffn_norm",
             "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"}
    for i in range(s["n_layer"]):
        for hf, gg in names.items():
            weight = t[f"h.{i}.{hf}.weight"]
            # Conv1D stores [in, out]; llama.cpp's conversion transposes to [out, in].
            w.add_tensor(f"blk.{i}.{gg}.weight", np.ascontiguousarray(weight.T) if weight.ndim == 2 else weight)
            w.add_tensor(f"blk.{i}.{gg}.bias", t[f"h.{i}.{hf}.bias"])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def layer_norm(x, w, b, eps):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def forward():
    from safetensors.numpy import load_file

    req = json.load(sys.stdin)
    folder = req["model"]
    with open(os.path.join(folder, "config.json")) as fh:
        cfg = json.load(fh)
    raw = load_file(os.path.join(folder, "model.safetensors"))
    prefix = "" if "wte.weight" in raw else "transformer."
    t = {k[len(prefix):] if k.startswith(prefix) else k: v.astype(np.float64) for k, v in raw.items()}
    C, H, eps = cfg["n_embd"], cfg["n_head"], cfg.get("layer_norm_epsilon", 1e-5)
    d = C // H
    want_n, want_r = set(req.get("neuron_layers", [])), set(req.get("residual_layers", []))
    want_l = bool(req.get("logits", False))
    total = sum(len(s) for s in req["sequences"])
    got = {"n": {l: [] for l in want_n}, "r": {l: [] for l in want_r}, "logits": []}
    row = 0
    for seq in req["sequences"]:
        T = len(seq)
        x = t["wte.weight"][np.array(seq)] + t["wpe.weight"][:T]
        for i in range(cfg["n_layer"]):
            p = f"h.{i}."
            h = layer_norm(x, t[p + "ln_1.weight"], t[p + "ln_1.bias"], eps)
            qkv = h @ t[p + "attn.c_attn.weight"] + t[p + "attn.c_attn.bias"]  # Conv1D: x @ W[in, out]
            q, k, v = (qkv[:, j * C:(j + 1) * C].reshape(T, H, d) for j in range(3))
            scores = np.einsum("thd,shd->hts", q, k) / np.sqrt(d)
            scores[:, np.triu(np.ones((T, T), dtype=bool), 1)] = -np.inf
            scores -= scores.max(axis=-1, keepdims=True)
            pr = np.exp(scores)
            pr /= pr.sum(axis=-1, keepdims=True)
            a = np.einsum("hts,shd->thd", pr, v).reshape(T, C)
            x = x + a @ t[p + "attn.c_proj.weight"] + t[p + "attn.c_proj.bias"]
            h = layer_norm(x, t[p + "ln_2.weight"], t[p + "ln_2.bias"], eps)
            act = gelu_tanh(h @ t[p + "mlp.c_fc.weight"] + t[p + "mlp.c_fc.bias"])
            for o in req.get("overrides", []):
                if o["layer"] == i:
                    vals = np.asarray(o["values"], dtype=np.float64)
                    assert vals.size in (1, total)
                    act[:, o["neuron"]] = vals[0] if vals.size == 1 else vals[row:row + T]
            if i in want_n:
                got["n"][i].append(act)
            x = x + act @ t[p + "mlp.c_proj.weight"] + t[p + "mlp.c_proj.bias"]
            if i in want_r:
                got["r"][i].append(x.copy())
        if want_l:
            head = t.get("lm_head.weight", t["wte.weight"])
            got["logits"].append(layer_norm(x, t["ln_f.weight"], t["ln_f.bias"], eps) @ head.T)
        row += T
    out = req["output"]
    for l, parts in got["n"].items():
        np.concatenate(parts).astype("<f4").tofile(os.path.join(out, f"neurons_{l}.f32"))
    for l, parts in got["r"].items():
        np.concatenate(parts).astype("<f4").tofile(os.path.join(out, f"residual_{l}.f32"))
    if want_l:
        np.concatenate(got["logits"]).astype("<f4").tofile(os.path.join(out, "logits.f32"))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "")
    elif sys.argv[1] == "forward":
        forward()
    else:
        sys.exit(f"unknown command {sys.argv[1]}")

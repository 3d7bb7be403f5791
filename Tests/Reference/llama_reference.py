#!/usr/bin/env python3
"""A plain numpy Llama forward pass (float64), independent of nxp, for the Swift tests.

Commands:
  forward      JSON request on stdin:
                 {"model": <.gguf file or Hugging Face folder>, "sequences": [[ids]],
                  "neuron_layers": [..], "residual_layers": [..], "logits": true,
                  "overrides": [{"layer": l, "neuron": i, "values": [..]}], "output": <dir>}
               or, to share one weight load, {"model", "sequences", "runs": [{...}, ...]} with
               the capture keys and "output" per run. Each run writes <dir>/neurons_<l>.f32 ([R, F]), residual_<l>.f32 ([R, C]) and logits.f32
               ([R, V]) as little-endian float32; R = all tokens of all sequences in order.
  write-hf     <dir> <seed> [shards]: a small random Llama checkpoint in Hugging Face layout
               (config.json + model.safetensors, rotate_half rotary convention); with shards > 1
               the tensors are split over model-0000i-of-0000n.safetensors with an index.
  write-gguf   <path> <seed>: a small random Llama GGUF (adjacent-pair rotary convention),
               weights in Q8_0 and F16, norms in F32.

Weights come from the `gguf` package (dequantized) or `safetensors.numpy`; the rotary pairing
follows the file convention: GGUF rotates entries (2i, 2i+1), Hugging Face (i, i + d/2).
"""
import json
import os
import sys

import numpy as np

# MARK: - Loading


def load_gguf(path):
    from gguf import GGUFReader
    from gguf.quants import dequantize

    reader = GGUFReader(path)

    def field(key, default=None):
        f = reader.fields.get(key)
        return default if f is None else f.contents()

    arch = field("general.architecture")
    assert arch in ("llama", "qwen2"), arch
    tensors = {}
    for t in reader.tensors:
        data = np.asarray(t.data)
        if data.dtype == np.uint8:
            values = dequantize(data, t.tensor_type)
        else:
            values = data.astype(np.float32)
        tensors[t.name] = values.astype(np.float64).reshape([int(d) for d in reversed(t.shape)] if len(t.shape) > 1 else [-1])
    heads = int(field(f"{arch}.attention.head_count"))
    hidden = int(field(f"{arch}.embedding_length"))
    config = {
        "layers": int(field(f"{arch}.block_count")),
        "heads": heads,
        "kv_heads": int(field(f"{arch}.attention.head_count_kv", heads)),
        "head_dim": hidden // heads,
        "eps": float(field(f"{arch}.attention.layer_norm_rms_epsilon")),
        "theta": float(field(f"{arch}.rope.freq_base", 10000.0)),
        # llama.cpp permutes llama's Q/K rows for adjacent pairs; qwen2 keeps rotate-half.
        "rotary": "adjacent" if arch == "llama" else "half",
    }

    def layer(i, part):
        return tensors[f"blk.{i}.{part}.weight"]

    def biases(i):
        return {k: tensors[f"blk.{i}.attn_{k}.bias"] for k in ("q", "k", "v") if f"blk.{i}.attn_{k}.bias" in tensors}

    weights = {
        "embed": tensors["token_embd.weight"],
        "norm": tensors["output_norm.weight"],
        "head": tensors.get("output.weight", tensors["token_embd.weight"]),
        "layers": [
            {
                "attn_norm": layer(i, "attn_norm"), "q": layer(i, "attn_q"), "k": layer(i, "attn_k"),
                "v": layer(i, "attn_v"), "o": layer(i, "attn_output"), "mlp_norm": layer(i, "ffn_norm"),
                "gate": layer(i, "ffn_gate"), "up": layer(i, "ffn_up"), "down": layer(i, "ffn_down"),
                "bias": biases(i),
            }
            for i in range(config["layers"])
        ],
    }
    return config, weights


def load_hf(folder):
    from safetensors.numpy import load_file

    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
    else:
        shards = ["model.safetensors"]
    tensors = {}
    for shard in shards:
        tensors.update({k: v.astype(np.float64) for k, v in load_file(os.path.join(folder, shard)).items()})
    heads = cfg["num_attention_heads"]
    config = {
        "layers": cfg["num_hidden_layers"],
        "heads": heads,
        "kv_heads": cfg.get("num_key_value_heads", heads),
        "head_dim": cfg.get("head_dim", cfg["hidden_size"] // heads),
        "eps": cfg["rms_norm_eps"],
        "theta": cfg.get("rope_theta", 10000.0),
        "rotary": "half",
    }
    tied = cfg.get("tie_word_embeddings", False)

    def layer(i, part):
        return tensors[f"model.layers.{i}.{part}.weight"]

    def biases(i):
        names = {k: f"model.layers.{i}.self_attn.{k}_proj.bias" for k in ("q", "k", "v")}
        return {k: tensors[n] for k, n in names.items() if n in tensors}

    weights = {
        "embed": tensors["model.embed_tokens.weight"],
        "norm": tensors["model.norm.weight"],
        "head": tensors["model.embed_tokens.weight"] if tied else tensors["lm_head.weight"],
        "layers": [
            {
                "attn_norm": layer(i, "input_layernorm"), "q": layer(i, "self_attn.q_proj"),
                "k": layer(i, "self_attn.k_proj"), "v": layer(i, "self_attn.v_proj"),
                "o": layer(i, "self_attn.o_proj"), "mlp_norm": layer(i, "post_attention_layernorm"),
                "gate": layer(i, "mlp.gate_proj"), "up": layer(i, "mlp.up_proj"), "down": layer(i, "mlp.down_proj"),
                "bias": biases(i),
            }
            for i in range(config["layers"])
        ],
    }
    return config, weights


# MARK: - Forward


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rotate(x, positions, theta, style):
    """x: [T, heads, d]. Rotates pairs by position * theta^(-2i/d)."""
    d = x.shape[-1]
    inv = theta ** (-np.arange(0, d, 2, dtype=np.float64) / d)
    ang = positions[:, None] * inv[None, :]  # [T, d/2]
    cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    out = np.empty_like(x)
    if style == "adjacent":
        a, b = x[..., 0::2], x[..., 1::2]
        out[..., 0::2] = a * cos - b * sin
        out[..., 1::2] = b * cos + a * sin
    else:
        a, b = x[..., : d // 2], x[..., d // 2 :]
        out[..., : d // 2] = a * cos - b * sin
        out[..., d // 2 :] = b * cos + a * sin
    return out


def attention(q, k, v, group):
    """q: [T, H, d]; k, v: [T, Hkv, d]. Causal softmax attention; returns [T, H*d]."""
    T, H, d = q.shape
    k = np.repeat(k, group, axis=1)
    v = np.repeat(v, group, axis=1)
    scores = np.einsum("thd,shd->hts", q, k) / np.sqrt(d)
    mask = np.triu(np.ones((T, T), dtype=bool), 1)
    scores[:, mask] = -np.inf
    scores -= scores.max(axis=-1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(axis=-1, keepdims=True)
    return np.einsum("hts,shd->thd", p, v).reshape(T, H * d)


def forward(config, weights, tokens, want_neurons, want_residuals, want_logits, overrides):
    """One sequence. overrides: {layer: [(neuron, values[T])]}. Returns captures."""
    T = len(tokens)
    H, Hkv, d = config["heads"], config["kv_heads"], config["head_dim"]
    pos = np.arange(T, dtype=np.float64)
    x = weights["embed"][np.array(tokens)]
    neurons, residuals = {}, {}
    for i, w in enumerate(weights["layers"]):
        h = rms_norm(x, w["attn_norm"], config["eps"])
        b = w.get("bias", {})
        q = (h @ w["q"].T + b.get("q", 0)).reshape(T, H, d)
        k = (h @ w["k"].T + b.get("k", 0)).reshape(T, Hkv, d)
        v = (h @ w["v"].T + b.get("v", 0)).reshape(T, Hkv, d)
        q = rotate(q, pos, config["theta"], config["rotary"])
        k = rotate(k, pos, config["theta"], config["rotary"])
        x = x + attention(q, k, v, H // Hkv) @ w["o"].T
        h = rms_norm(x, w["mlp_norm"], config["eps"])
        g = h @ w["gate"].T
        act = g / (1 + np.exp(-g)) * (h @ w["up"].T)
        for neuron, values in overrides.get(i, []):
            act[:, neuron] = values
        if i in want_neurons:
            neurons[i] = act
        x = x + act @ w["down"].T
        if i in want_residuals:
            residuals[i] = x.copy()
    logits = rms_norm(x, weights["norm"], config["eps"]) @ weights["head"].T if want_logits else None
    return neurons, residuals, logits


def run_forward():
    req = json.load(sys.stdin)
    path = req["model"]
    config, weights = load_hf(path) if os.path.isdir(path) else load_gguf(path)
    # Several runs (e.g. with and without overrides) can share one load of the weights.
    for run in req.get("runs", [req]):
        run_one(config, weights, req["sequences"], run)


def run_one(config, weights, sequences, run):
    want_n = set(run.get("neuron_layers", []))
    want_r = set(run.get("residual_layers", []))
    want_l = bool(run.get("logits", False))
    total = sum(len(s) for s in sequences)
    outs = {"neurons": {l: [] for l in want_n}, "residuals": {l: [] for l in want_r}, "logits": []}
    row = 0
    for seq in sequences:
        overrides = {}
        for o in run.get("overrides", []):
            vals = np.asarray(o["values"], dtype=np.float64)
            assert vals.size in (1, total)
            vals = np.full(len(seq), vals[0]) if vals.size == 1 else vals[row : row + len(seq)]
            overrides.setdefault(o["layer"], []).append((o["neuron"], vals))
        n, r, lg = forward(config, weights, seq, want_n, want_r, want_l, overrides)
        for l in want_n:
            outs["neurons"][l].append(n[l])
        for l in want_r:
            outs["residuals"][l].append(r[l])
        if want_l:
            outs["logits"].append(lg)
        row += len(seq)
    out = run["output"]
    for l, parts in outs["neurons"].items():
        np.concatenate(parts).astype("<f4").tofile(os.path.join(out, f"neurons_{l}.f32"))
    for l, parts in outs["residuals"].items():
        np.concatenate(parts).astype("<f4").tofile(os.path.join(out, f"residual_{l}.f32"))
    if want_l:
        np.concatenate(outs["logits"]).astype("<f4").tofile(os.path.join(out, "logits.f32"))


# MARK: - Random checkpoints

SMALL = {"vocab": 97, "hidden": 64, "ffn": 96, "layers": 3, "heads": 4, "kv_heads": 2, "ctx": 64}


def random_weights(seed, tied, qkv_bias=False):
    rng = np.random.default_rng(seed)
    s = SMALL
    d = s["hidden"] // s["heads"]

    def lin(out, inp):
        return (rng.standard_normal((out, inp)) / np.sqrt(inp)).astype(np.float32)

    def norm():
        return (1 + 0.2 * rng.standard_normal(s["hidden"])).astype(np.float32)

    w = {"embed": rng.standard_normal((s["vocab"], s["hidden"])).astype(np.float32), "norm": norm(), "layers": []}
    if not tied:
        w["head"] = lin(s["vocab"], s["hidden"])
    for _ in range(s["layers"]):
        w["layers"].append({
            "attn_norm": norm(), "q": lin(s["heads"] * d, s["hidden"]), "k": lin(s["kv_heads"] * d, s["hidden"]),
            "v": lin(s["kv_heads"] * d, s["hidden"]), "o": lin(s["hidden"], s["heads"] * d), "mlp_norm": norm(),
            "gate": lin(s["ffn"], s["hidden"]), "up": lin(s["ffn"], s["hidden"]), "down": lin(s["hidden"], s["ffn"]),
        })
        if qkv_bias:
            # Large enough that a bias left out or misplaced changes every layer visibly.
            w["layers"][-1].update({
                "q_bias": (0.5 * rng.standard_normal(s["heads"] * d)).astype(np.float32),
                "k_bias": (0.5 * rng.standard_normal(s["kv_heads"] * d)).astype(np.float32),
                "v_bias": (0.5 * rng.standard_normal(s["kv_heads"] * d)).astype(np.float32),
            })
    return w


def write_hf(folder, seed, shards=1, arch="llama"):
    from safetensors.numpy import save_file

    s = SMALL
    qwen = arch == "qwen2"
    # Qwen2.5's small models tie the output head to the embedding.
    w = random_weights(seed, tied=qwen, qkv_bias=qwen)
    os.makedirs(folder, exist_ok=True)
    names = {"attn_norm": "input_layernorm", "q": "self_attn.q_proj", "k": "self_attn.k_proj", "v": "self_attn.v_proj",
             "o": "self_attn.o_proj", "mlp_norm": "post_attention_layernorm", "gate": "mlp.gate_proj",
             "up": "mlp.up_proj", "down": "mlp.down_proj"}
    tensors = {"model.embed_tokens.weight": w["embed"], "model.norm.weight": w["norm"]}
    if not qwen:
        tensors["lm_head.weight"] = w["head"]
    for i, layer in enumerate(w["layers"]):
        for k, v in layer.items():
            if k.endswith("_bias"):
                tensors[f"model.layers.{i}.{names[k[0]]}.bias"] = v
            else:
                tensors[f"model.layers.{i}.{names[k]}.weight"] = v
    if shards == 1:
        save_file(tensors, os.path.join(folder, "model.safetensors"))
    else:
        names = sorted(tensors)
        weight_map = {}
        for i in range(shards):
            shard = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
            part = names[i::shards]
            save_file({n: tensors[n] for n in part}, os.path.join(folder, shard))
            weight_map.update({n: shard for n in part})
        with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=2)
    config = {
        "architectures": ["Qwen2ForCausalLM" if qwen else "LlamaForCausalLM"], "model_type": arch,
        "vocab_size": s["vocab"], "hidden_size": s["hidden"],
        "intermediate_size": s["ffn"], "num_hidden_layers": s["layers"], "num_attention_heads": s["heads"],
        "num_key_value_heads": s["kv_heads"], "max_position_embeddings": s["ctx"], "rms_norm_eps": 1e-5,
        "rope_theta": 1000000.0 if qwen else 10000.0, "rope_scaling": None, "hidden_act": "silu",
        "tie_word_embeddings": qwen, "use_sliding_window": False,
        "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32",
    }
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


def write_gguf(path, seed, arch="llama"):
    from gguf import GGMLQuantizationType, GGUFWriter
    from gguf.quants import quantize

    s = SMALL
    w = random_weights(seed, tied=True, qkv_bias=arch == "qwen2")
    writer = GGUFWriter(path, arch)
    writer.add_block_count(s["layers"])
    writer.add_context_length(s["ctx"])
    writer.add_embedding_length(s["hidden"])
    writer.add_feed_forward_length(s["ffn"])
    writer.add_head_count(s["heads"])
    writer.add_head_count_kv(s["kv_heads"])
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_freq_base(10000.0)
    writer.add_vocab_size(s["vocab"])

    def add(name, array, qtype):
        if qtype == GGMLQuantizationType.F32:
            writer.add_tensor(name, array.astype(np.float32))
        elif qtype == GGMLQuantizationType.F16:
            writer.add_tensor(name, array.astype(np.float16))
        else:
            writer.add_tensor(name, quantize(array, qtype), raw_dtype=qtype)

    # Q8_0 where rows are whole 32-value blocks, F16 elsewhere, F32 for norms.
    add("token_embd.weight", w["embed"], GGMLQuantizationType.F16)
    add("output_norm.weight", w["norm"], GGMLQuantizationType.F32)
    names = {"attn_norm": "attn_norm", "q": "attn_q", "k": "attn_k", "v": "attn_v", "o": "attn_output",
             "mlp_norm": "ffn_norm", "gate": "ffn_gate", "up": "ffn_up", "down": "ffn_down"}
    for i, layer in enumerate(w["layers"]):
        for k, v in layer.items():
            if k.endswith("_bias"):
                add(f"blk.{i}.{names[k[0]]}.bias", v, GGMLQuantizationType.F32)
                continue
            if v.ndim == 1:
                qtype = GGMLQuantizationType.F32
            elif v.shape[1] % 32 == 0:
                qtype = GGMLQuantizationType.Q8_0
            else:
                qtype = GGMLQuantizationType.F16
            add(f"blk.{i}.{names[k]}.weight", v, qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "forward":
        run_forward()
    elif cmd == "write-hf":
        write_hf(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 1,
                 sys.argv[5] if len(sys.argv) > 5 else "llama")
    elif cmd == "write-gguf":
        write_gguf(sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "llama")
    else:
        sys.exit(f"unknown command {cmd}")

#!/usr/bin/env python3
"""Brute-force reference for NxpInterp's RecordAccumulator.

Usage: records_reference.py ACTIVATIONS CONFIG_JSON [BOUNDARIES]

ACTIVATIONS is raw little-endian float32 with shape [layers, N, T, neurons] (layers in the order
of CONFIG's "layers"). CONFIG_JSON holds layers, neurons, tokens, excerpts, top, random,
per_quantile, levels and seed. BOUNDARIES (optional) is raw float32 [layers, neurons, buckets+1]:
the quantile boundaries the accumulator estimated, used to define bucket membership so the
quantile samples can be checked exactly.

Prints JSON with, per layer: top ids/maxima/activations, moments (numpy/scipy, float64), exact
quantiles of the per-excerpt maxima (numpy's default linear method) and the order statistics
they interpolate between, the random-sample ids implied by the seeded keys, and (with
BOUNDARIES) the quantile-sample ids and activations.
"""
import json
import sys

import numpy as np
import scipy.stats

M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def mix(x):
    """SplitMix64 step on uint64 arrays (wrapping arithmetic)."""
    x = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def excerpt_hashes(seed, layer, neuron, n_excerpts):
    base = mix(mix(np.uint64(seed) ^ np.uint64(layer)) ^ np.uint64(neuron))
    e = np.arange(n_excerpts, dtype=np.uint64)
    return mix(base ^ e), e


def member(maxima, lo, hi, b, n_buckets, last_level):
    if lo == hi:
        return maxima == lo
    upper = maxima < hi
    if b == n_buckets - 1 and last_level == 1.0:
        upper = upper | (maxima == hi)
    return (maxima >= lo) & upper


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    cfg = json.load(open(sys.argv[2]))
    layers, n, t, N = cfg["layers"], cfg["neurons"], cfg["tokens"], cfg["excerpts"]
    K, R, Q, levels, seed = cfg["top"], cfg["random"], cfg["per_quantile"], cfg["levels"], cfg["seed"]
    nb = len(levels) - 1
    data = np.fromfile(sys.argv[1], dtype="<f4")
    assert data.size == len(layers) * N * t * n, f"activation file has {data.size} floats"
    data = data.reshape(len(layers), N, t, n)
    bounds = None
    if len(sys.argv) == 4:
        bounds = np.fromfile(sys.argv[3], dtype="<f4").reshape(len(layers), n, nb + 1)

    out = {"layers": []}
    for li, layer in enumerate(layers):
        acts = data[li]                     # [N, T, n]
        maxima = acts.max(axis=1)           # [N, n]
        flat = acts.reshape(N * t, n).astype(np.float64)
        L = {"layer": layer}

        # Top excerpts: maximum descending, ties by lower excerpt id.
        top_ids, top_max, top_acts = [], [], []
        for j in range(n):
            order = np.lexsort((np.arange(N), -maxima[:, j].astype(np.float64)))[:K]
            top_ids.append([int(e) for e in order])
            top_max += floats(maxima[order, j])
            top_acts += floats(acts[order, :, j])
        L["top_ids"], L["top_max"], L["top_acts"] = top_ids, top_max, top_acts

        # Moments over every token (population variance, biased skew, excess kurtosis).
        L["mean"] = floats(flat.mean(axis=0))
        L["variance"] = floats(flat.var(axis=0))
        L["skewness"] = floats(scipy.stats.skew(flat, axis=0, bias=True))
        L["kurtosis"] = floats(scipy.stats.kurtosis(flat, axis=0, fisher=True, bias=True))

        # Exact quantiles of the per-excerpt maxima and their bracketing order statistics.
        mx64 = maxima.astype(np.float64)
        L["quantiles"] = floats(np.quantile(mx64, levels, axis=0).T)
        srt = np.sort(mx64, axis=0)
        lo_idx = [int(np.floor(p * (N - 1))) for p in levels]
        hi_idx = [int(np.ceil(p * (N - 1))) for p in levels]
        L["order_lo"] = floats(srt[lo_idx, :].T)
        L["order_hi"] = floats(srt[hi_idx, :].T)

        # Seeded samples.
        rand_ids, quant_ids, quant_acts = [], [], []
        for j in range(n):
            h, e = excerpt_hashes(seed, layer, j, N)
            rkey = ((h & np.uint64(0xFFFFFFFF)) << np.uint64(32)) | e
            rand_ids.append([int(x) for x in np.argsort(rkey, kind="stable")[:R]])
            if bounds is not None:
                qkey = (h & np.uint64(0xFFFFFFFF00000000)) | e
                per_bucket, per_acts = [], []
                for b in range(nb):
                    lo, hi = bounds[li, j, b], bounds[li, j, b + 1]
                    idx = np.nonzero(member(maxima[:, j], lo, hi, b, nb, levels[-1]))[0]
                    chosen = idx[np.argsort(qkey[idx], kind="stable")][:Q]
                    per_bucket.append([int(x) for x in chosen])
                    per_acts.append(floats(acts[chosen, :, j]))
                quant_ids.append(per_bucket)
                quant_acts.append(per_acts)
        L["random_ids"] = rand_ids
        if bounds is not None:
            L["quantile_ids"], L["quantile_acts"] = quant_ids, quant_acts
        out["layers"].append(L)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

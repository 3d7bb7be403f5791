#!/usr/bin/env python3
"""Independent reference for `score`: reads the JSON Lines `save(sims, "x.jsonl")` writes and
computes, with numpy and scipy, every explanation's scores as method.md defines them.

  simulation_scores_reference.py SIMS.jsonl   -> JSON list, one object per (layer, neuron, sample)

score/top/random: np.corrcoef over the concatenated tokens of the valid split's excerpts (all,
top only, random only) whose simulation did not fail; None when a side is constant or empty.
baseline/shuffled: the same over the baseline's and the shuffled explanation's valid excerpts.
r2: 1 - mean((t - s')^2) / mean(t^2) on the valid split, s' = the least-squares line fitted
from simulated to true values on the calibration split (scipy.stats.linregress).
"""
import json
import sys

import numpy as np
from scipy import stats

rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]


def corr(xs):
    xs = [x for x in xs if x["expected_activations"] is not None]
    if not xs:
        return None
    t = np.concatenate([np.asarray(x["true_activations"], dtype=np.float64) for x in xs])
    s = np.concatenate([np.asarray(x["expected_activations"], dtype=np.float64) for x in xs])
    if len(t) < 2 or np.std(t) == 0 or np.std(s) == 0:
        return None
    return float(np.corrcoef(t, s)[0, 1])


out = []
for layer, neuron in sorted({(r["layer"], r["neuron"]) for r in rows}):
    mine = [r for r in rows if r["layer"] == layer and r["neuron"] == neuron]
    baseline = [r for r in mine if r["kind"] == "baseline" and r["split"] == "valid"]
    shuffled = [r for r in mine if r["kind"] == "shuffled"]
    for sample in sorted({r["sample"] for r in mine if r["kind"] == "explanation"}):
        own = [r for r in mine if r["kind"] == "explanation" and r["sample"] == sample]
        valid = [r for r in own if r["split"] == "valid"]
        cal = [r for r in own if r["split"] == "calibration" and r["expected_activations"] is not None]
        r2 = None
        ok = [r for r in valid if r["expected_activations"] is not None]
        if cal and ok:
            ct = np.concatenate([r["true_activations"] for r in cal])
            cs = np.concatenate([r["expected_activations"] for r in cal])
            if np.std(cs) == 0:
                slope, intercept = 0.0, float(np.mean(ct))
            else:
                fit = stats.linregress(cs, ct)
                slope, intercept = float(fit.slope), float(fit.intercept)
            t = np.concatenate([r["true_activations"] for r in ok])
            s = slope * np.concatenate([r["expected_activations"] for r in ok]) + intercept
            mt2 = float(np.mean(t * t))
            r2 = None if mt2 == 0 else float(1 - np.mean((t - s) ** 2) / mt2)
        out.append({
            "layer": layer, "neuron": neuron, "sample": sample,
            "score": corr(valid),
            "top": corr([r for r in valid if r["group"] == "top"]),
            "random": corr([r for r in valid if r["group"] == "random"]),
            "baseline": corr(baseline) if baseline else None,
            "shuffled": corr(shuffled) if shuffled else None,
            "r2": r2,
            "failures": sum(1 for r in own if r["expected_activations"] is None),
        })
json.dump(out, sys.stdout)

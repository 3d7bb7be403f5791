#!/usr/bin/env python3
"""Independent reference for nxp's scoring functions (numpy / scipy).

Reads JSON cases on stdin: [{"t": [[...], ...], "s": [[...], ...], "shown": [[...]]}] and writes,
per case: correlation over the concatenated tokens (np.corrcoef, None when a side is constant),
R^2 and absolute-deviation-explained as neuron-explainer defines them, the least-squares
calibration (scipy.stats.linregress), and the 0-10 prompt normalisation of `shown`.
"""
import json
import math
import sys

import numpy as np
from scipy import stats

out = []
for case in json.load(sys.stdin):
    t = np.concatenate([np.asarray(x, dtype=np.float64) for x in case["t"]])
    s = np.concatenate([np.asarray(x, dtype=np.float64) for x in case["s"]])
    with np.errstate(all="ignore"):
        corr = np.corrcoef(t, s)[0, 1] if len(t) >= 2 else float("nan")
    corr = None if not np.isfinite(corr) or np.std(t) == 0 or np.std(s) == 0 else float(corr)
    mt2 = float(np.mean(t * t))
    r2 = None if mt2 == 0 else float(1 - np.mean((t - s) ** 2) / mt2)
    mat = float(np.mean(np.abs(t)))
    ad = None if mat == 0 else float(1 - np.mean(np.abs(t - s)) / mat)
    if np.std(s) == 0:
        cal = [0.0, float(np.mean(t))]
    else:
        fit = stats.linregress(s, t)
        cal = [float(fit.slope), float(fit.intercept)]
    # neuron-explainer's normalisation: ReLU max over the records shown, floor(10 a / max), cap 10.
    shown = [np.asarray(r, dtype=np.float32).astype(np.float64) for r in case["shown"]]
    max_act = max((float(np.max(np.maximum(r, 0))) for r in shown if len(r)), default=0.0)
    norm = [[0 if max_act <= 0 else min(10, math.floor(10 * max(0.0, a) / max_act)) for a in r] for r in shown]
    out.append({"correlation": corr, "rsquared": r2, "absdev": ad, "calibration": cal, "normalized": norm})
json.dump(out, sys.stdout)

#!/usr/bin/env python3
"""Independent reference for detection/fuzzing scores: balanced accuracy, precision, recall, F1.

Reads [{"actual": [bools], "predicted": [bool or null]}] on stdin; null predictions are failures
and are left out, as delphi leaves out rows without a prediction.
"""
import json
import sys

out = []
for case in json.load(sys.stdin):
    rows = [(a, p) for a, p in zip(case["actual"], case["predicted"]) if p is not None]
    tp = sum(1 for a, p in rows if a and p)
    fn = sum(1 for a, p in rows if a and not p)
    tn = sum(1 for a, p in rows if not a and not p)
    fp = sum(1 for a, p in rows if not a and p)
    P, N = tp + fn, tn + fp
    bal = (tp / P + tn / N) / 2 if P and N else None
    prec = tp / (tp + fp) if tp + fp else None
    rec = tp / P if P else None
    f1 = 2 * prec * rec / (prec + rec) if prec is not None and rec is not None and prec + rec else None
    out.append({"balanced": bal, "precision": prec, "recall": rec, "f1": f1, "failures": len(case["actual"]) - len(rows)})
json.dump(out, sys.stdout)

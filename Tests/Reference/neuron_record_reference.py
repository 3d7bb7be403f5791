#!/usr/bin/env python3
"""neuron-explainer's NeuronRecord JSON, written and read from its documented schema with plain json.

  write PATH   writes a record as neuron-explainer's dataclass loader expects (dataclass_name keys)
  check PATH   reads a record nxp wrote and prints a summary of it as JSON
"""
import json
import sys


def record(tokens, acts):
    return {"dataclass_name": "ActivationRecord", "tokens": tokens, "activations": acts}


mode, path = sys.argv[1], sys.argv[2]
if mode == "write":
    data = {
        "dataclass_name": "NeuronRecord",
        "neuron_id": {"dataclass_name": "NeuronId", "layer_index": 21, "neuron_index": 2932},
        "random_sample": [record(["A", " maple", " leaf"], [0.0, 1.5, -0.25])],
        "random_sample_by_quantile": [[record(["x"], [0.125])], [record(["y", "z"], [2.0, 0.0])]],
        "quantile_boundaries": [0.0, 0.5, 1.25, 3.0, 7.5],
        "mean": 0.03125,
        "variance": 0.5,
        "skewness": 4.0,
        "kurtosis": 30.0,
        "most_positive_activation_records": [
            record([" in", " Canada", ","], [0.0, 9.5, 0.25]),
            record([" Toronto", " \u00e9t\u00e9"], [7.25, -0.5]),
        ],
    }
    with open(path, "w") as f:
        json.dump(data, f)
else:
    with open(path) as f:
        d = json.load(f)
    assert d["dataclass_name"] == "NeuronRecord"
    assert d["neuron_id"]["dataclass_name"] == "NeuronId"
    assert all(r["dataclass_name"] == "ActivationRecord" for r in d["most_positive_activation_records"] + d["random_sample"])
    print(json.dumps({
        "id": [d["neuron_id"]["layer_index"], d["neuron_id"]["neuron_index"]],
        "top_tokens": [r["tokens"] for r in d["most_positive_activation_records"]],
        "top_acts": [r["activations"] for r in d["most_positive_activation_records"]],
        "buckets": [len(b) for b in d["random_sample_by_quantile"]],
        "boundaries": d["quantile_boundaries"],
        "moments": [d["mean"], d["variance"], d["skewness"], d["kurtosis"]],
    }, sort_keys=True))

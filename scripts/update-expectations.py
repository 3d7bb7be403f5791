#!/usr/bin/env python3
"""Rewrites the `# expect:` lines of an example from what `nxp run` prints now.

Usage: scripts/update-expectations.py [--nxp BIN] Examples/NAME.nxp
Each cell's output goes at the end of the cell (before the next `# %%` marker); read the diff
before committing: the test trusts these lines.
"""
import argparse
import os
import subprocess
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--nxp", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "nxp"))
ap.add_argument("script")
args = ap.parse_args()

with tempfile.TemporaryDirectory() as cache:
    run = subprocess.run([args.nxp, "run", os.path.basename(args.script), "--cache", cache],
                         cwd=os.path.dirname(os.path.abspath(args.script)), capture_output=True, text=True)
if run.returncode != 0:
    raise SystemExit(f"nxp run failed ({run.returncode}):\n{run.stderr}")

# Output per cell: a cell's output starts with its `# %% Title` line (none for the first cell).
outputs = {None: []}
current = None
for line in run.stdout.rstrip("\n").split("\n"):
    if line.startswith("# %% "):
        current = line[5:]
        outputs[current] = [line]
    else:
        outputs.setdefault(current, []).append(line)

source = [l for l in open(args.script).read().rstrip("\n").split("\n") if not l.lstrip().startswith("# expect:")]
result, cell = [], None


def close(cell):
    while result and result[-1] == "":
        result.pop()
    result.extend("# expect: " + l for l in outputs.get(cell, []))
    result.append("")


for line in source:
    if line.startswith("# %% "):
        close(cell)
        cell = line[5:]
    result.append(line)
close(cell)
open(args.script, "w").write("\n".join(result).rstrip("\n") + "\n")

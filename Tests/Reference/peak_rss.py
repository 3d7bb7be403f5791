#!/usr/bin/env python3
"""Runs a command with its output discarded and prints its exit status and peak resident memory.

Measured from this small process rather than from the test process: Linux carries a process's
peak RSS across exec, so a child spawned straight from a large test process would report the
test process's peak instead of its own.
"""
import json
import resource
import subprocess
import sys

status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"status": status, "peak_bytes": peak_kb * 1024}))

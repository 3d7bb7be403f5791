#!/usr/bin/env python3
"""Starts llama-cpp-python's OpenAI-compatible server on 127.0.0.1 for nxp's backend tests.

    python3 llama_server.py MODEL.gguf

Picks a free port, starts `python3 -m llama_cpp.server` with per-token logits kept (needed for
echoed prompt log-probabilities), waits until /v1/models answers, prints the port as its first
line, and stops the server when its own stdin closes or it is terminated (so the server never
outlives the test process). Exits with status 3 when llama_cpp cannot be imported, 4 when the
server does not come up.
"""
import ctypes
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

if importlib.util.find_spec("llama_cpp") is None:
    print("llama_cpp is not importable; install it with scripts/setup.sh --test", file=sys.stderr)
    sys.exit(3)

model = sys.argv[1]
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]


def die_with_parent():
    # PR_SET_PDEATHSIG: the server gets SIGTERM if this launcher dies without cleaning up.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


# A file, not a pipe: the server logs every request, and an unread pipe would block it.
log = tempfile.TemporaryFile()
server = subprocess.Popen(
    [sys.executable, "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1", "--port", str(port),
     "--logits_all", "true", "--n_ctx", "2048", "--verbose", "false"],
    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, preexec_fn=die_with_parent)


def tail():
    log.seek(0)
    return log.read().decode(errors="replace")[-2000:]


def stop(*_):
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    os._exit(0)


signal.signal(signal.SIGTERM, stop)
deadline = time.time() + 120
while True:
    if server.poll() is not None:
        print(f"llama_cpp.server exited with {server.returncode}:\n{tail()}",
              file=sys.stderr)
        sys.exit(4)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2) as r:
            json.load(r)
            break
    except OSError:
        if time.time() > deadline:
            print("llama_cpp.server did not answer within 120 s", file=sys.stderr)
            stop()
        time.sleep(0.2)

print(port, flush=True)
sys.stdin.read()
stop()

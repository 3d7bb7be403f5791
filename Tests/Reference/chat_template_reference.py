#!/usr/bin/env python3
"""Renders chat templates with Jinja2, as Hugging Face's apply_chat_template does, for comparison.

Reads {"template": str, "messages": [...], "add_generation_prompt": bool, "bos_token": str} on
stdin and prints the rendered prompt. With --gguf PATH, prints the GGUF's own template instead.
"""
import json
import sys

if len(sys.argv) > 2 and sys.argv[1] == "--gguf":
    from gguf import GGUFReader

    f = GGUFReader(sys.argv[2]).fields["tokenizer.chat_template"]
    sys.stdout.write(bytes(f.parts[f.data[0]]).decode("utf-8"))
    sys.exit(0)

from jinja2.sandbox import ImmutableSandboxedEnvironment

req = json.load(sys.stdin)
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
out = env.from_string(req["template"]).render(
    messages=req["messages"], add_generation_prompt=req["add_generation_prompt"], bos_token=req.get("bos_token", ""))
sys.stdout.write(out)

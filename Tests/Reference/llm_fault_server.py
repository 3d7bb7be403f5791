#!/usr/bin/env python3
"""A small OpenAI-compatible server on 127.0.0.1 with deterministic answers and faults on demand,
for testing nxp's OpenAI backend. Standard library only.

Prints the port it listens on as its first line, then serves until stdin closes (so it never
outlives the test that started it) or it is terminated.

Faults are chosen by markers in the prompt text (chat: any message; completions: the prompt):
  #id:NAME         counts requests under NAME in /stats (otherwise under the whole text)
  #fault:MODE      answer with MODE:
      429            429 without Retry-After          429-after-S   429 with Retry-After: S
      429-date-S     429 with Retry-After as an HTTP date S seconds ahead
      500, 503       that status                      400           400 quoting the Authorization header
      slow-S         wait S seconds, then answer      malformed     200 with a body that is not JSON
      truncated      Content-Length larger than the body sent, then close
      missing        200 with well-formed JSON without choices
      reset          close the connection without answering
  #times:N         apply the fault to the first N requests of this id only, then answer normally

Options:
  --align same|next|noise   which distribution an echoed prompt position carries (next imitates
                            llama-cpp-python without BOS; noise fits neither)
  --no-echo                 refuse echo like llama.cpp's server
  --max-top K               refuse more than K alternatives (default 20)
  --hold S                  every answer waits S seconds (to observe concurrency)

GET /stats returns {"counts": {id: n}, "requests": n, "max_in_flight": n,
"authorization": [distinct Authorization headers], "key_elsewhere": n}; key_elsewhere counts
requests whose bearer token also appeared in the path, another header or the body.
"""
import argparse
import email.utils
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--align", default="same", choices=["same", "next", "noise"])
parser.add_argument("--no-echo", action="store_true")
parser.add_argument("--max-top", type=int, default=20)
parser.add_argument("--hold", type=float, default=0)
options = parser.parse_args()

lock = threading.Lock()
counts = {}
authorization = set()
state = {"requests": 0, "in_flight": 0, "max_in_flight": 0, "key_elsewhere": 0}


def tokenize(text):
    return re.findall(r"\s*[A-Za-z]+|\s*\d+|\s*[^\sA-Za-z\d]|\s+", text)


def marker(text, name):
    m = re.search(r"#" + name + r":([A-Za-z0-9_.:-]+)", text)
    return m.group(1) if m else None


def alternatives(actual, logprob, k):
    """`actual` first, then k-1 made-up tokens with lower log-probabilities."""
    top = {actual: logprob}
    for n in range(1, k):
        top[f"alt{n}"] = -5.0 - n
    return top


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/stats":
            with lock:
                self.send_json(200, {"counts": counts, "authorization": sorted(authorization), **state})
        elif self.path.endswith("/models"):
            self.send_json(200, {"object": "list", "data": [{"id": "fault-model", "object": "model"}]})
        else:
            self.send_json(404, {"error": {"message": "not found"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        auth = self.headers.get("Authorization")
        with lock:
            state["requests"] += 1
            state["in_flight"] += 1
            state["max_in_flight"] = max(state["max_in_flight"], state["in_flight"])
            if auth:
                authorization.add(auth)
                token = auth.split(" ", 1)[-1]
                others = [v for k, v in self.headers.items() if k.lower() != "authorization"]
                if token in self.path or token.encode() in raw or any(token in v for v in others):
                    state["key_elsewhere"] += 1
        try:
            self.answer(raw, auth)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with lock:
                state["in_flight"] -= 1

    def answer(self, raw, auth):
        try:
            request = json.loads(raw)
        except ValueError:
            return self.send_json(400, {"error": {"message": "body is not JSON"}})
        chat = self.path.endswith("/chat/completions")
        if chat:
            text = "\n".join(m.get("content", "") for m in request.get("messages", []))
        elif self.path.endswith("/completions"):
            text = request.get("prompt", "")
        else:
            return self.send_json(404, {"error": {"message": "not found"}})
        key = marker(text, "id") or text
        with lock:
            counts[key] = counts.get(key, 0) + 1
            seen = counts[key]
        if options.hold:
            time.sleep(options.hold)
        fault = marker(text, "fault")
        times = marker(text, "times")
        if fault and (times is None or seen <= int(times)):
            if self.fault(fault, auth):
                return
        if chat:
            self.chat(request, text)
        else:
            self.completion(request, text)

    def fault(self, mode, auth):
        """Sends the fault's answer; False when the mode only delays the normal answer."""
        if mode == "429":
            self.send_json(429, {"error": {"message": "rate limited"}})
        elif mode.startswith("429-after-"):
            self.send_json(429, {"error": {"message": "rate limited"}}, {"Retry-After": mode[len("429-after-"):]})
        elif mode.startswith("429-date-"):
            when = email.utils.formatdate(time.time() + float(mode[len("429-date-"):]), usegmt=True)
            self.send_json(429, {"error": {"message": "rate limited"}}, {"Retry-After": when})
        elif mode in ("500", "503"):
            self.send_json(int(mode), {"error": {"message": f"server error {mode}"}})
        elif mode == "400":
            self.send_json(400, {"error": {"message": f"bad request; you sent Authorization: {auth}"}})
        elif mode.startswith("slow-"):
            time.sleep(float(mode[len("slow-"):]))
            return False
        elif mode == "malformed":
            body = b'{"choices": [{"message": '
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif mode == "truncated":
            body = b'{"choices": [{"message": {"content": "cut'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) + 500))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
        elif mode == "missing":
            self.send_json(200, {"id": "x", "object": "chat.completion"})
        elif mode == "reset":
            self.close_connection = True
            self.connection.shutdown(2)
        else:
            self.send_json(400, {"error": {"message": f"unknown fault {mode}"}})
        return True

    def usage(self, prompt_tokens, completion_tokens):
        return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens}

    def chat(self, request, text):
        last = request["messages"][-1]["content"] if request.get("messages") else ""
        reply = tokenize("reply: " + last)[: max(1, request.get("max_tokens") or 16)]
        choice = {"index": 0, "message": {"role": "assistant", "content": "".join(reply)}, "finish_reason": "stop"}
        if request.get("logprobs"):
            k = request.get("top_logprobs") or 0
            if k > options.max_top:
                return self.send_json(400, {"error": {"message": f"top_logprobs must be at most {options.max_top}"}})
            choice["logprobs"] = {"content": [
                {"token": t, "logprob": -0.25, "bytes": None,
                 "top_logprobs": [{"token": a, "logprob": lp, "bytes": None}
                                  for a, lp in alternatives(t, -0.25, k).items()]}
                for t in reply]}
        self.send_json(200, {"id": "chatcmpl-1", "object": "chat.completion", "model": request.get("model"),
                             "choices": [choice], "usage": self.usage(len(tokenize(text)), len(reply))})

    def completion(self, request, prompt):
        k = request.get("logprobs")
        if k is not None and k > options.max_top:
            return self.send_json(400, {"error": {"message": f"logprobs must be at most {options.max_top}"}})
        echo = request.get("echo", False)
        if echo and options.no_echo:
            return self.send_json(400, {"error": {"message": "Only no echo is supported"}})
        generated = tokenize(" next")
        prompt_tokens = tokenize(prompt)
        text = (prompt if echo else "") + "".join(generated)
        choice = {"index": 0, "text": text, "finish_reason": "length"}
        if k is not None:
            tokens = (prompt_tokens if echo else []) + generated
            top = []
            for i, t in enumerate(tokens):
                if options.align == "same":
                    top.append(alternatives(t, -(i + 1) / 100, k))
                elif options.align == "next":
                    following = tokens[i + 1] if i + 1 < len(tokens) else "<eos>"
                    top.append(alternatives(following, -(i + 2) / 100, k))
                else:
                    top.append(alternatives("qq", -0.1, k))
            logprobs = [(-(i + 1) / 100) for i in range(len(tokens))]
            if echo:
                top[0] = None
                logprobs[0] = None
            choice["logprobs"] = {"tokens": tokens, "token_logprobs": logprobs, "top_logprobs": top,
                                  "text_offset": [sum(len(x) for x in tokens[:i]) for i in range(len(tokens))]}
        self.send_json(200, {"id": "cmpl-1", "object": "text_completion", "model": request.get("model"),
                             "choices": [choice], "usage": self.usage(len(prompt_tokens), len(generated))})


def watch_stdin():
    sys.stdin.read()
    import os
    os._exit(0)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Thread(target=watch_stdin, daemon=True).start()
server.serve_forever()

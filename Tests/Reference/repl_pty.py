"""Drives the nxp REPL through a pseudo-terminal, as a person at a keyboard would.

Usage: repl_pty.py NXP_BINARY WORKDIR
Checks line editing with libedit: the prompt, tab completion of primitives, labels and bound
names, the continuation prompt, history kept across sessions (Up arrow), Ctrl-C at the prompt
and during a computation, and :quit. Prints one "ok <check>" line per check and exits non-zero on the first failure.
"""
import os
import sys

try:
    import pexpect
except ImportError:
    sys.exit("pexpect is missing: python3 -m pip install pexpect")

nxp, work = sys.argv[1], sys.argv[2]
env = dict(os.environ, NXP_HISTORY=os.path.join(work, "history"), NO_COLOR="1", TERM="xterm")
PROMPT = "nxp> "


def start():
    child = pexpect.spawn(nxp, ["repl", "--cache", os.path.join(work, "cache")], cwd=work, env=env,
                          encoding="utf-8", timeout=20, dimensions=(40, 120))
    child.expect_exact(PROMPT)
    return child


def ok(name):
    print("ok", name, flush=True)


child = start()
ok("prompt")

# Tab completes a primitive name (unique prefix) and the call's parenthesis.
# The line only parses if both completions happened (corp -> corpus(, li -> limit:).
child.send("docs = corp\t")
child.send('"a.txt", li\t')
child.send(" 2)\r")
child.expect_exact(PROMPT)
child.send("show docs\r")
child.expect_exact("Corpus a.txt: 2 documents")
child.expect_exact(PROMPT)
ok("completion of primitives and labels")

# A bound name completes too.
child.send("show do\t |> head(1)\r")
child.expect_exact("Corpus a.txt: 1 document")
child.expect_exact(PROMPT)
ok("completion of bound names")

# An open bracket asks for more with the continuation prompt.
child.send("xs = [1,\r")
child.expect_exact("...> ")
child.send("2]\r")
child.expect_exact(PROMPT)
child.send("show xs\r")
child.expect_exact("[1, 2]")
child.expect_exact(PROMPT)
ok("continuation prompt")

# Ctrl-C at the prompt drops the line and keeps the session.
child.send("this line is dropped")
child.sendintr()
child.expect_exact(PROMPT)
child.send("show 41 + 1\r")
child.expect_exact("42")
child.expect_exact(PROMPT)
ok("ctrl-c at the prompt")

# Errors never end the session.
child.send("show nope\r")
child.expect_exact("unknown name `nope`")
child.expect_exact(PROMPT)
ok("error keeps the session")

# Ctrl-C during a long computation returns to the prompt; what finished stays, and record
# leaves a checkpoint to resume from.
child.send('model = load("smollm2-135m")\r')
child.expect_exact(PROMPT)
child.send('texts = corpus("fortunes") |> excerpts(model, tokens: 64, limit: 3000)\r')
child.expect_exact(PROMPT)
child.send("show record(model, texts, layers: [0, 29], batch: 8)\r")
child.expect_exact("record")  # the progress bar
child.expect(r"[1-9]\d*/3000 excerpts", timeout=120)
child.sendintr()
child.expect_exact("interrupted", timeout=60)
child.expect_exact(PROMPT)
child.send("show texts |> head(1)\r")
child.expect_exact("Excerpts: 1 x 64 tokens")
child.expect_exact(PROMPT)
partial = os.path.join(work, "cache", "partial")
if not any(name.startswith("ckpt-") for key in os.listdir(partial) for name in os.listdir(os.path.join(partial, key))):
    sys.exit("no record checkpoint after Ctrl-C")
ok("ctrl-c during a computation")

child.send(":quit\r")
child.expect(pexpect.EOF)
child.close()
if child.exitstatus != 0:
    sys.exit(f"exit status {child.exitstatus}")
ok("quit")

# History persists: a new session recalls the last line with the Up arrow.
child = start()
child.send("\x1b[A")
child.expect_exact("head(1)")  # libedit redraws only what changed
child.sendintr()  # drop the recalled line
child.expect_exact(PROMPT)
child.sendeof()
child.expect(pexpect.EOF)
ok("history across sessions")

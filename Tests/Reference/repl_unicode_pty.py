"""Types non-ASCII text into the nxp REPL through a pseudo-terminal.

Usage: repl_unicode_pty.py NXP_BINARY WORKDIR
The process starts with no locale in its environment (as under a bare `env -i` or a minimal
container), so the REPL itself must choose a UTF-8 character type for libedit. Prints what
`show` printed back for each typed string, one line each.
"""
import os
import sys

try:
    import pexpect
except ImportError:
    sys.exit("pexpect is missing: python3 -m pip install pexpect")

nxp, work = sys.argv[1], sys.argv[2]
env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k not in ("LANG", "LANGUAGE")}
env.update(NXP_HISTORY=os.path.join(work, "history"), NO_COLOR="1", TERM="xterm")
child = pexpect.spawn(nxp, ["repl", "--cache", os.path.join(work, "cache")], cwd=work, env=env,
                      encoding="utf-8", timeout=20, dimensions=(40, 200))
child.expect_exact("nxp> ")
for text in ["héllo ✓", "naïve café", "日本語", "emoji 😀!"]:
    child.send('show "%s"\r' % text)
    child.expect_exact("nxp> ")
    # The echo of the typed line comes first, then what show printed.
    lines = [l for l in child.before.replace("\r", "").split("\n") if l and not l.startswith("show ")]
    print(lines[-1] if lines else "<nothing>", flush=True)
child.send(":quit\r")
child.expect(pexpect.EOF)

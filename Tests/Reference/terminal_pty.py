"""Runs `nxp run SCRIPT` on a pseudo-terminal with different TERM and NO_COLOR settings.

Usage: terminal_pty.py NXP_BINARY WORKDIR SCRIPT
Prints, for each setting, whether the output (stdout and stderr share the terminal) held any
escape byte (0x1B), and the output itself with escapes shown as <ESC>.
"""
import os
import sys

try:
    import pexpect
except ImportError:
    sys.exit("pexpect is missing: python3 -m pip install pexpect")

nxp, work, script = sys.argv[1], sys.argv[2], sys.argv[3]
base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
for term, no_color in [("xterm-256color", None), ("dumb", None), ("xterm-256color", "1")]:
    env = dict(base, TERM=term, NXP_CACHE_DIR=os.path.join(work, "cache"))
    if no_color:
        env["NO_COLOR"] = no_color
    child = pexpect.spawn(nxp, ["run", script], cwd=work, env=env, encoding="utf-8", timeout=60,
                          dimensions=(40, 200))
    child.expect(pexpect.EOF)
    out = child.before.replace("\r", "")
    label = "TERM=%s%s" % (term, " NO_COLOR=1" if no_color else "")
    print("%s: escapes %s" % (label, "yes" if "\x1b" in out else "no"), flush=True)

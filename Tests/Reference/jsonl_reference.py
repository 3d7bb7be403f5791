"""What Python's json module reads from JSON Lines files: for each file given, the string
field of every non-blank line (empty strings skipped), or an error.

Usage: jsonl_reference.py FIELD FILE...   prints one JSON array, one entry per file:
{"docs": [...]} or {"error": "..."}. Unpaired surrogates, which UTF-8 cannot hold, are
replaced by U+FFFD as nxp does.
"""
import json
import sys


def clean(s):
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in s)


def read(path, field):
    docs = []
    with open(path, "rb") as f:
        data = f.read()
    for raw in data.split(b"\n"):
        line = raw.decode("utf-8")
        if line.strip(" \t\r\n") == "":
            continue
        obj = json.loads(line)
        if not isinstance(obj, dict):
            raise ValueError("not an object")
        value = obj[field]
        if not isinstance(value, str):
            raise ValueError("not a string")
        if value:
            docs.append(clean(value))
    return docs


field = sys.argv[1]
out = []
for path in sys.argv[2:]:
    try:
        out.append({"docs": read(path, field)})
    except Exception as e:  # noqa: BLE001 - any failure is an error line for the comparison
        out.append({"error": type(e).__name__})
print(json.dumps(out))

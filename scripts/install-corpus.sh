#!/usr/bin/env bash
# Builds nxp's named default corpus `fortunes` from Debian's fortunes package: every fortune
# (English quotations, jokes and definitions, about 2.5 MB) as one JSON Lines document.
set -euo pipefail

corpora_dir="${NXP_CORPORA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nxp/corpora}"
src=/usr/share/games/fortunes
out="$corpora_dir/fortunes.jsonl"

if [ ! -d "$src" ]; then
  echo "corpus: $src is missing; install Debian's fortunes package (apt-get install fortunes)" >&2
  exit 1
fi
if [ -s "$out" ]; then
  echo "corpus: $out (already built)"
  exit 0
fi
mkdir -p "$corpora_dir"
python3 - "$src" "$out" <<'PY'
import json, os, sys
src, out = sys.argv[1:]
# Pictures are not prose; the .u8 files are the UTF-8 versions of the originals.
skip = {"art", "ascii-art"}
names = sorted(n for n in os.listdir(src) if "." not in n and n not in skip)
count = 0
tmp = out + ".part"
with open(tmp, "w", encoding="utf-8") as f:
    for name in names:
        path = os.path.join(src, name + ".u8")
        if not os.path.exists(path):
            path = os.path.join(src, name)
        with open(path, encoding="utf-8", errors="replace") as g:
            text = g.read()
        for entry in text.split("\n%\n"):
            entry = entry.strip("%\n").strip()
            if entry:
                f.write(json.dumps({"text": entry, "source": name}, ensure_ascii=False) + "\n")
                count += 1
os.replace(tmp, out)
print(f"corpus: wrote {count} documents to {out}")
PY

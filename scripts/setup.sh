#!/usr/bin/env bash
# Everything nxp needs on a fresh Debian machine: system libraries, the default corpus and model,
# and (with --test) the Python packages the reference tests compute expected values with.
#   scripts/setup.sh          apt packages, corpus, model
#   scripts/setup.sh --test   the same plus numpy, scipy, gguf, safetensors, tokenizers, pexpect, jinja2
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(libedit-dev libopenblas-dev fortunes)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--test" ]; then
  echo "setup: installing the Python reference packages with pip"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    numpy scipy gguf safetensors tokenizers pexpect jinja2
fi

scripts/install-corpus.sh
scripts/install-model.sh

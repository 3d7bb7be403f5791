#!/usr/bin/env bash
# Everything nxp needs on a fresh Debian machine: system libraries, the default corpus and model,
# and (with --test) the Python packages the reference tests compute expected values with.
#   scripts/setup.sh          apt packages, corpus, model
#   scripts/setup.sh --test   the same plus numpy, scipy, gguf, safetensors, tokenizers, pexpect, jinja2,
#                             llama-cpp-python's server (built from source: about 15 minutes on 2 cores),
#                             and Debian's chromium, whose headless mode opens the viewer's pages
set -euo pipefail
cd "$(dirname "$0")/.."

# time: the benchmark measures the peak memory of the programs it runs with GNU time.
apt_packages=(libedit-dev libopenblas-dev fortunes time)
# The viewer's tests open its pages in headless Chromium.
if [ "${1:-}" = "--test" ]; then
  apt_packages+=(chromium)
fi
# llama-cpp-python compiles llama.cpp when it is installed.
if [ "${1:-}" = "--test" ] && ! python3 -c "import llama_cpp" 2>/dev/null; then
  apt_packages+=(cmake build-essential)
fi
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
  # The OpenAI backend's tests run against its server. A portable build (no -march=native), no
  # llama.cpp tests or examples.
  if ! python3 -c "import llama_cpp" 2>/dev/null; then
    echo "setup: building llama-cpp-python 0.3.36 with pip (takes a while)"
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
      CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
      python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
      "llama-cpp-python[server]==0.3.36"
  fi
fi

scripts/install-corpus.sh
scripts/install-model.sh

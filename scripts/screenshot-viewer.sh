#!/usr/bin/env bash
# Screenshots of the neuron viewer and the notebook report for the README: runs
# Examples/explain.nxp on a few neurons with the local engine (5 to 7 minutes on 2 busy cores;
# seconds once cached), which writes its viewer to Examples/out/viewer and its report to
# Examples/out/explain.html, then has headless Chromium draw the index, the best-scoring neuron's
# page and the top of the report, 1280 x 1600 each.
#   scripts/screenshot-viewer.sh [NEURONS]
#   (default 8; writes docs/viewer-index.png, docs/viewer-neuron.png, docs/report.png)
set -euo pipefail
cd "$(dirname "$0")/.."
neurons="${1:-8}"
command -v chromium >/dev/null || { echo "screenshot-viewer: chromium is missing (scripts/setup.sh --test installs it)" >&2; exit 1; }

swift build -c release --product nxp
.build/release/nxp run Examples/explain.nxp --set "neuronCount=$neurons" --report Examples/out/explain.html >/dev/null
viewer="$PWD/Examples/out/viewer"

# The neuron with the highest defined score, from the index's data.
page=$(python3 - "$viewer/index.html" <<'PY'
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
rows = json.loads(re.search(r'<script type="application/json" id="nxp-index">(.*?)</script>', html, re.S).group(1))
scored = [r for r in rows if r["score"] is not None]
print(max(scored, key=lambda r: r["score"])["page"] if scored else rows[0]["page"])
PY
)

mkdir -p docs
shoot() {
  profile=$(mktemp -d)
  chromium --headless --disable-gpu --no-sandbox --no-first-run --user-data-dir="$profile" --hide-scrollbars \
    --virtual-time-budget=5000 --window-size=1280,1600 --screenshot="$2" "file://$1" 2>/dev/null
  rm -rf "$profile"
}
shoot "$viewer/index.html" docs/viewer-index.png
shoot "$viewer/$page" docs/viewer-neuron.png
shoot "$PWD/Examples/out/explain.html" docs/report.png
echo "screenshot-viewer: docs/viewer-index.png, docs/viewer-neuron.png ($page) and docs/report.png"

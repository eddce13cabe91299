#!/usr/bin/env bash
# Retake the screenshots in docs/screenshots/ (see docs/SCREENSHOTS.md): a throw-away server on 127.0.0.1 with a
# temporary data directory and seeded requisitions, photographed by Debian's headless Chromium.
#   scripts/screenshots.sh                 # writes docs/screenshots/*.png
#   PYTHON=/path/to/python scripts/screenshots.sh --out /tmp/shots
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x /usr/bin/chromium ] || { echo "needs Debian's chromium: apt-get install chromium" >&2; exit 1; }
exec "$PYTHON" -m scripts.screenshots "$@"

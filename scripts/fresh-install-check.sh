#!/usr/bin/env bash
# A normal (not editable) `pip install .` into a fresh venv, run from another directory, must answer exactly like
# the checkout: same status, confidence and first quote for a few questions. CI runs it after `make test`.
#
#   scripts/fresh-install-check.sh            # uses .venv/bin/vejviser of the checkout as the reference
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOUT="$PWD"
WORK="$(mktemp -d /tmp/vejviser-install.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

QUESTIONS="$WORK/questions.jsonl"
cat > "$QUESTIONS" <<'JSON'
{"id": "1", "question": "Hvem skal høringssvarene om task forcen sendes til?"}
{"id": "2", "question": "How many advisers does the task force have?"}
{"id": "3", "question": "Hvad er satsen for kontanthjælp i 2025?"}
{"id": "4", "question": "Hej"}
JSON

python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --upgrade pip
"$WORK/venv/bin/python" -m pip install --quiet "$CHECKOUT"

mkdir "$WORK/elsewhere"
cd "$WORK/elsewhere"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
"$WORK/venv/bin/vejviser" model install
"$WORK/venv/bin/vejviser" index build >/dev/null
"$WORK/venv/bin/vejviser" ask --json --batch "$QUESTIONS" > "$WORK/installed.jsonl"
test -d "$WORK/elsewhere/data/index" || { echo "the installed package did not use ./data of the working directory"; exit 1; }
if find "$WORK/venv" -path '*site-packages*' -name 'vejviser.sqlite3' -o -path '*site-packages*/data/index' | grep -q .; then
  echo "the installed package wrote into site-packages"; exit 1
fi

cd "$CHECKOUT"
.venv/bin/vejviser ask --json --batch "$QUESTIONS" > "$WORK/checkout.jsonl"
python3 - "$WORK/checkout.jsonl" "$WORK/installed.jsonl" <<'PY'
import json, sys
def summary(path):
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    return [(r["id"], r["status"], round(r["confidence"], 4), (r["citations"][0]["quote"] if r["citations"] else None))
            for r in rows]
checkout, installed = summary(sys.argv[1]), summary(sys.argv[2])
for a, b in zip(checkout, installed):
    print(("same " if a == b else "DIFFERENT ") + f"{a[0]}: checkout {a[1]} {a[2]} | installed {b[1]} {b[2]}")
sys.exit(0 if checkout == installed else 1)
PY
echo "the installed package answers exactly like the checkout"

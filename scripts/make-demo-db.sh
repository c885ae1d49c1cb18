#!/usr/bin/env bash
# Regenerates resources/demo/demo.qsdb: a small sweep of the bundled demo model over the paper's
# grid on the demo task data (both families: the LLaMA and the OPT demo model), with per-layer
# statistics, per-item results, sensitivity scans and quantization errors, so the workbench opens
# with results in every view.
# Usage: bash scripts/make-demo-db.sh [LIMIT]   (LIMIT items per task, default 40)
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=${1:-40}
GROUP=32  # the demo model's dimensions are multiples of 32, not of 128
CLI=./build/app/quantscope-cli
[ -x "$CLI" ] || { cmake --preset release >/dev/null && cmake --build --preset release --target quantscope-cli; }
CONFIGS="W8A16KV16-g$GROUP,W4A16KV16-g$GROUP,W3A16KV16-g$GROUP,W2A16KV16-g$GROUP"
CONFIGS+=",W8A8KV16-g$GROUP,W4A8KV16-g$GROUP,W4A4KV16-g$GROUP"
CONFIGS+=",W16A16KV8-g$GROUP,W16A16KV4-g$GROUP,W16A16KV2-g$GROUP"
TASKS=${TASKS:-wikitext2_concatenated,lambada_openai,arc_easy,gsm8k_cot,longeval_lines}
out=resources/demo/demo.qsdb
rm -rf "$out" "$out-wal" "$out-shm" "$out.baselines" "$out.transforms"
"$CLI" sweep --model resources/demo-model,resources/demo-model-opt --configs "$CONFIGS" --tasks "$TASKS" --limit "$LIMIT" \
  --data-dir resources/demo-data --db "$out"
# Layer sensitivity (KL with one linear at W3) and quantization error (W4A8KV4) of both models,
# for the Heatmaps tab's sensitivity and SQNR maps.
for model in resources/demo-model resources/demo-model-opt; do
  "$CLI" sensitivity "$model" --quant "W3A16KV16-g$GROUP" --db "$out" >/dev/null
  "$CLI" quant-error "$model" --quant "W4A8KV4-g$GROUP" --db "$out" >/dev/null
done
# The database ships as one file: fold the WAL in.
sqlite3 "$out" "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;" >/dev/null
"$CLI" export "$out" --format markdown --relative

#!/usr/bin/env bash
# Regenerates the README's screenshots (docs/screenshots/*.png): the workbench under Xvfb on the
# bundled demo model and a working copy of the demo experiment database, one picture per main view
# (curves, kurtosis and sensitivity heatmaps, results, recommendation, the flips of a W2 run), and
# one while a small sweep runs (the run queue). Needs the release build (scripts/test.sh or
# scripts/run-demo.sh makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build --preset release --target quantscope quantscope-cli >/dev/null
out=docs/screenshots
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp resources/demo/demo.qsdb "$work/demo.qsdb"
[ -d resources/demo/demo.qsdb.baselines ] && cp -r resources/demo/demo.qsdb.baselines "$work/"
mkdir -p "$out"

shoot() {  # FILE TAB [extra workbench options...]
  local file=$1 tab=$2
  shift 2
  xvfb-run -a -s "-screen 0 1600x1000x24" ./build/app/quantscope "$work/demo.qsdb" --model resources/demo-model --data-dir resources/demo-data \
    --screenshot "$out/$file" --screenshot-tab "$tab" "$@"
  echo "screenshots: $out/$file"
}

shoot curves.png curves
shoot heatmaps.png heatmaps
shoot sensitivity.png heatmaps --screenshot-heatmap sensitivity
shoot results.png results
shoot recommendation.png recommendation
# "Compare with FP16" of the demo model's W2 run on ARC-Easy: the items it gets wrong.
flips_run=$(sqlite3 "$work/demo.qsdb" "SELECT r.id FROM runs r JOIN models m ON m.id = r.model_id
  WHERE r.quant_name = 'W2A16KV16-g32' AND r.task = 'arc_easy' AND m.path LIKE '%/demo-model' LIMIT 1")
shoot flips.png results --screenshot-flips "$flips_run"
# A sweep started from the panels (one task, a few items): the run queue fills while it runs.
shoot sweep.png log --task lambada_openai --preset KV3 --limit 5 --start

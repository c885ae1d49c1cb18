#!/usr/bin/env bash
# README's run command: installs what is missing, builds the workbench and opens it on the bundled
# demo model with the demo experiment database (curves and heatmaps at once; "Start sweep" runs more).
# Without a display it runs under Xvfb and saves a screenshot instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target quantscope quantscope-cli

# The shipped database stays pristine: the workbench writes to a working copy.
mkdir -p build/demo
if [ ! -f build/demo/demo.qsdb ]; then
  cp resources/demo/demo.qsdb build/demo/demo.qsdb
  [ -d resources/demo/demo.qsdb.baselines ] && cp -r resources/demo/demo.qsdb.baselines build/demo/
fi
# The demo model is evaluated on the data generated with it (resources/demo-data), as in the demo database.
args=(build/demo/demo.qsdb --model resources/demo-model --data-dir resources/demo-data "$@")
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec ./build/app/quantscope "${args[@]}"
fi
echo "run-demo: no display; running the workbench under Xvfb and saving screenshots to build/demo/"
for tab in curves heatmaps results; do
  xvfb-run -a -s "-screen 0 1600x1000x24" ./build/app/quantscope "${args[@]}" \
    --screenshot "build/demo/workbench-$tab.png" --screenshot-tab "$tab"
done
ls -l build/demo/*.png

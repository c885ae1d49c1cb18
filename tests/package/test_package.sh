#!/usr/bin/env bash
# The .deb, end to end without root: builds it (the packaged targets, then CPack on the build's
# configuration, as the `package` target does), extracts it with dpkg-deb -x into a temporary folder and runs the extracted programs from another working
# directory, so that only the package's own files can serve them:
#   - the files are where the programs and the desktop look for them;
#   - quantscope-cli --help, and eval --list finding a task file that exists only in the extracted
#     share/quantscope/tasks (proof that the installed resources, not the source tree's, are used);
#   - a tiny eval of the bundled demo model on the installed data samples, stored in a database;
#   - appstreamcli validate --no-net on the metainfo, desktop-file-validate on the desktop entry
#     (each skipped with a note when the tool is not installed);
#   - the extracted workbench's --help, and the workbench started offscreen on the demo model,
#     saving a screenshot and quitting.
# usage: test_package.sh BUILD_DIR      (ctest: ctest --test-dir build -L package)
set -euo pipefail
BUILD=$(cd "${1:?usage: test_package.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "--- $*"; }

for tool in dpkg-deb dpkg-shlibdeps cpack; do
  command -v $tool >/dev/null || { echo "$tool not found: skipped"; exit 77; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/qs-package-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# What `cmake --build BUILD --target package` does, less the rest of `all` (the test executables):
# the packaged targets, then CPack on the build's CPackConfig.cmake, into the temporary folder.
note "building the package"
start=$(date +%s)
{ cmake --build "$BUILD" --target quantscope quantscope-cli qs_sentencepiece_shim &&
  cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$tmp/cpack"; } > "$tmp/package-build.log" 2>&1 ||
  { tail -40 "$tmp/package-build.log"; fail "building the package"; }
note "package built in $(( $(date +%s) - start )) s"
deb=$(ls "$tmp"/cpack/quantscope_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "CPack made no quantscope_*.deb"
ls -l "$deb"

note "control fields"
dpkg-deb -f "$deb" Package Version Architecture Depends Recommends
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libtorch libqt6widgets6 libsqlite3; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done

dpkg-deb -x "$deb" "$tmp/root"
root=$tmp/root/usr
share=$root/share/quantscope
cd "$tmp"  # not the source tree, not the build tree
unset QS_RESOURCES QS_SENTENCEPIECE_SHIM

note "installed files"
for f in bin/quantscope bin/quantscope-cli lib/quantscope/libqs_sentencepiece_shim.so \
         share/quantscope/tasks/arc/arc_easy.json share/quantscope/data/lambada/lambada_test.jsonl \
         share/quantscope/demo-model/model.safetensors share/quantscope/demo-model-opt/model.safetensors \
         share/quantscope/demo-data/calibration.txt share/quantscope/demo/demo.qsdb \
         share/applications/quantscope.desktop share/metainfo/io.github.quantscope.QuantScope.metainfo.xml \
         share/icons/hicolor/scalable/apps/quantscope.svg share/mime/packages/quantscope.xml; do
  [ -s "$root/$f" ] || fail "missing or empty: usr/$f"
done
for exe in "$root/bin/quantscope" "$root/bin/quantscope-cli"; do
  if readelf -d "$exe" | grep -E "R(UN)?PATH" | grep -qE "$SRC|$BUILD"; then fail "$exe has a build-tree RPATH"; fi
done

note "quantscope-cli --help"
cli=$root/bin/quantscope-cli
"$cli" --help > "$tmp/help.txt"
sed -n 1,3p "$tmp/help.txt"
grep -q "^commands:" "$tmp/help.txt" || fail "quantscope-cli --help lists no commands"

note "the installed task files are the ones found"
sed 's/"name": "arc_easy"/"name": "package_probe"/' "$share/tasks/arc/arc_easy.json" > "$share/tasks/arc/package_probe.json"
"$cli" eval --list > "$tmp/list.txt"
grep -q "package_probe" "$tmp/list.txt" || { cat "$tmp/list.txt"; fail "eval --list did not read $share/tasks"; }
! grep -q "unreadable task files" "$tmp/list.txt" || { cat "$tmp/list.txt"; fail "a bundled task file does not load"; }

note "a tiny eval on the demo model (installed data samples)"
"$cli" --threads 1 eval "$share/demo-model" --tasks package_probe,lambada_openai --limit 5 --quant W4 \
  --db "$tmp/smoke.qsdb" | tee "$tmp/eval.txt"
grep -qE "^package_probe +acc " "$tmp/eval.txt" || fail "no acc for package_probe"
grep -qE "^lambada_openai +perplexity " "$tmp/eval.txt" || fail "no perplexity for lambada_openai"
"$cli" runs "$tmp/smoke.qsdb" --status done | tee "$tmp/runs.txt"
[ "$(grep -c " done " "$tmp/runs.txt")" = 2 ] || fail "expected 2 done runs in the database"

note "the demo model on its own data, and the demo database"
"$cli" --threads 1 eval "$share/demo-model-opt" --tasks arc_easy --limit 5 --data-dir "$share/demo-data" \
  > "$tmp/eval-opt.txt"
grep -E "^arc_easy +acc " "$tmp/eval-opt.txt" || fail "eval on demo-data"
"$cli" runs "$share/demo/demo.qsdb" --status done > "$tmp/demo-runs.txt"
sed -n 1,3p "$tmp/demo-runs.txt"
[ "$(wc -l < "$tmp/demo-runs.txt")" -gt 10 ] || fail "the demo database lists no runs"

note "AppStream and desktop entry"
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net "$root/share/metainfo/io.github.quantscope.QuantScope.metainfo.xml" ||
    fail "appstreamcli validate"
else
  echo "appstreamcli not installed: metainfo not validated"
fi
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$root/share/applications/quantscope.desktop" || fail "desktop-file-validate"
else
  echo "desktop-file-validate not installed (package desktop-file-utils): desktop entry not validated"
fi
grep -q "^Exec=quantscope " "$root/share/applications/quantscope.desktop" || fail "desktop Exec"
grep -q "^Icon=quantscope$" "$root/share/applications/quantscope.desktop" || fail "desktop Icon"

note "the workbench"
gui=$root/bin/quantscope
"$gui" --help > "$tmp/gui-help.txt"
grep -q "QuantScope workbench" "$tmp/gui-help.txt" || fail "quantscope --help"
"$gui" --version
QT_QPA_PLATFORM=offscreen timeout 120 "$gui" "$tmp/gui.qsdb" --model "$share/demo-model" \
  --screenshot "$tmp/gui.png" --screenshot-delay 500 > "$tmp/gui.log" 2>&1 ||
  { cat "$tmp/gui.log"; fail "the workbench did not start and quit offscreen"; }
[ -s "$tmp/gui.png" ] || fail "no screenshot"
ls -l "$tmp/gui.png"
echo "package test passed"

#!/usr/bin/env bash
# Rehearses scripts/device-check.sh on this machine as if it were the bare GPU machine: in a private
# mount namespace (unshare -m, as root) the system's headers, CMake packages and pkg-config files of
# spdlog, fmt, nlohmann-json, SQLite, PCRE2, sentencepiece, ICU, zlib, bzip2 and all of Qt are
# hidden, so the build can only succeed with the bundle (scripts/device-bundle.sh) unpacked into its
# prefix. The summary lists where CMake found each library. Takes a cold build (~10 min on 2 cores).
#   bash scripts/device-rehearse.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$PWD/device-check-out}
[ -d .device-deps/debs ] || bash scripts/device-bundle.sh
exec unshare -m --propagation private bash -c '
  set -e
  empty=$(mktemp -d)
  poison=$(mktemp)
  echo "#error hidden by scripts/device-rehearse.sh: this header must come from the bundle" >"$poison"
  for d in /usr/include/spdlog /usr/include/fmt /usr/include/nlohmann /usr/include/unicode /usr/include/qt6 \
           /usr/lib/x86_64-linux-gnu/cmake/spdlog /usr/lib/x86_64-linux-gnu/cmake/fmt /usr/share/cmake/nlohmann_json \
           /usr/lib/x86_64-linux-gnu/pkgconfig /usr/share/pkgconfig /usr/lib/x86_64-linux-gnu/cmake/Qt6*; do
    [ -d "$d" ] && mount --bind "$empty" "$d"
  done
  for f in /usr/include/sqlite3.h /usr/include/pcre2.h /usr/include/sentencepiece_processor.h /usr/include/zlib.h \
           /usr/include/bzlib.h; do
    [ -f "$f" ] && mount --bind "$poison" "$f"
  done
  # A 2-core machine builds and runs the CPU rehearsal far slower than the GPU machine: no 8-minute budget here.
  QS_CHECK_BUDGET_S=${QS_CHECK_BUDGET_S:-3600} QS_DEVICE_BUILD=${QS_DEVICE_BUILD:-/tmp/qs-device-rehearsal-build} \
    bash scripts/device-check.sh "$1"
' bash "$out"

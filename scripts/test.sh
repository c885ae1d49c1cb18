#!/usr/bin/env bash
# Builds QuantScope and runs every test suite (the README's test command). GPU tests skip
# without a GPU. Prints the cold/warm build and test times.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
start=$(date +%s)
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
built=$(date +%s)
ctest --preset release -j"$(nproc)" "$@"
done_=$(date +%s)
echo "timing: build $((built - start)) s, tests $((done_ - built)) s"

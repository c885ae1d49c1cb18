#!/usr/bin/env bash
# Runs libFuzzer targets for a time budget each: scripts/fuzz.sh TARGET[,TARGET...]|all SECONDS [libFuzzer args]
#   TARGET: safetensors_header model_config tokenizer_json bpe_encode task_file dataset_reader
#           quant_name experiment_store  (the fuzz_ prefix is optional); several run one after another
# Configures and builds build-fuzz (clang, ASan + UBSan, fuzz/CMakeLists.txt) when needed, makes
# the seed corpus from the project's files (fuzz/make_seeds.py) and runs the target on a working
# copy, build-fuzz/corpus/TARGET, that libFuzzer adds to. Prints the executions; exits non-zero on
# a crash and prints the saved input (build-fuzz/crashes/TARGET/). Logs: build-fuzz/logs/TARGET.log
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$ROOT/build-fuzz
TARGETS=(safetensors_header model_config tokenizer_json bpe_encode task_file dataset_reader quant_name experiment_store)

usage() { echo "usage: $0 TARGET[,TARGET...]|all SECONDS [libFuzzer args]; targets: ${TARGETS[*]}" >&2; exit 2; }
[[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || usage
selected=()
if [[ $1 == all ]]; then
  selected=("${TARGETS[@]}")
else
  IFS=, read -ra names <<<"$1"
  for n in "${names[@]}"; do
    n=${n#fuzz_}
    [[ " ${TARGETS[*]} " == *" $n "* ]] || usage
    selected+=("$n")
  done
fi
seconds=$2
shift 2

# Longest input per target: a little above the largest seed (speed falls with input size).
max_len() {
  case $1 in
    safetensors_header) echo 32768 ;;
    tokenizer_json) echo 65536 ;;
    experiment_store) echo 32768 ;;
    quant_name) echo 256 ;;
    bpe_encode) echo 2048 ;;
    model_config | task_file | dataset_reader) echo 8192 ;;
  esac
}

build() {
  if [[ ! -f $BUILD/build.ninja ]]; then
    CC=clang CXX=clang++ cmake -S fuzz -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  local start=$SECONDS
  # -j1: a shared 2-core machine.
  if ! ninja -C "$BUILD" -j1 "$@" >"$BUILD/build.log" 2>&1; then
    tail -40 "$BUILD/build.log" >&2
    echo "fuzz build failed (log: $BUILD/build.log)" >&2
    exit 1
  fi
  if ((SECONDS - start > 5)); then echo "build-fuzz: built in $((SECONDS - start)) s"; fi
}

run_one() {
  local t=$1 exe=$BUILD/fuzz_$1
  shift
  local corpus=$BUILD/corpus/$t seeds=$BUILD/seeds/$t crashes=$BUILD/crashes/$t log=$BUILD/logs/$t.log
  rm -rf "$seeds"
  mkdir -p "$corpus" "$crashes" "$BUILD/logs"
  python3 fuzz/make_seeds.py "$t" "$seeds"
  cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  echo "== fuzz_$t: ${seconds} s, $(ls "$corpus" | wc -l) corpus inputs, max_len $(max_len "$t")"
  local rc=0
  # Leaks are not findings here: libtorch, ICU and PCRE2 keep caches for the life of the process.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    "$exe" "$corpus" -max_total_time="$seconds" -max_len="$(max_len "$t")" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$crashes/" "$@" >"$log" 2>&1 || rc=$?
  local execs rate
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'exec/s: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  echo "   executions: ${execs:-?} (${rate:-?}/s), corpus now $(ls "$corpus" | wc -l) inputs"
  if ((rc != 0)); then
    echo "   CRASH (exit $rc): see $log"
    grep -E 'ERROR: |runtime error|fuzz invariant|terminate called|what\(\)' "$log" | head -5 | sed 's/^/   /'
    grep -o "Test unit written to .*" "$log" | sed 's/^/   /'
    return 1
  fi
}

build "${selected[@]/#/fuzz_}"
failed=()
for t in "${selected[@]}"; do run_one "$t" "$@" || failed+=("$t"); done
if ((${#failed[@]})); then echo "crashed: ${failed[*]}"; exit 1; fi
echo "no crash in ${#selected[@]} target(s)"

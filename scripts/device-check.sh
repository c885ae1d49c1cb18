#!/usr/bin/env bash
# The GPU path's whole check in one command, for a bare machine with an NVIDIA GPU, CUDA's nvcc, a
# pip PyTorch 2.x and no network (the device tool's machines): builds the headless targets (engine,
# CLI, GPU tests) against that PyTorch's libtorch, runs the gpu-labelled tests and the GPU
# benchmark, and writes a summary. The other dependencies come from scripts/device-bundle.sh's
# Debian packages (DIR .device-deps, carried with the call), unpacked into a private prefix.
# Without a GPU (or without a CUDA libtorch) the same script builds against whatever libtorch it
# finds, runs the GPU tests' cases on the CPU and a CPU smoke sweep instead of the benchmark: that
# is how it is rehearsed on a machine without one.
#   bash scripts/device-check.sh [OUT_DIR]      (default $OUT, else ./device-check-out)
# Environment: QS_DEVICE_DEPS (.device-deps), QS_DEPS_PREFIX (/tmp/qs-deps), QS_DEVICE_BUILD
# (/tmp/qs-device-build), QS_DEVICE_JOBS (nproc), QS_CHECK_BUDGET_S (460: a step still running
# then is stopped, and later steps are not started, so a device call of 600 s always returns).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-${OUT:-$root/device-check-out}}
deps=${QS_DEVICE_DEPS:-$root/.device-deps}
prefix=${QS_DEPS_PREFIX:-/tmp/qs-deps}
build=${QS_DEVICE_BUILD:-/tmp/qs-device-build}
jobs=${QS_DEVICE_JOBS:-$(nproc)}
budget=${QS_CHECK_BUDGET_S:-460}
mkdir -p "$out"
summary=$out/summary.txt
: >"$summary"
start=$SECONDS
say() { echo "$*" | tee -a "$summary"; }
left() { echo $((budget - (SECONDS - start))); }
# step NAME LOG COMMAND...: runs with what is left of the budget, records status and seconds.
step() {
  local name=$1 logf=$2 t0=$SECONDS rc
  shift 2
  local limit
  limit=$(left)
  if ((limit < 10)); then
    say "step $name: not run (time budget of ${budget} s spent)"
    return 1
  fi
  timeout "$limit" "$@" >"$logf" 2>&1
  rc=$?
  say "step $name: $([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc, log $(basename "$logf"))") in $((SECONDS - t0)) s"
  return $rc
}

say "QuantScope device check, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
gpu=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)
say "gpu: ${gpu:-none}"
say "nvcc: $(nvcc --version 2>/dev/null | grep -o 'release [0-9.]*' || echo none)"
say "c++: $(c++ --version | head -1); cmake: $(cmake --version | head -1)"

# 1. The dependency prefix.
export PKG_CONFIG_PATH=""
cmake_prefix=""
if [ -d "$deps/debs" ]; then
  rm -rf "$prefix"
  mkdir -p "$prefix"
  for d in "$deps"/debs/*.deb; do dpkg-deb -x "$d" "$prefix" || { say "cannot unpack $d"; exit 1; }; done
  # .pc files name /usr; point them at the prefix.
  for pc in "$prefix"/usr/lib/x86_64-linux-gnu/pkgconfig/*.pc "$prefix"/usr/share/pkgconfig/*.pc; do
    [ -f "$pc" ] && sed -i -E "s#(=[[:space:]]*)/usr#\1$prefix/usr#g" "$pc"
  done
  export PKG_CONFIG_PATH="$prefix/usr/lib/x86_64-linux-gnu/pkgconfig:$prefix/usr/share/pkgconfig"
  # The bundle's own pkgconf (the machine may have no pkg-config), reading the bundle's .pc files.
  printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$prefix/usr/lib/x86_64-linux-gnu" \
    "$prefix/usr/bin/pkgconf" >"$prefix/pkg-config"
  chmod +x "$prefix/pkg-config"
  export PKG_CONFIG="$prefix/pkg-config"
  # At run time only the libraries the system lacks come from the prefix (the system's own newer
  # zlib, SQLite... stay in use by everything else, PyTorch included).
  mkdir -p "$prefix/runtime"
  # Read once: under pipefail, `ldconfig -p | grep -q` fails when grep stops reading early.
  system_libs=$(ldconfig -p)
  for so in "$prefix"/usr/lib/x86_64-linux-gnu/lib*.so.*; do
    base=$(basename "$so")
    soname=$(echo "$base" | sed -E 's/(\.so\.[0-9]+).*/\1/')
    grep -qE "^[[:space:]]+$soname " <<<"$system_libs" || ln -sf "$so" "$prefix/runtime/$base"
  done
  export LD_LIBRARY_PATH="$prefix/runtime${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  cmake_prefix="$prefix/usr"
  say "dependencies: $(ls "$deps"/debs/*.deb | wc -l) Debian packages unpacked into $prefix; from there at run time: $(ls "$prefix/runtime" | tr '\n' ' ')"
else
  say "dependencies: no $deps/debs, using the system's packages"
fi

# 2. libtorch: the pip PyTorch's when python3 has one, else the system's (Debian's libtorch-dev).
torch_info=$(env -u LD_LIBRARY_PATH python3 -c 'import torch; print(torch.utils.cmake_prefix_path); print(torch.__version__, torch.cuda.is_available())' 2>/dev/null)
if [ -n "$torch_info" ]; then
  torch_prefix=$(echo "$torch_info" | head -1)
  cmake_prefix="$torch_prefix${cmake_prefix:+;$cmake_prefix}"
  say "libtorch: pip PyTorch $(echo "$torch_info" | tail -1 | cut -d' ' -f1) (cuda available: $(echo "$torch_info" | tail -1 | cut -d' ' -f2)) at $torch_prefix"
else
  say "libtorch: the system's ($(ls /usr/lib/x86_64-linux-gnu/libtorch.so* 2>/dev/null | head -1 || echo 'none found'))"
fi

# 3. Configure and build the headless targets (no GUI, no Qt).
arch_flags=()
if [ -n "$gpu" ]; then
  cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '.')
  [ -n "$cc" ] && arch_flags=(-DCMAKE_CUDA_ARCHITECTURES="$cc") && export TORCH_CUDA_ARCH_LIST="${cc:0:1}.${cc:1}"
fi
step configure "$out/configure.log" cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DQS_BUILD_GUI=OFF -DQS_QT_TESTS=OFF -DCMAKE_PREFIX_PATH="$cmake_prefix" ${PKG_CONFIG:+-DPKG_CONFIG_EXECUTABLE="$PKG_CONFIG"} \
  "${arch_flags[@]}" || {
  tail -30 "$out/configure.log" | tee -a "$summary"
  exit 1
}
grep -E "QuantScope: CUDA kernels" "$out/configure.log" | sed 's/^-- //' | tee -a "$summary"
# What the build found, so a rehearsal can show nothing came from the system by accident.
grep -E "^(SQLite3_LIBRARY|SQLite3_INCLUDE_DIR|ICU_INCLUDE_DIR|ICU_UC_LIBRARY_RELEASE|ZLIB_LIBRARY_RELEASE|BZIP2_LIBRARY_RELEASE|spdlog_DIR|fmt_DIR|nlohmann_json_DIR|pkgcfg_lib_PCRE2_pcre2-8|pkgcfg_lib_SENTENCEPIECE_sentencepiece|Torch_DIR):" \
  "$build/CMakeCache.txt" | sed 's/^/  found /' | tee -a "$summary"
targets=(quantscope-cli)
for t in "$root"/tests/gpu/test_*.cpp; do targets+=("$(basename "$t" .cpp)"); done
step build "$out/build.log" cmake --build "$build" -j "$jobs" --target "${targets[@]}" || {
  grep -E "error|Error" "$out/build.log" | head -20 | tee -a "$summary"
  exit 1
}

# 4. The GPU tests (each prints its cases). Without a GPU they run their cases on the CPU instead
#    (QS_GPU_TEST_DEVICE=cpu): the rehearsal of the tests themselves.
if [ -z "$gpu" ]; then
  export QS_GPU_TEST_DEVICE=cpu
  say "gpu tests: no GPU, so rehearsed on the CPU (QS_GPU_TEST_DEVICE=cpu)"
fi
step gpu-tests "$out/gpu-tests.log" ctest --test-dir "$build" -L gpu -V
# ctest -V prefixes each line with the test's number ("2: PASS ...").
grep -E "(PASS|FAIL|SKIP|REHEARSAL) |tests passed|tests failed|logits max|attention \(| bf16 |  exception" \
  "$out/gpu-tests.log" | sed -E 's/^[0-9]+: //' | tee -a "$summary"

# 5. The GPU benchmark, or a CPU smoke sweep where there is no GPU.
cli=$build/app/quantscope-cli
if [ -n "$gpu" ] && [ -n "$torch_info" ] && echo "$torch_info" | tail -1 | grep -q True; then
  step bench-gpu "$out/bench-gpu.log" "$cli" bench-gpu --workdir /tmp/qs-bench-gpu
  cat "$out/bench-gpu.log" | tee -a "$summary"
else
  say "bench-gpu: not run (no GPU or no CUDA libtorch); CPU smoke sweep instead"
  rm -f /tmp/qs-device-smoke.qsdb
  step cpu-smoke "$out/cpu-smoke.log" "$cli" sweep --model "$root/resources/demo-model" \
    --data-dir "$root/resources/demo-data" --configs W4A16KV16-g32 --tasks lambada_openai --limit 10 \
    --db /tmp/qs-device-smoke.qsdb
  tail -1 "$out/cpu-smoke.log" | tee -a "$summary"
fi
say "device check: $((SECONDS - start)) s in all"

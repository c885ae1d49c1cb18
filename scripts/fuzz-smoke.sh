#!/usr/bin/env bash
# CI's fuzz smoke run (scripts/fuzz.sh): each target for QS_FUZZ_SMOKE_SECONDS (20) seconds.
# QS_FUZZ_SMOKE_TARGETS (comma-separated, or "all") picks them; the default leaves out model_config,
# whose build (the whole model layer against libtorch, instrumented) costs more than the rest of the
# fuzz build together and took the CI step past 10 minutes on the 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/fuzz.sh \
  "${QS_FUZZ_SMOKE_TARGETS:-safetensors_header,tokenizer_json,bpe_encode,task_file,dataset_reader,quant_name,experiment_store}" \
  "${QS_FUZZ_SMOKE_SECONDS:-20}"
echo "timing: fuzz build + smoke $(($(date +%s) - start)) s"

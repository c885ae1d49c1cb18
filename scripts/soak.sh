#!/usr/bin/env bash
# Soak test (not in CI): a sweep of the demo model over the paper's grid, killed with SIGKILL at
# random moments and resumed, for DURATION seconds (default 7200); then resumed to the end. Checks
# that every run is present once and done, that the database passes PRAGMA integrity_check, and
# reports the peak resident memory (VmHWM) of each resumed sweep, so growth between sweeps shows.
#   bash scripts/soak.sh [DURATION_SECONDS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-7200}
RANDOM=${2:-1}
# QS_CLI names a built CLI to use instead (a copy, so that rebuilding the tree does not swap the
# binary under a running soak).
if [[ -z "${QS_CLI:-}" ]]; then
  cmake --build --preset release --target quantscope-cli >/dev/null
fi
cli=${QS_CLI:-./build/app/quantscope-cli}
work=$(mktemp -d)
db="$work/soak.qsdb"
sweep=(--threads 2 sweep --model resources/demo-model --data-dir resources/demo-data
       --configs W8,W4,W3,W2,W8A8,W4A8,W4A4,KV8,KV4,KV2 --tasks lambada_openai,arc_easy,wikitext2_document
       --limit 40 --resume --db "$db")
end=$((SECONDS + duration))
kills=0
peaks=()
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
while ((SECONDS < end)); do
  "$cli" "${sweep[@]}" >"$work/sweep.log" 2>&1 &
  pid=$!
  wait_s=$((5 + RANDOM % 40))
  peak=0
  for ((i = 0; i < wait_s * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    h=$(hwm "$pid"); ((h > peak)) && peak=$h
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"
    kills=$((kills + 1))
    wait "$pid" 2>/dev/null || true
  else
    wait "$pid" || { echo "soak: a sweep failed:"; tail -5 "$work/sweep.log"; exit 1; }
    # The grid is done: start over in a fresh database, so the run goes on for the whole duration.
    mv "$db" "$work/done-$SECONDS.qsdb"
    rm -f "$db-wal" "$db-shm"
  fi
  peaks+=("$peak")
done
"$cli" "${sweep[@]}" >"$work/final.log" 2>&1
integrity=$(sqlite3 "$db" "PRAGMA integrity_check")
dupes=$(sqlite3 "$db" "SELECT count(*) FROM (SELECT 1 FROM runs GROUP BY model_id, quant_name, task, task_version, sample_limit, seed HAVING count(*) > 1)")
notdone=$(sqlite3 "$db" "SELECT count(*) FROM runs WHERE status != 'done'")
total=$(sqlite3 "$db" "SELECT count(*) FROM runs")
echo "soak: ${duration} s, ${kills} SIGKILLs, final database: ${total} runs, ${notdone} not done, ${dupes} duplicated keys, integrity_check: ${integrity}"
echo "soak: peak RSS (KiB) of each sweep process: ${peaks[*]}"
[[ "$integrity" == ok && "$dupes" == 0 && "$notdone" == 0 ]]

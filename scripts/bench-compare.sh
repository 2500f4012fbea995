#!/usr/bin/env bash
# Side-by-side benchmark of two release builds (README, "Performance"): for each round, each build in turn on a
# fresh database of its own — ingest's batched, single-event and steady-5,000/s runs, then analytics' load,
# op timings and backlog catch-up — so the two builds see the same machine noise, interleaved.
#   scripts/bench-compare.sh BIN_A BIN_B [ROUNDS]     (BIN_* = a `swift build -c release --show-bin-path`)
# Prints each run's figures as they come and the JSON lines into $OUT (default /tmp/bench-compare.jsonl).
# Sizes are smaller than the README's headline runs so that a comparison fits in a few minutes; set
# ANALYTICS_INVOCATIONS / CATCH_UP_EVENTS to change them.
set -euo pipefail

a="${1:?usage: bench-compare.sh BIN_A BIN_B [ROUNDS]}"
b="${2:?usage: bench-compare.sh BIN_A BIN_B [ROUNDS]}"
rounds="${3:-2}"
out="${OUT:-/tmp/bench-compare.jsonl}"
invocations="${ANALYTICS_INVOCATIONS:-300000}"
catch_up="${CATCH_UP_EVENTS:-300000}"
work="$(mktemp -d /tmp/bench-compare.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
: >"$out"

start() { # BIN DAEMON DB RUN
  "$1/$2" --db "$3" --runtime-dir "$4" >>"$work/$2.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do [ -S "$4/$2.sock" ] && return 0; sleep 0.1; done
  echo "$2 did not start" >&2; tail -5 "$work/$2.log" >&2; exit 1
}

stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}

run() { # LABEL BIN
  local label="$1" bin="$2" db="$work/$1-$RANDOM.db" run="$work/run-$RANDOM"
  mkdir -p "$run"
  "$bin/skillpulse" migrate --db "$db" >/dev/null
  start "$bin" ingest "$db" "$run"
  for spec in "batched:--clients 4 --events 200000 --batch 100" "single:--clients 8 --events 100000 --batch 1" \
              "steady:--clients 4 --events 30000 --batch 1 --rate 5000"; do
    name="${spec%%:*}"
    # shellcheck disable=SC2086
    figures="$("$bin/skillpulse" bench ingest --db "$db" --runtime-dir "$run" ${spec#*:} --json | tail -1)"
    echo "{\"build\":\"$label\",\"bench\":\"ingest-$name\",\"figures\":$figures}" | tee -a "$out"
  done
  start "$bin" analytics "$db" "$run"
  figures="$("$bin/skillpulse" bench analytics --db "$db" --runtime-dir "$run" --invocations "$invocations" \
             --calls 500 --catch-up-events "$catch_up" --json | tail -1)"
  echo "{\"build\":\"$label\",\"bench\":\"analytics\",\"figures\":$figures}" | tee -a "$out"
  stop_all
  rm -f "$db" "$db-wal" "$db-shm"
}

for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then run A "$a"; run B "$b"; else run B "$b"; run A "$a"; fi
done

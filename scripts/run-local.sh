#!/usr/bin/env bash
# Starts the whole service set on a local SQLite file with demo traffic (README: "Try it").
#   database  ./.skillpulse/skillpulse.db     sockets  ./.skillpulse/run/     logs  ./.skillpulse/logs/
# Ctrl-C stops the demo traffic and every daemon (SIGTERM: they drain and exit cleanly).
# SKILLPULSE_BUILD=release builds optimised binaries (slower to build, much faster to run).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
configuration="${SKILLPULSE_BUILD:-debug}"
swift build -c "$configuration"
bin="$(swift build -c "$configuration" --show-bin-path)"

export SKILLPULSE_DB="${SKILLPULSE_DB:-$PWD/.skillpulse/skillpulse.db}"
export SKILLPULSE_RUNTIME_DIR="${SKILLPULSE_RUNTIME_DIR:-$PWD/.skillpulse/run}"
logs="$PWD/.skillpulse/logs"
mkdir -p "$logs" "$SKILLPULSE_RUNTIME_DIR"

"$bin/skillpulse" migrate --create-dir
"$bin/skillpulse" taxonomy init || echo "(taxonomy init unavailable; continuing)"

pids=()
stop() {
  echo "stopping daemons…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop EXIT INT TERM

for daemon in ingest analytics realtime-gateway metrics-exporter; do
  "$bin/$daemon" >>"$logs/$daemon.log" 2>&1 &
  pids+=($!)
done
for daemon in ingest analytics realtime-gateway metrics-exporter; do
  for _ in $(seq 1 100); do
    [ -S "$SKILLPULSE_RUNTIME_DIR/$daemon.sock" ] && break
    sleep 0.1
  done
  [ -S "$SKILLPULSE_RUNTIME_DIR/$daemon.sock" ] || { echo "$daemon did not start; see $logs/$daemon.log"; exit 1; }
done
echo "service set running: sockets in $SKILLPULSE_RUNTIME_DIR, logs in $logs"
echo "in another terminal:  $bin/skillpulse tail --runtime-dir $SKILLPULSE_RUNTIME_DIR"
"$bin/skillpulse" demo --rate "${SKILLPULSE_DEMO_RATE:-20}" ${SKILLPULSE_DEMO_SECONDS:+--duration "$SKILLPULSE_DEMO_SECONDS"}

#!/usr/bin/env bash
# API throughput, latency, start-up time and memory with 200 client practices seeded.
#   bench/api_load.sh [DURATION_SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-30}
conns=${2:-32}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release -q -p safeharbor
bin=${CARGO_TARGET_DIR:-target}/release/safeharbor
data=$(mktemp -d /tmp/safeharbor-bench.XXXXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port

wait_healthy() {
  for _ in $(seq 1 3000); do
    curl -sf "$base/healthz" >/dev/null 2>&1 && return 0
    sleep 0.01
  done
  echo "server did not become healthy" >&2; exit 1
}
rss_kb() { awk '/^VmRSS/ {print $2}' /proc/$1/status; }
hwm_kb() { awk '/^VmHWM/ {print $2}' /proc/$1/status; }

echo "== Seeding 200 client practices"
t0=$(date +%s.%N)
"$bin" --data-dir "$data" --log-level warn demo --clients 200 --addr 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
wait_healthy
printf 'seed + start: %.2f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
kill -TERM $pid; wait $pid || true

echo "== Start-up to first healthy response (seeded database, 5 runs)"
for i in 1 2 3 4 5; do
  t0=$(date +%s%N)
  "$bin" --data-dir "$data" --log-level warn serve --addr 127.0.0.1:$port >/dev/null 2>&1 &
  pid=$!
  wait_healthy
  t1=$(date +%s%N)
  echo "  run $i: $(( (t1 - t0) / 1000000 )) ms"
  if [ $i -lt 5 ]; then kill -TERM $pid; wait $pid || true; fi
done
sleep 1
echo "idle RSS: $(( $(rss_kb $pid) / 1024 )) MB"

token=$("$bin" --data-dir "$data" --log-level warn token create --email admin@harborview.example --days 1)
slug=client-practice-150

load() {
  local name=$1 path=$2
  local out
  out=$(wrk -t2 -c"$conns" -d"${dur}s" --latency -H "Authorization: Bearer $token" "$base$path")
  local rps p50 p99 errs
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errs=$(echo "$out" | awk '/Non-2xx/ {print $5} /Socket errors/ {print $0}' | tr '\n' ' ')
  printf '%-28s %10s req/s   p50 %-9s p99 %-9s errors: %s\n' "$name" "$rps" "$p50" "$p99" "${errs:-none}"
  eval "rps_$3=$rps"
}

echo "== Load: wrk, 2 threads, $conns connections, ${dur}s each"
load "GET /healthz (baseline)" "/healthz" base
load "GET /api/v1/orgs" "/api/v1/orgs" list
load "GET /api/v1/orgs/{slug}" "/api/v1/orgs/$slug" one
echo "loaded RSS (peak): $(( $(hwm_kb $pid) / 1024 )) MB"
python3 - "$rps_base" "$rps_list" "$rps_one" <<'PY'
import sys
base, lst, one = map(float, sys.argv[1:])
print(f"ratio to baseline: list {lst/base:.2f}, get {one/base:.2f}")
PY
kill -TERM $pid; wait $pid || true

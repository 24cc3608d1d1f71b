#!/usr/bin/env bash
# Server-side render time of the web pages with 200 client practices seeded: the MSP home
# (first page of 50 clients) and a client's overview page, at 16 connections, against
# /healthz as the same-run baseline.
#   bench/ui_render.sh [DURATION_SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-20}
conns=${2:-16}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release -q -p safeharbor
bin=${CARGO_TARGET_DIR:-target}/release/safeharbor
data=$(mktemp -d /tmp/safeharbor-bench.XXXXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
"$bin" --data-dir "$data" --log-level warn demo --clients 200 --addr 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 3000); do curl -sf "$base/healthz" >/dev/null 2>&1 && break; sleep 0.01; done

jar="$data/cookies"
token=$(curl -s -c "$jar" "$base/login" | grep -o 'name="_login" value="[^"]*"' | sed 's/.*value="//;s/"$//')
curl -s -b "$jar" -c "$jar" -o /dev/null -d "email=admin%40harborview.example&password=harbor-demo-2026&next=%2F&_login=$token" "$base/login"
session=$(awk '$6 == "sh_session" {print $7}' "$jar")
[ -n "$session" ] || { echo "sign-in failed" >&2; exit 1; }
bytes=$(curl -s -H "Cookie: sh_session=$session" "$base/" | wc -c)
echo "home page: $bytes bytes"

load() {
  local name=$1 path=$2 out
  out=$(wrk -t2 -c"$conns" -d"${dur}s" --latency -H "Cookie: sh_session=$session" "$base$path")
  printf '%-34s %9s req/s   p50 %-9s p99 %-9s non-2xx: %s\n' "$name" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$out" | awk '$1=="50%" {print $2}')" \
    "$(echo "$out" | awk '$1=="99%" {print $2}')" \
    "$(echo "$out" | awk '/Non-2xx/ {print $5}')"
}
echo "== wrk, 2 threads, $conns connections, ${dur}s each"
load "GET /healthz (baseline)" /healthz
load "GET / (MSP home, 200 clients)" /
load "GET /orgs/{slug} (client page)" /orgs/lakeside-family-medicine
load "GET /orgs/{slug}/locations" /orgs/lakeside-family-medicine/locations

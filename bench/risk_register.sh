#!/usr/bin/env bash
# The risk register at scale: a client with 500 assets and 2,000 risks. Measures the register
# API (first page) and the register page (heat maps and first page) at 16 connections against
# /healthz as the same-run baseline, then the `report sra` PDF (5 runs) against the same CLI
# process doing no report (`catalog list`) as the baseline.
#   bench/risk_register.sh [DURATION_SECONDS] [CONNECTIONS]
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
"$bin" --data-dir "$data" --log-level warn demo --addr 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 3000); do curl -sf "$base/healthz" >/dev/null 2>&1 && break; sleep 0.01; done
token=$("$bin" --data-dir "$data" --log-level warn token create --email admin@harborview.example --days 1)

echo "== Seeding a client with 500 assets and 2,000 risks through the API"
t0=$(date +%s.%N)
python3 - "$base" "$token" <<'PY'
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
def call(method, path, body=None, ctype="application/json"):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": ctype})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")
call("POST", "/api/v1/orgs", {"name": "Bench Practice", "slug": "bench-practice", "kind": "client"})
kinds = ["workstation", "laptop", "server", "mobile", "voip", "network", "medical_device", "cloud_app", "ehr", "backup"]
rows = ["name,kind,ephi_role,criticality,encryption_at_rest,mfa"]
for i in range(500):
    rows.append(f"Device {i:04d},{kinds[i % 10]},{'stores' if i % 3 == 0 else 'processes'},{['low','moderate','high','critical'][i % 4]},{'yes' if i % 2 else 'no'},{'yes' if i % 5 else 'unknown'}")
r = call("POST", "/api/v1/orgs/bench-practice/assets/import", ("\n".join(rows) + "\n").encode(), "text/csv")
assert r["created"] == 500, r
ids = []
cursor = None
while True:
    page = call("GET", "/api/v1/orgs/bench-practice/assets?limit=200" + (f"&cursor={cursor}" if cursor else ""))
    ids += [a["id"] for a in page["items"]]
    cursor = page["next_cursor"]
    if not cursor:
        break
threats = ["ransomware", "phishing", "hacking", "lost-stolen-device", "insider-snooping", "vendor-compromise", "power-outage", "hardware-software-failure"]
for i in range(2000):
    body = {"asset_id": ids[i % 500], "threat_key": threats[i % 8], "vulnerability": f"Weakness {i}",
            "likelihood": 1 + i % 5, "impact": 1 + (i // 5) % 5, "owner": "Security officer"}
    if i % 2:
        body.update({"residual_likelihood": 1 + (i // 3) % 5, "residual_impact": 1 + (i // 7) % 5, "treatment": "mitigate"})
    call("POST", "/api/v1/orgs/bench-practice/risks", body)
call("POST", "/api/v1/orgs/bench-practice/assessments", {"period": "2026"})
PY
printf 'seeded in %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"

jar="$data/cookies"
login=$(curl -s -c "$jar" "$base/login" | grep -o 'name="_login" value="[^"]*"' | sed 's/.*value="//;s/"$//')
curl -s -b "$jar" -c "$jar" -o /dev/null -d "email=admin%40harborview.example&password=harbor-demo-2026&next=%2F&_login=$login" "$base/login"
session=$(awk '$6 == "sh_session" {print $7}' "$jar")
[ -n "$session" ] || { echo "sign-in failed" >&2; exit 1; }
echo "register page: $(curl -s -H "Cookie: sh_session=$session" "$base/orgs/bench-practice/risks" | wc -c) bytes"

load() {
  local name=$1 path=$2 header=$3 out
  out=$(wrk -t2 -c"$conns" -d"${dur}s" --latency -H "$header" "$base$path")
  printf '%-44s %9s req/s   p50 %-9s p99 %-9s non-2xx: %s\n' "$name" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$out" | awk '$1=="50%" {print $2}')" \
    "$(echo "$out" | awk '$1=="99%" {print $2}')" \
    "$(echo "$out" | awk '/Non-2xx/ {print $5}')"
}
echo "== wrk, 2 threads, $conns connections, ${dur}s each"
load "GET /healthz (baseline)" /healthz "X-Bench: 1"
load "GET /api/v1/orgs/{slug}/risks (50 of 2000)" /api/v1/orgs/bench-practice/risks "Authorization: Bearer $token"
load "GET /orgs/{slug}/risks (page)" /orgs/bench-practice/risks "Cookie: sh_session=$session"
load "GET /api/v1/orgs/{slug}/assets (50 of 500)" /api/v1/orgs/bench-practice/assets "Authorization: Bearer $token"
echo "server peak RSS: $(( $(awk '/^VmHWM/ {print $2}' /proc/$pid/status) / 1024 )) MB"
kill -TERM $pid; wait $pid || true

echo "== report sra (PDF), 5 runs, each a fresh CLI process"
for i in 1 2 3 4 5; do
  t0=$(date +%s%N)
  "$bin" --data-dir "$data" --log-level warn catalog list >/dev/null
  t1=$(date +%s%N)
  "$bin" --data-dir "$data" --log-level warn report sra --org bench-practice --out "$data/sra.pdf" >/dev/null
  t2=$(date +%s%N)
  printf '  run %d: report %d ms (baseline process %d ms, report alone %d ms)\n' $i $(( (t2 - t1) / 1000000 )) $(( (t1 - t0) / 1000000 )) $(( (t2 - t1 - (t1 - t0)) / 1000000 ))
done
echo "PDF: $(wc -c < "$data/sra.pdf") bytes, $(grep -c '/Type /Page$\|/Type/Page[^s]' "$data/sra.pdf" || true) pages"

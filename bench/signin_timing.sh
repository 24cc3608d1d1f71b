#!/usr/bin/env bash
# Sign-in answer times for an unknown account and for a wrong password: the distributions must
# overlap, so timing does not reveal which accounts exist.
#   bench/signin_timing.sh [ATTEMPTS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-40}
cargo build --release -q -p safeharbor
bin=${CARGO_TARGET_DIR:-target}/release/safeharbor
data=$(mktemp -d /tmp/safeharbor-bench.XXXXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" --data-dir "$data" --log-level warn demo --addr 127.0.0.1:$port --account-lock-threshold 100 --address-lock-threshold 100000 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 3000); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.01; done
python3 - "$port" "$n" <<'PY'
import json, statistics, sys, time, urllib.request, urllib.error
port, n = int(sys.argv[1]), int(sys.argv[2])
def attempt(email):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/session", data=json.dumps({"email": email, "password": "not-the-password"}).encode(), headers={"content-type": "application/json"})
    t = time.perf_counter()
    try:
        urllib.request.urlopen(req)
    except urllib.error.HTTPError as e:
        body = e.read()
    return (time.perf_counter() - t) * 1000, body
known, unknown = [], []
# The server runs with high lock thresholds so no lock interferes; attempts interleave so both
# kinds share the machine's noise.
for i in range(n):
    k, kb = attempt(f"admin@harborview.example" if i % 4 == 0 else f"frontdesk@lakeside.example" if i % 4 == 1 else "officer@lakeside.example")
    u, ub = attempt(f"nobody{i}@nowhere.example")
    if json.loads(kb)["error"]["code"] not in ("unauthenticated", "too_many_attempts"): raise SystemExit("unexpected answer")
    known.append(k); unknown.append(u)
for name, xs in (("wrong password", known), ("unknown account", unknown)):
    xs = sorted(xs)
    print(f"{name:16} median {statistics.median(xs):6.1f} ms   p10 {xs[len(xs)//10]:6.1f}   p90 {xs[9*len(xs)//10]:6.1f}")
print(f"median ratio unknown/known: {statistics.median(unknown)/statistics.median(known):.2f}")
PY

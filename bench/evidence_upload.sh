#!/usr/bin/env bash
# The evidence locker at scale: a 1 GiB upload through the API (throughput, and the server's
# resident memory before and after, against a 100 MiB upload to show memory does not grow with
# size), reported as a ratio to the same machine's one-core SHA-256 + AES-256-GCM one-pass speed
# measured in the same run (`safeharbor evidence speed-test`); then `evidence verify` over the
# stored gigabyte; then the import of a 100,000-row RMM device CSV. The same run also measures the
# disk's durable write speed (dd with fsync), the other bound on a durable upload.
#   bench/evidence_upload.sh [GIB]
set -euo pipefail
cd "$(dirname "$0")/.."
gib=${1:-1}
cargo build --release -q -p safeharbor
bin=${CARGO_TARGET_DIR:-target}/release/safeharbor
data=$(mktemp -d /tmp/safeharbor-bench.XXXXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
"$bin" --data-dir "$data" --log-level warn demo --addr 127.0.0.1:$port --upload-limit $((gib * 1100 * 1000 * 1000)) >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 3000); do curl -sf "$base/healthz" >/dev/null 2>&1 && break; sleep 0.01; done
token=$("$bin" --data-dir "$data" --log-level warn token create --email admin@harborview.example --days 1)
slug=lakeside-family-medicine
rss() { echo $(( $(awk '/^VmRSS/ {print $2}' /proc/$pid/status) / 1024 )); }
hwm() { echo $(( $(awk '/^VmHWM/ {print $2}' /proc/$pid/status) / 1024 )); }

echo "== Baseline (same run): one core, 1 GiB"
"$bin" --data-dir "$data" --log-level warn evidence speed-test --mib 1024 | tee "$data/speed"
limit=$(awk '{for (i=1;i<=NF;i++) if ($i=="pass") print $(i+3)}' "$data/speed")
# Uploads are durable (written, then fsynced, before the row is committed), so the disk's own
# durable write speed, measured in the same run and directory, bounds them too.
disk=$(dd if=/dev/zero of="$data/dd.tmp" bs=1M count=1024 conv=fsync 2>&1 | awk '/copied/ {print $(NF-1), $NF}')
rm -f "$data/dd.tmp"
echo "disk, 1 GiB written and fsynced (dd conv=fsync): $disk"

make_file() { # name, MiB: a PDF header then pseudo-random bytes (incompressible, like scans)
  { printf '%%PDF-1.7\n'; head -c $(( $2 * 1024 * 1024 )) /dev/urandom; } > "$1"
}
upload() { # file
  curl -s -o "$data/resp.json" -w '%{http_code} %{time_total} %{size_upload}\n' \
    -H "Authorization: Bearer $token" -F title=Benchmark -F "file=@$1;type=application/pdf" \
    "$base/api/v1/orgs/$slug/evidence"
}
echo "== Uploads through POST /api/v1/orgs/{slug}/evidence (curl, multipart)"
echo "server RSS at rest: $(rss) MB (peak so far $(hwm) MB)"
make_file "$data/small.pdf" 100
read -r code secs size < <(upload "$data/small.pdf")
printf '100 MiB: HTTP %s, %.2f s, %.0f MB/s; server RSS %s MB, peak %s MB\n' "$code" "$secs" "$(echo "$size / $secs / 1000000" | bc -l)" "$(rss)" "$(hwm)"
make_file "$data/big.pdf" $((gib * 1024))
read -r code secs size < <(upload "$data/big.pdf")
speed=$(echo "$size / $secs / 1000000" | bc -l)
printf '%s GiB: HTTP %s, %.2f s, %.0f MB/s; server RSS %s MB, peak %s MB\n' "$gib" "$code" "$secs" "$speed" "$(rss)" "$(hwm)"
printf 'throughput / one-core one-pass limit: %.2f (limit %s MB/s measured above)\n' "$(echo "$speed / $limit" | bc -l)" "$limit"
python3 -c "import json,sys; r=json.load(open('$data/resp.json')); print('stored:', r['size'], 'bytes, sha256', r['sha256'])"
expected=$(sha256sum "$data/big.pdf" | cut -d' ' -f1)
python3 -c "import json; assert json.load(open('$data/resp.json'))['sha256'] == '$expected', 'hash mismatch'" && echo "sha256 matches the file"
rm -f "$data/big.pdf" "$data/small.pdf"

echo "== evidence verify (re-reads, decrypts and re-hashes everything stored)"
t0=$(date +%s.%N)
"$bin" --data-dir "$data" --log-level warn evidence verify
printf 'verify: %.2f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"

echo "== Import of a 100,000-row RMM device CSV (POST .../evidence/imports/devices)"
python3 - "$data/devices.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("device,holds_ephi,encryption,patch_status,antivirus,last_seen,os\n")
    for i in range(100_000):
        enc = "not encrypted" if i % 97 == 0 else "encrypted"
        f.write(f"PC-{i:06d},{'yes' if i % 3 else 'no'},{enc},{'up to date' if i % 50 else 'missing updates'},protected,2026-11-{1 + i % 28:02d},Windows 11 Pro\n")
PY
for run in 1 2 3; do
  curl -s -o "$data/imp.json" -w "run $run: HTTP %{http_code}, %{time_total} s\n" \
    -H "Authorization: Bearer $token" -H "Content-Type: text/csv" --data-binary "@$data/devices.csv" \
    "$base/api/v1/orgs/$slug/evidence/imports/devices?preset=generic"
done
python3 -c "import json; r=json.load(open('$data/imp.json')); print('records', r['records'], 'findings', len(r['findings']), 'tasks opened/updated/closed', r['tasks_opened'], r['tasks_updated'], r['tasks_closed'])"
echo "server peak RSS over the whole run: $(hwm) MB"

#!/usr/bin/env bash
# Access-log review (issue 17) against the reference: 10,000,000 events from the shared
# generator (../shared/logreview/gen.py), reviewed by DuckDB running the reference rules
# (duckdb-rules.sql, through crates/logreview/tests/duckdb_reference.py) and by
# `safeharbor logreview run` (release build), on the same files, interleaved, 3 runs each, warm
# page cache, each under /usr/bin/time -v. Prints wall time, CPU time (user + sys) and peak RSS
# of both (medians), the ratios, and whether the alert sets are equal.
#   bench/logreview.sh [EVENTS]
# Needs python3 with numpy, polars and duckdb (`pip install numpy polars duckdb`), and
# /usr/bin/time (Debian's `time` package). LOGREVIEW_BENCH_DIR keeps the generated data (about
# 1.8 GB) between runs; without it a temporary directory is used and removed. SAFEHARBOR_BIN
# measures an already built binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-10000000}
py=${PYTHON:-python3}
shared=$(cd ../shared/logreview && pwd)
reference=crates/logreview/tests/duckdb_reference.py
"$py" -c 'import numpy, polars, duckdb' 2>/dev/null \
  || { echo "needs python3 with numpy, polars and duckdb: pip install numpy polars duckdb" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

# SAFEHARBOR_BIN: an already built binary to measure instead.
if [ -n "${SAFEHARBOR_BIN:-}" ]; then
  bin=$SAFEHARBOR_BIN
else
  cargo build --release -q -p safeharbor
  target=${CARGO_TARGET_DIR:-target}
  case $target in /*) ;; *) target=$(pwd)/$target ;; esac
  bin=$target/release/safeharbor
fi

if [ -n "${LOGREVIEW_BENCH_DIR:-}" ]; then
  data=$LOGREVIEW_BENCH_DIR
  mkdir -p "$data"
else
  data=$(mktemp -d /tmp/safeharbor-logreview.XXXXXX)
  trap 'rm -rf "$data"' EXIT
fi
marker="$data/.events-$events"
if [ ! -f "$marker" ]; then
  echo "== Generating $events events (gen.py)"
  rm -f "$data"/.events-*
  "$py" "$shared/gen.py" --events "$events" --out "$data"
  touch "$marker"
fi
ls -l "$data"/*.csv | awk '{printf "  %-60s %6.0f MB\n", $NF, $5 / 1e6}'

runs=$data/runs
rm -rf "$runs" && mkdir -p "$runs"
echo "== Warming the page cache"
cat "$data"/*.csv >/dev/null

duckdb_run() { # run number
  /usr/bin/time -v -o "$runs/duckdb.$1" "$py" "$reference" run "$shared/duckdb-rules.sql" "$data" "$runs/duckdb-alerts.csv"
}
safeharbor_run() { # run number
  /usr/bin/time -v -o "$runs/safeharbor.$1" "$bin" --log-level warn logreview run \
    --events "$data/access_log.csv" --workforce "$data/workforce.csv" --patients "$data/patients.csv" \
    --encounters "$data/encounters.csv" --departments "$data/departments.csv" \
    --out "$runs/safeharbor-alerts.csv" >"$runs/safeharbor.out.$1"
}
for run in 1 2 3; do
  echo "== Run $run: DuckDB"
  duckdb_run "$run"
  echo "== Run $run: safeharbor logreview run"
  safeharbor_run "$run"
done
echo
cat "$runs/safeharbor.out.3"
echo
"$py" - "$runs" <<'PY'
import re, statistics, sys
runs = sys.argv[1]

def parse(path):
    t = open(path).read()
    def num(label):
        return float(re.search(re.escape(label) + r": ([0-9.:]+)", t).group(1).split()[0])
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([0-9:.]+)", t).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    return secs, num("User time (seconds)") + num("System time (seconds)"), num("Maximum resident set size (kbytes)") / 1024

res = {}
for tool in ("duckdb", "safeharbor"):
    rows = [parse(f"{runs}/{tool}.{i}") for i in (1, 2, 3)]
    res[tool] = [statistics.median(r[k] for r in rows) for k in range(3)]
    print(f"{tool:<11} runs (wall s, CPU s, peak RSS MiB): " + "; ".join(f"{w:.2f}, {c:.2f}, {m:.0f}" for w, c, m in rows))
d, s = res["duckdb"], res["safeharbor"]
print()
print("| pipeline (median of 3) | wall s | CPU s (user+sys) | peak RSS MiB |")
print("|---|---:|---:|---:|")
print(f"| DuckDB: load + 6 reference rules + alerts CSV | {d[0]:.2f} | {d[1]:.2f} | {d[2]:.0f} |")
print(f"| safeharbor logreview run (all 11 rules) | {s[0]:.2f} | {s[1]:.2f} | {s[2]:.0f} |")
print(f"| ratio safeharbor / DuckDB (targets 0.15, 0.15, 0.10) | {s[0]/d[0]:.3f} | {s[1]/d[1]:.3f} | {s[2]/d[2]:.3f} |")
PY
echo
echo "== Alert sets on (rule, event_id, user_id, patient_id, day)"
"$py" "$reference" compare "$runs/duckdb-alerts.csv" "$runs/safeharbor-alerts.csv"

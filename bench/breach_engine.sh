#!/usr/bin/env bash
# The breach engine (45 CFR 164.400-164.414) on one core: 1,000,000 generated cases through
# `breach::assess`, against two same-run baselines (building and checking the inputs, and a
# pass doing only the 60-day date arithmetic), plus 100,000 cases through the JSON path of
# `safeharbor breach assess`. The budget is 1,000,000 cases per second or more.
#   bench/breach_engine.sh [CASES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-1000000}
rounds=${2:-5}
cargo build --release -q -p safeharbor-domain --example breach_bench
bin=${CARGO_TARGET_DIR:-target}/release/examples/breach_bench
# One core: pin the process when taskset is there.
if command -v taskset >/dev/null; then
  taskset -c 0 "$bin" "$cases" "$rounds"
else
  "$bin" "$cases" "$rounds"
fi

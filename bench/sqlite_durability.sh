#!/usr/bin/env bash
# The cost of SQLite `synchronous = FULL` (a committed change survives a power loss) against
# NORMAL, measured in the same run on the same disk: single-row write transactions.
# Put SYNC_COST_DIR on the disk the data directory lives on (default: the temp directory).
#   bench/sqlite_durability.sh [WRITES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p safeharbor-store-sqlite --example sync_cost
"${CARGO_TARGET_DIR:-target}/release/examples/sync_cost" "${1:-2000}" "${2:-5}"

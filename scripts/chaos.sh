#!/usr/bin/env bash
# A longer soak of the fault-injection test (tests/chaos.rs): N seeds, each
# with M minutes of work under faults, on the SQLite hub and (the first two
# seeds) on a throw-away PostgreSQL cluster. Reports go to
# target/chaos/report.jsonl, one JSON line per run.
#   scripts/chaos.sh --seeds 20 --minutes 2
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=5
minutes=1
while (($#)); do
    case "$1" in
        --seeds) seeds="$2"; shift 2 ;;
        --minutes) minutes="$2"; shift 2 ;;
        *) echo "usage: scripts/chaos.sh [--seeds N] [--minutes M]" >&2; exit 2 ;;
    esac
done
./scripts/setup.sh
CHAOS_SEEDS="$seeds" CHAOS_SECONDS="$((minutes * 60))" \
    cargo test -p dangol-cli --test chaos --locked -- --nocapture --test-threads=1
echo "reports: $(pwd)/target/chaos/report.jsonl"

#!/usr/bin/env bash
# One command to set up and run Dangol: builds it, creates the demo database
# on first run (data/dangol.db), then shows a lookup and a preview for a demo
# customer. Pass another database with DANGOL_DB=path.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo build --release -p dangol-cli
db="${DANGOL_DB:-data/dangol.db}"
mkdir -p "$(dirname "$db")"
exec target/release/dangol tour --db "$db" "$@"

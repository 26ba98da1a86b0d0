#!/usr/bin/env bash
# One command to set up and run every check: formatting, clippy with warnings
# as errors, and all tests (unit, property, black-box CLI, crash).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked

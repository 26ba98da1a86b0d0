#!/usr/bin/env bash
# One command to set up and run every check: the front end's unit tests and
# type check, formatting, clippy with warnings as errors, every Rust test
# (unit, property, store, black-box CLI, crash), the TypeScript bindings'
# freshness, and the end-to-end tests that drive the real app window through
# WebDriver under Xvfb (screenshots under target/e2e-screenshots/), and the
# .deb package installed into a scratch root and opened.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
echo "== front end: vitest, svelte-check, build"
(cd ui && npm test --silent && npm run check --silent && npm run build --silent)
echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
echo "== the register API: Schemathesis from docs/openapi.json, and the example client"
./scripts/register-api.sh
echo "== TypeScript bindings are generated from Rust and up to date"
cargo test -p dangol-store --features ts --test bindings --locked
echo "== end to end: the real app window, driven through WebDriver under Xvfb"
echo "   screenshots: $(pwd)/target/e2e-screenshots"
xvfb-run -a -s "-screen 0 1920x1080x24" cargo test -p dangol-app --test e2e --test trust --test language --test sync --test review --test rules --test register --test screen --test tablet --locked -- --ignored --test-threads=1
echo "== the package: a .deb installed into a scratch root, its command and its window"
./scripts/package-test.sh

#!/usr/bin/env bash
# Measures the desktop app on the 1,000,000-customer demo database (created
# on first use, ~5 minutes): cold start, keystroke-to-results latency and
# memory (PSS over the app and its WebKit processes), with and without
# WEBKIT_DISABLE_DMABUF_RENDERER=1. Results: target/perf-app.json.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
(cd ui && npm run build --silent)
db="${1:-target/bench-1m.db}"
cargo build --release -p dangol-cli
if [ ! -f "$db" ]; then
    target/release/dangol demo --db "$db" --customers 1000000 --seed 1 --as-of 2026-11-22T18:00:00+09:00
fi
DANGOL_PERF_DB="$(realpath "$db")" xvfb-run -a -s "-screen 0 1280x800x24" \
    cargo test --release -p dangol-app --test perf -- --ignored --nocapture
# Rendering with and without the DMA-BUF renderer, compared pixel by pixel.
echo "pixels that differ between the two renderers (exact / beyond 25% colour distance): $(compare -metric AE target/perf-dmabuf-default.png target/perf-dmabuf-off.png null: 2>&1 || true) / $(compare -metric AE -fuzz 25% target/perf-dmabuf-default.png target/perf-dmabuf-off.png null: 2>&1 || true)"

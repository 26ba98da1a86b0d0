#!/usr/bin/env bash
# One command to set up and run Dangol: installs what is missing, builds the
# window's front end and the desktop app, and opens the counter window.
# The shop's database is ~/.local/share/dangol/dangol.db (or --db FILE, or
# DANGOL_DB=FILE); on first run the window asks: the demo shop (its own
# file, dangol-demo.db) or set up my shop. --demo opens the demo directly.
# Without a display it runs headless under Xvfb (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
(cd ui && npm run build --silent)
cargo build --release -p dangol-app
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "run: no display found; running headless under Xvfb on a 1280x800 screen" >&2
    exec xvfb-run -a -s "-screen 0 1280x800x24" target/release/dangol-app "$@"
fi
exec target/release/dangol-app "$@"

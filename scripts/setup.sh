#!/usr/bin/env bash
# Installs what Dangol needs on Debian 12, skipping whatever is present, so a
# second run costs nothing:
#   - Debian packages: a C toolchain, WebKitGTK for the Tauri window, Xvfb and
#     xauth (a window without a display), WebKitWebDriver, ImageMagick
#     (screenshots) and the window's fonts: Nanum (Hangul, ₩ · → ★ …),
#     DejaVu Sans (symbols Nanum lacks: ✓ ✕ ⚙ ↺ − ∅ ☺ ✉) and Noto Color
#     Emoji (⏳ 🎂 in the suggestions), so nothing shows as an empty box;
#   - PostgreSQL's server binaries (initdb, pg_ctl, postgres) when none are on
#     PATH or under /usr/lib/postgresql: the hub's PostgreSQL tests start a
#     throw-away cluster with them, as the unprivileged user `postgres`;
#   - tauri-driver from crates.io (WebDriver bridge for the end-to-end tests);
#   - the front end's npm packages, exactly as locked (npm ci);
#   - dpkg-dev, desktop-file-utils, x11-utils and file: building and testing
#     the .deb (scripts/package*.sh);
#   - Schemathesis (pinned, from PyPI) in a virtual environment of the
#     project's own (.venv): it drives the register API from its OpenAPI
#     document in the test command.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev xvfb xauth webkit2gtk-driver imagemagick fonts-nanum fonts-dejavu-core fonts-noto-color-emoji dpkg-dev desktop-file-utils x11-utils file)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    missing+=(postgresql)
fi
if ((${#missing[@]})); then
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: Rust (cargo) is required, version 1.90 or newer; install it with rustup" >&2
    exit 1
fi
rust_minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
if [ "${rust_minor:-0}" -lt 90 ]; then
    echo "setup: $(rustc --version) is too old; Dangol needs Rust 1.90 or newer" >&2
    exit 1
fi
cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
command -v tauri-driver >/dev/null 2>&1 || cargo install tauri-driver --locked --version '^2'

if ! command -v npm >/dev/null 2>&1; then
    echo "setup: Node.js 20 or newer with npm is required for the window's front end" >&2
    exit 1
fi
# npm ci only when the lockfile changed since the last install.
if [ ! -f ui/node_modules/.package-lock.json ] || ! cmp -s ui/package-lock.json ui/node_modules/.dangol-lock; then
    (cd ui && npm ci --no-audit --no-fund && cp package-lock.json node_modules/.dangol-lock)
fi

# Schemathesis, pinned, in .venv (python3-venv where Debian's Python lacks
# ensurepip); reinstalled only when the pinned version changes.
SCHEMATHESIS_VERSION=4.32.5
if ! .venv/bin/python -c "import schemathesis, sys; sys.exit(schemathesis.__version__ != '$SCHEMATHESIS_VERSION')" >/dev/null 2>&1; then
    if ! python3 -c "import ensurepip" >/dev/null 2>&1; then
        if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-venv
    fi
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

#!/usr/bin/env bash
# Drives the register API, served live by `dangol serve` on a small demo
# shop, two ways:
#   - Schemathesis (a test suite no one on the project wrote) reads
#     docs/openapi.json, generates valid and invalid requests for every
#     operation, and fails on any server error, any response that breaks the
#     document (status, content type, body schema, headers), or any invalid
#     request the API accepts (config: schemathesis.toml);
#   - the example register client (examples/register.py) finds a customer,
#     reads the card and quotes a cart, as the integrator's guide shows.
# Needs ./scripts/setup.sh (the .venv).
#   scripts/register-api.sh [--max-examples N]   (default 60 per operation)
set -euo pipefail
cd "$(dirname "$0")/.."
examples=60
if [ "${1:-}" = "--max-examples" ]; then
    examples="${2:?--max-examples needs a number}"
fi

cargo build -q -p dangol-cli --locked
dangol="${CARGO_TARGET_DIR:-target}/debug/dangol"
work=$(mktemp -d)
server=
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

DANGOL_NOW=2026-11-22T09:00:00Z "$dangol" demo --db "$work/shop.db" --customers 200 --seed 3 \
    --as-of 2026-11-22T09:00:00Z --json >/dev/null
DANGOL_NOW=2026-11-22T09:00:00Z "$dangol" serve --db "$work/shop.db" --listen 127.0.0.1:0 \
    --token-file "$work/api.token" --json >"$work/serve.json" &
server=$!
for _ in $(seq 100); do
    [ -s "$work/serve.json" ] && break
    if ! kill -0 "$server" 2>/dev/null; then
        echo "register-api: dangol serve did not start" >&2
        exit 1
    fi
    sleep 0.1
done
if [ ! -s "$work/serve.json" ]; then
    echo "register-api: dangol serve did not say where it listens within 10 s" >&2
    exit 1
fi
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/serve.json")
token=$(cat "$work/api.token")

.venv/bin/schemathesis --no-color --config-file schemathesis.toml run docs/openapi.json \
    --url "$url" \
    --header "Authorization: Bearer $token" \
    --checks all \
    --max-examples "$examples" \
    --seed 1 \
    --report junit --report-dir "$work/report"

phone=$(DANGOL_NOW=2026-11-22T09:00:00Z "$dangol" lookup --db "$work/shop.db" --json 김 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["hits"][0]["phone_masked"][-4:])' || true)
echo "== the example register client (examples/register.py), customer ending $phone"
python3 examples/register.py --url "$url" --token-file "$work/api.token" "$phone" SALT:2 AMR:1

#!/usr/bin/env bash
# Tests the Debian package: builds it with scripts/package.sh (or takes a .deb
# as $1), checks its control fields and contents, installs it with dpkg into a
# scratch root (never the machine's: its own admin dir, no maintainer scripts
# run), runs `dangol --version` from there, validates the desktop entry, and
# opens the packaged window under Xvfb on a scratch demo shop (HOME and XDG
# dirs in a temp folder) until it is painted. The screenshot and the app's
# log go to target/package/. Exits 0 only if every check passed.
#   scripts/package-test.sh [dangol_<version>_<arch>.deb]
set -euo pipefail
deb=${1:+$(realpath -m "$1")} # before the cd: a path relative to the caller
cd "$(dirname "$0")/.."
out=target/package
mkdir -p "$out"
if [ -z "$deb" ]; then
    deb=$(./scripts/package.sh | tail -n1) || { echo "package-test: FAIL: scripts/package.sh failed" >&2; exit 1; }
    deb=$(realpath "$deb")
fi
[ -f "$deb" ] || { echo "package-test: FAIL: no package at $deb" >&2; exit 1; }
version=$(python3 -c 'import json; print(json.load(open("src-tauri/tauri.conf.json"))["version"])')
failed=0
fail() { echo "package-test: FAIL: $*" >&2; failed=1; }
ok() { echo "package-test: ok: $*"; }

R=$(mktemp -d) # the scratch root
W=$(mktemp -d) # the app's home, XDG dirs and databases
trap 'rm -rf "$R" "$W"' EXIT

echo "== the control file and contents of $deb ($(du -k "$deb" | cut -f1) KB)"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = dangol ] || fail "Package is '$(field Package)', not dangol"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)', not $version"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture is '$(field Architecture)'"
[[ $(field Depends) == *libwebkit2gtk-4.1-0* ]] || fail "Depends lacks libwebkit2gtk-4.1-0: $(field Depends)"
files=(usr/bin/dangol usr/bin/dangol-app usr/share/applications/dangol.desktop
    usr/share/icons/hicolor/{32x32,128x128,256x256}/apps/dangol.png)
contents=$(dpkg-deb -c "$deb")
for f in "${files[@]}"; do
    grep -q " \./$f\$" <<<"$contents" || fail "the package lacks /$f"
done
[ "$failed" = 0 ] && ok "control fields and contents"

echo "== dpkg -i into the scratch root $R"
# A dpkg database of its own under $R; --force-script-chrootless because dpkg
# would chroot into $R (which holds no shell) for maintainer scripts, and the
# package has none; --force-depends because $R holds none of the libraries.
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/log"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"
dpkg=(dpkg --root="$R" --log="$R/var/log/dpkg.log" --force-not-root --force-script-chrootless --force-depends)
if "${dpkg[@]}" -i "$deb" >"$W/dpkg.log" 2>&1 && [ "$(dpkg-query --root="$R" -W -f '${Status}' dangol)" = 'install ok installed' ]; then
    ok "installed: $(dpkg-query --root="$R" -L dangol | grep -c /usr/) paths under /usr"
else
    cat "$W/dpkg.log" >&2
    fail "dpkg could not install the package into the scratch root"
    dpkg-deb -x "$deb" "$R" # extract instead, so the remaining checks still run
fi
for b in dangol dangol-app; do
    [[ $(file "$R/usr/bin/$b") == *', stripped'* ]] || fail "/usr/bin/$b is not stripped"
    ! ldd "$R/usr/bin/$b" | grep 'not found' || fail "/usr/bin/$b needs a library this machine lacks"
done
for s in 32 128 256; do
    [ "$(identify -format %wx%h "$R/usr/share/icons/hicolor/${s}x$s/apps/dangol.png")" = "${s}x$s" ] ||
        fail "the ${s}x$s icon is not ${s}x$s"
done

echo "== dangol --version"
got=$(HOME="$W" "$R/usr/bin/dangol" --version 2>&1) || fail "dangol --version exited non-zero: $got"
[ "$got" = "dangol $version" ] && ok "$got" || fail "dangol --version printed '$got', not 'dangol $version'"

echo "== the desktop entry"
desktop="$R/usr/share/applications/dangol.desktop"
if ! command -v desktop-file-validate >/dev/null; then
    fail "desktop-file-validate is missing (Debian package desktop-file-utils)"
elif desktop-file-validate "$desktop"; then
    ok "desktop-file-validate"
else
    fail "desktop-file-validate rejected dangol.desktop"
fi
exec_line=$(sed -n 's/^Exec=//p' "$desktop")
[ -x "$R/usr/bin/${exec_line%% *}" ] || fail "Exec=$exec_line is not a program the package installs"

echo "== the packaged window under Xvfb (scratch demo shop in $W)"
# Runs inside xvfb-run (as a bash -c script: xvfb-run is a sh script, which
# drops exported bash functions): starts the app, waits for its window
# (titled "단골 Dangol"), then screenshots the display until it is painted
# (many colours, not a flat or nearly flat screen), stops the app and prints
# "<window shown: 0|1> <colours> <stopped by SIGTERM: 0|1>" (SIGKILL if
# SIGTERM does not stop it: a failure, as a shutdown would hang on it).
# shellcheck disable=SC2016 # expanded by the inner bash, from the exported R, W and out
window_check='
    mkdir -p -m 700 "$HOME" "$XDG_RUNTIME_DIR"
    "$R/usr/bin/dangol-app" --db "$W/shop.db" --demo >"$W/app.log" 2>&1 &
    app=$! shown=0 colours=0 stopped=1
    for _ in $(seq 120); do
        if LC_ALL=C.UTF-8 xwininfo -root -tree | grep -qF "\"단골 Dangol\":"; then shown=1; break; fi
        kill -0 "$app" 2>/dev/null || break
        sleep 0.5
    done
    if [ "$shown" = 1 ]; then
        for _ in $(seq 30); do
            sleep 1
            import -window root "$out/packaged-window.png"
            colours=$(identify -format %k "$out/packaged-window.png")
            [ "$colours" -ge 500 ] && break
        done
    fi
    kill "$app" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$app" 2>/dev/null; then
        stopped=0
        kill -KILL "$app"
    fi
    wait "$app" 2>/dev/null
    echo "$shown $colours $stopped"'
export R W out
rm -f "$out/packaged-window.png"
# DANGOL_API: the window's register API on a free port, not the shop's 7300.
read -r shown colours stopped < <(DANGOL_API=127.0.0.1:0 HOME="$W/home" XDG_CONFIG_HOME="$W/config" \
    XDG_DATA_HOME="$W/data" XDG_CACHE_HOME="$W/cache" XDG_RUNTIME_DIR="$W/run" \
    xvfb-run -a -s "-screen 0 1280x800x24" bash -c "$window_check" | tail -n1)
cp "$W/app.log" "$out/packaged-app.log" 2>/dev/null || true
if [ "${shown:-0}" != 1 ]; then
    fail "no window titled '단골 Dangol' appeared (waited 60 s unless the app exited; app log: $out/packaged-app.log)"
elif [ "${colours:-0}" -lt 500 ]; then
    fail "the window is not painted: $colours colours on screen ($out/packaged-window.png)"
else
    ok "window painted: $colours colours, screenshot $out/packaged-window.png"
fi
[ "${stopped:-0}" = 1 ] && ok "the app stopped at SIGTERM" ||
    fail "the app did not stop within 5 s of SIGTERM (a shutdown would wait for it)"
[ -s "$W/dangol-demo.db" ] && ok "the app created its demo shop in the scratch folder" ||
    fail "the app did not create the demo shop at $W/dangol-demo.db"

if [ "$failed" != 0 ]; then
    echo "package-test: FAILED" >&2
    exit 1
fi
echo "package-test: all checks passed ($deb)"

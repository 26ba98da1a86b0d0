#!/usr/bin/env bash
# Builds the Debian package for a shop PC, by hand with dpkg-deb (no Tauri CLI,
# nothing downloaded): the counter window (/usr/bin/dangol-app), the `dangol`
# command, the desktop entry and the icons. Depends is computed from the
# libraries the binaries link (dpkg-shlibdeps, from dpkg-dev). Assumes
# ./scripts/setup.sh has run. Prints the path of the .deb on its last line:
#   target/package/dangol_<version>_<arch>.deb
# DANGOL_MAINTAINER="Name <email>" sets the package's Maintainer field.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 022

# The front end is embedded in the app at build time, so build it first.
(cd ui && npm run build --silent) >&2
cargo build --release --locked -p dangol-app -p dangol-cli
bin="${CARGO_TARGET_DIR:-target}/release"

version=$(python3 -c 'import json; print(json.load(open("src-tauri/tauri.conf.json"))["version"])')
arch=$(dpkg --print-architecture)
deb="target/package/dangol_${version}_${arch}.deb"
mkdir -p target/package
rm -f "$deb"
# The package's tree is staged as debian/dangol in a temp folder, the layout
# dpkg-shlibdeps expects (it also wants a debian/control there).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/debian/dangol"

# The files, in the tree they will have on the shop PC; binaries stripped.
install -Dm755 "$bin/dangol" "$root/usr/bin/dangol"
install -Dm755 "$bin/dangol-app" "$root/usr/bin/dangol-app"
strip --strip-unneeded "$root/usr/bin/dangol" "$root/usr/bin/dangol-app"
for icon in 32x32:32x32 128x128:128x128 256x256:128x128@2x 512x512:icon; do
    install -Dm644 "icons/${icon#*:}.png" "$root/usr/share/icons/hicolor/${icon%%:*}/apps/dangol.png"
done
install -d "$root/usr/share/applications"
cat >"$root/usr/share/applications/dangol.desktop" <<'EOF'
[Desktop Entry]
Type=Application
Name=Dangol
Name[ko]=단골
GenericName=Point-of-sale companion
GenericName[ko]=단골 손님 관리
Comment=Know your regulars, never miss a discount they are owed
Comment[ko]=단골 손님을 알아보고, 받을 할인을 놓치지 않게
Exec=dangol-app
Icon=dangol
Terminal=false
Categories=Office;Finance;
StartupWMClass=dangol-app
EOF

# The control file. Depends: the packages of the shared libraries the
# binaries link (webkit2gtk-4.1, gtk3, glib, libc, ...), from dpkg-shlibdeps.
install -d "$root/DEBIAN"
printf 'Source: dangol\n\nPackage: dangol\nArchitecture: any\n' >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O debian/dangol/usr/bin/dangol-app debian/dangol/usr/bin/dangol |
    sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
cat >"$root/DEBIAN/control" <<EOF
Package: dangol
Version: $version
Architecture: $arch
Maintainer: ${DANGOL_MAINTAINER:-Dangol maintainers <maintainers@dangol.invalid>}
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Recommends: fonts-nanum, fonts-dejavu-core, fonts-noto-color-emoji
Section: misc
Priority: optional
Description: point-of-sale companion that never misses a regular's discount
 Dangol (단골) runs beside a shop's register. When a customer is identified it
 shows who they are, their history and every discount they are eligible for,
 and refuses to complete a sale silently while an eligible discount is left
 unapplied. Offline: one SQLite file per counter.
 .
 This package holds the counter window (dangol-app, with a desktop entry) and
 the dangol command-line tool.
EOF

dpkg-deb --build --root-owner-group "$root" "$deb" >&2
echo "$deb"

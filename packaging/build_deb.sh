#!/usr/bin/env bash
# Build the Debian package of the 12368 desk from the PyInstaller bundle.
#
#   bash packaging/build_deb.sh [--bundle dist/hotline12368] [--out dist] [--version 0.1.0]
#
# Without --bundle, builds the bundle first (build_installer.spec). Installs as:
#   /opt/hotline12368/               the bundle (hotline12368 + _internal/)
#   /usr/bin/hotline12368            symlink to it
#   /usr/share/applications/hotline12368.desktop, icons (hicolor 256 px PNG + scalable SVG)
#   /etc/hotline12368/site.json.example  (IT copies it to site.json; a conffile-free example)
# Prints the .deb path on the last line.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE=""
OUT="$ROOT/dist"
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/pyproject.toml" | head -1)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) BUNDLE="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --version) VERSION="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "build_deb: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
if [ -z "$BUNDLE" ]; then
  t0=$(date +%s)
  "$PY" -m PyInstaller --noconfirm --clean --distpath "$OUT" --workpath "$OUT/build" \
      "$ROOT/build_installer.spec" >&2
  echo "build_deb: bundle built in $(( $(date +%s) - t0 )) s" >&2
  BUNDLE="$OUT/hotline12368"
fi
[ -x "$BUNDLE/hotline12368" ] || { echo "build_deb: no bundle at $BUNDLE" >&2; exit 1; }

ARCH="$(dpkg --print-architecture)"
PKG="hotline12368"
STAGE="$(mktemp -d "${TMPDIR:-/tmp}/hotline-deb.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
install -d "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/icons/hicolor/256x256/apps" "$STAGE/usr/share/icons/hicolor/scalable/apps" \
  "$STAGE/usr/share/doc/$PKG" "$STAGE/etc/hotline12368"
cp -a "$BUNDLE" "$STAGE/opt/$PKG"
ln -s "/opt/$PKG/hotline12368" "$STAGE/usr/bin/hotline12368"
install -m 644 "$ROOT/packaging/linux/hotline12368.desktop" "$STAGE/usr/share/applications/"
install -m 644 "$ROOT/packaging/hotline12368.png" "$STAGE/usr/share/icons/hicolor/256x256/apps/hotline12368.png"
install -m 644 "$ROOT/packaging/hotline12368.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/hotline12368.svg"
install -m 644 "$ROOT/packaging/linux/site.json.example" "$STAGE/etc/hotline12368/site.json.example"
install -m 644 "$ROOT/docs/installing.md" "$STAGE/usr/share/doc/$PKG/installing.md"
chmod -R u+rwX,go+rX,go-w "$STAGE/opt/$PKG"

SIZE_KB="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
cat > "$STAGE/DEBIAN/control" <<CTRL
Package: $PKG
Version: $VERSION
Section: comm
Priority: optional
Architecture: $ARCH
Maintainer: 12368 desk maintainers <it@localhost>
Installed-Size: $SIZE_KB
Depends: libc6 (>= 2.31), libportaudio2, fonts-noto-cjk, libfontconfig1, libfreetype6, libegl1, libgl1, libxkbcommon0, libxkbcommon-x11-0, libdbus-1-3, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0, libxcb-render-util0, libxcb-shape0, libxcb-xinerama0, libxcb-randr0, libxcb-xkb1, libx11-xcb1
Recommends: kamailio, kamailio-presence-modules, kamailio-sqlite-modules, gnome-keyring | kwalletmanager
Description: 12368 litigation-service hotline desk (softphone and wallboard)
 One Qt desktop for court hotline seats and consulting judges: an embedded
 SIP softphone (pjsua2), seat states as SIP presence, the live wallboard.
 Kamailio is only needed for the built-in demo and "hotline12368 --self-test".
 IT presets and locks settings in /etc/hotline12368/site.json.
CTRL
cat > "$STAGE/DEBIAN/postinst" <<'POST'
#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
fi
exit 0
POST
cp "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/postrm"
sed -i 's/"\$1" = "configure"/"$1" = "remove" -o "$1" = "purge"/' "$STAGE/DEBIAN/postrm"
chmod 755 "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/postrm"

DEB="$OUT/${PKG}_${VERSION}_${ARCH}.deb"
t0=$(date +%s)
# zstd (dpkg >= 1.21.18, Debian 12): near xz size at a fraction of its time on 2 cores.
# Set DEB_COMPRESS="-Zxz -z6" for older dpkg.
dpkg-deb --root-owner-group ${DEB_COMPRESS:--Zzstd -z9} --build "$STAGE" "$DEB" >&2
echo "build_deb: $(du -h "$DEB" | cut -f1) package, bundle $(( SIZE_KB / 1024 )) MB installed, dpkg-deb $(( $(date +%s) - t0 )) s" >&2
echo "$DEB"

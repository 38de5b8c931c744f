#!/usr/bin/env bash
# Shared set-up for the README's two commands: system packages (apt), a virtual
# environment in .venv, and the project installed into it. Idempotent and quiet
# when everything is already there. Sourced by scripts/run and scripts/test.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APT_PACKAGES=(
  python3 python3-venv
  kamailio kamailio-presence-modules kamailio-sqlite-modules kamailio-extra-modules
  sip-tester rtpengine-daemon espeak-ng
  postgresql libnet-smpp-perl poppler-utils
  libportaudio2 pipewire pipewire-pulse pipewire-alsa wireplumber dbus pulseaudio-utils libasound2-plugins
  fonts-noto-cjk
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xkb1
  xvfb
)

need_apt=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$p")
  done
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "bootstrap: installing system packages: ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # Debian's packaged Kamailio service would listen on 5060 on every interface: keep it stopped.
  (systemctl disable --now kamailio >/dev/null 2>&1 || service kamailio stop >/dev/null 2>&1 || true)
  # Nor the packaged PostgreSQL cluster: tests start their own on loopback.
  (systemctl disable --now postgresql >/dev/null 2>&1 || service postgresql stop >/dev/null 2>&1 || true)
  # Nor Debian's rtpengine service: the launcher starts its own beside Kamailio.
  (systemctl disable --now rtpengine-daemon >/dev/null 2>&1 || service rtpengine-daemon stop >/dev/null 2>&1 || true)
fi

# Pick a Python the pinned wheels exist for (3.11 or 3.12).
PY=""
for cand in python3.11 python3.12 python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; assert (3,11) <= sys.version_info[:2] <= (3,12)' 2>/dev/null; then
    PY="$(command -v "$cand")"; break
  fi
done
[ -n "$PY" ] || { echo "bootstrap: no Python 3.11 or 3.12 found" >&2; exit 1; }

VENV="$ROOT/.venv"
STAMP="$VENV/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
if [ ! -f "$STAMP" ]; then
  echo "bootstrap: installing Python packages into .venv" >&2
  "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
  "$VENV/bin/python" -m pip install -q -e ".[test,build]"
  rm -f "$VENV"/.installed-*
  touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
export QT_API=pyside6
export PYQTGRAPH_QT_LIB=PySide6

#!/usr/bin/env bash
# Installs everything AuthWatch needs to build and test on Debian 12 (apt only).
# Called by both README commands and by .ci/run. Idempotent: already-installed packages are skipped.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-log-dev libboost-program-options-dev
  libsqlitecpp-dev libsqlite3-dev sqlite3 nlohmann-json3-dev libgtest-dev libgmock-dev
  libpugixml-dev libcli11-dev libevtx-dev libevtx-utils
  python3
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

#!/usr/bin/env bash
# Installs what the Windows cross build needs on Debian 12 (apt only): MinGW-w64 (posix threads),
# Wine to run the tests, wixl/msitools for the MSI, and what building the dependency prefix from
# Debian's source packages takes (dpkg-dev for apt-get source, bison for Boost's jam parser).
# Declares deb-src from the machine's own apt entry (no mirror is named here). Idempotent.
set -euo pipefail
PKGS=(
  g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 mingw-w64-tools
  wine wine64 wixl msitools
  cmake ninja-build bison dpkg-dev python3
)
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
need_update=0
# Source packages (Boost, SQLiteCpp, nlohmann_json, pugixml, CLI11): the existing deb entry, as deb-src.
if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      $SUDO tee /etc/apt/sources.list.d/authwatch-deb-src.sources >/dev/null
  elif [ -f /etc/apt/sources.list ]; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list | $SUDO tee /etc/apt/sources.list.d/authwatch-deb-src.list >/dev/null
  else
    echo "install-windows-deps: no apt source entry to derive deb-src from" >&2; exit 1
  fi
  need_update=1
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] || [ $need_update = 1 ]; then
  $SUDO apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-windows-deps: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

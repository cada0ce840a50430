#!/usr/bin/env bash
# Installs everything AuthWatch needs to build and test on Debian 12 (apt only).
# Called by both README commands and by .ci/run. Idempotent: already-installed packages are skipped.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-log-dev libboost-program-options-dev libboost-filesystem-dev
  libsqlitecpp-dev libsqlite3-dev sqlite3 nlohmann-json3-dev libgtest-dev libgmock-dev
  libpugixml-dev libcli11-dev libevtx-dev libevtx-utils
  # clang 14 with its ASan/UBSan and libFuzzer runtimes: the sanitizer stage (scripts/test-sanitizers.sh)
  clang-14 libclang-rt-14-dev
  python3 iproute2 util-linux
  krb5-kdc krb5-admin-server chrony faketime
  prometheus chromium
  samba samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind krb5-user ldap-utils dnsutils smbclient ldb-tools nftables libsasl2-modules-gssapi-mit krb5-gss-samples libldap2-dev libsasl2-dev libkrb5-dev
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "install-deps: installing ${missing[*]}" >&2
  # Packages like chrony, samba, krb5-kdc and prometheus start their daemons on install; the tests start their own
  # (in namespaces, on loopback), and a stock chrony would reach out to public NTP pools. Forbid
  # service starts while installing unless the machine already does (Docker images ship this file).
  cleanup=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    cleanup="/usr/sbin/policy-rc.d"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -z "$cleanup" ] || $SUDO rm -f "$cleanup"
fi

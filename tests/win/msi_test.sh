#!/usr/bin/env bash
# AuthWatch.msi under Wine (run by ctest in scripts/test-windows.sh's Wine prefix): `msiexec /i /qn`
# installs authwatch.exe in Program Files and authwatch.json in ProgramData, the installed exe runs
# and its `authwatch config` is the shipped authwatch.json; `msiexec /x /qn` then leaves nothing
# of either behind. usage: msi_test.sh AUTHWATCH_MSI SHIPPED_CONFIG
set -euo pipefail
MSI=$1 SHIPPED=$2
: "${WINEPREFIX:?run through scripts/test-windows.sh (a Wine prefix of the build)}"
BIN="$WINEPREFIX/drive_c/Program Files/AuthWatch"
DATA="$WINEPREFIX/drive_c/ProgramData/AuthWatch"
fail() { echo "msi_test: $*" >&2; exit 1; }
for d in "$BIN" "$DATA"; do [ ! -e "$d" ] || fail "$d exists before the install (a previous run not uninstalled?)"; done

MSI_W=$(winepath -w "$MSI")
# Whatever fails below, the prefix is left without the product (the next run starts clean).
trap 'wine msiexec /x "$MSI_W" /qn </dev/null >/dev/null 2>&1 || true' EXIT
wine msiexec /i "$MSI_W" /qn </dev/null || fail "msiexec /i exited $?"
[ -f "$BIN/authwatch.exe" ] || fail "no $BIN/authwatch.exe after the install"
[ -f "$DATA/authwatch.json" ] || fail "no $DATA/authwatch.json after the install"
cmp -s "$DATA/authwatch.json" "$SHIPPED" || fail "the installed authwatch.json differs from $SHIPPED"
# The installed exe runs, and the shipped configuration is its default one.
printed=$(wine 'C:\Program Files\AuthWatch\authwatch.exe' config </dev/null | tr -d '\r')
[ "$printed" = "$(cat "$SHIPPED")" ] || fail "authwatch config differs from the shipped authwatch.json:
$printed"
echo "installed: $BIN/authwatch.exe, $DATA/authwatch.json; authwatch config = the shipped file"

wine msiexec /x "$MSI_W" /qn </dev/null || fail "msiexec /x exited $?"
trap - EXIT
for d in "$BIN" "$DATA"; do [ ! -e "$d" ] || fail "$d is still there after the uninstall: $(ls -A "$d")"; done
echo "uninstalled: nothing left in Program Files\\AuthWatch or ProgramData\\AuthWatch"

#!/usr/bin/env bash
# The MSI under Wine (run by ctest in scripts/test-windows.sh's Wine prefix, whose persistent
# wineserver keeps services alive between commands). `msiexec /i /qn` installs both exes in
# Program Files, authwatch.json in ProgramData (the installed exe's `authwatch config` is that
# file), the AuthWatch service (automatic, `--config` that file, started: its heartbeat shows in
# `authwatch status`) and the event source; `msiexec /x /qn` stops and removes the service and
# leaves no file, service key or event source key behind. The database the service created stays
# (history is the administrator's data, as the .wxs says) and is all that stays.
# usage: msi_test.sh AUTHWATCH_MSI SHIPPED_CONFIG
set -euo pipefail
MSI=$1 SHIPPED=$2
: "${WINEPREFIX:?run through scripts/test-windows.sh (a Wine prefix of the build)}"
BIN="$WINEPREFIX/drive_c/Program Files/AuthWatch"
DATA="$WINEPREFIX/drive_c/ProgramData/AuthWatch"
SERVICE_KEY='HKLM\SYSTEM\CurrentControlSet\Services\AuthWatch'
SOURCE_KEY='HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\AuthWatch'
fail() { echo "msi_test: $*" >&2; exit 1; }
has_key() { wine reg query "$1" </dev/null >/dev/null 2>&1; }
for d in "$BIN" "$DATA"; do [ ! -e "$d" ] || fail "$d exists before the install (a previous run not uninstalled?)"; done
has_key "$SERVICE_KEY" && fail "an AuthWatch service is installed before the test"

MSI_W=$(winepath -w "$MSI")
# Whatever fails below, the prefix is left without the product (the next run starts clean).
trap 'wine msiexec /x "$MSI_W" /qn </dev/null >/dev/null 2>&1 || true; rm -rf "$DATA"' EXIT
wine msiexec /i "$MSI_W" /qn </dev/null || fail "msiexec /i exited $?"
for f in "$BIN/authwatch.exe" "$BIN/authwatch-service.exe" "$DATA/authwatch.json"; do
  [ -f "$f" ] || fail "no $f after the install"
done
cmp -s "$DATA/authwatch.json" "$SHIPPED" || fail "the installed authwatch.json differs from $SHIPPED"
# The installed exe runs, and the shipped configuration is its default one.
printed=$(wine 'C:\Program Files\AuthWatch\authwatch.exe' config </dev/null | tr -d '\r')
[ "$printed" = "$(cat "$SHIPPED")" ] || fail "authwatch config differs from the shipped authwatch.json:
$printed"
echo "installed: authwatch.exe, authwatch-service.exe, $DATA/authwatch.json; authwatch config = the shipped file"

# The service: registered as the MSI says, started by it, running the monitor.
image=$(wine reg query "$SERVICE_KEY" /v ImagePath </dev/null | tr -d '\r') || fail "no service key after the install"
[[ "$image" == *'Program Files\AuthWatch\authwatch-service.exe'*'--config'*'ProgramData\AuthWatch\authwatch.json'* ]] ||
  fail "the service's command line is not the installed exe with the installed config: $image"
wine reg query "$SERVICE_KEY" /v Start </dev/null | grep -q '0x2' || fail "the service does not start automatically"
wine reg query "$SOURCE_KEY" /v EventMessageFile </dev/null | tr -d '\r' | grep -q 'Program Files\\AuthWatch\\authwatch-service.exe' ||
  fail "the event source does not name the installed service exe"
wine reg query "$SOURCE_KEY" /v TypesSupported </dev/null | grep -q '0x7' || fail "TypesSupported is not 7"
state=""
for _ in $(seq 1 100); do
  state=$(wine 'C:\Program Files\AuthWatch\authwatch.exe' status --format json </dev/null 2>/dev/null | tr -d '\r' |
          python3 -c 'import json,sys; print(json.load(sys.stdin)["monitor"]["state"])' 2>/dev/null || true)
  [ "$state" = running ] && break
  sleep 0.2
done
[ "$state" = running ] || fail "the installed service is not running (authwatch status: '$state')"
echo "service: installed, started, running (authwatch status)"

wine msiexec /x "$MSI_W" /qn </dev/null || fail "msiexec /x exited $?"
[ ! -e "$BIN" ] || fail "$BIN is still there after the uninstall: $(ls -A "$BIN")"
has_key "$SERVICE_KEY" && fail "the service key is still there after the uninstall"
has_key "$SOURCE_KEY" && fail "the event source key is still there after the uninstall"
if [ -d "$DATA" ]; then
  left=$(cd "$DATA" && ls -A | grep -vE '^authwatch\.db(-wal|-shm|\.lock|-queue\.json)?$' || true)
  [ -z "$left" ] || fail "left in $DATA besides the database: $left"
fi
trap - EXIT
rm -rf "$DATA"
echo "uninstalled: no files, no service, no event source; only the database the service wrote stays in ProgramData"

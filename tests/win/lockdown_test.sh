#!/usr/bin/env bash
# The lock-down of authwatch-service under Wine (run by ctest in scripts/test-windows.sh's Wine
# prefix). Wine keeps no Windows ACL on a file: it makes each file's descriptor from its Unix owner
# and mode (the owner: this Wine user, or ANONYMOUS LOGON S-1-5-7 for another Unix account; the
# "other" bits: an ACE for Everyone). So a folder or file that others may write is made here with
# chmod, and one owned by someone else with chown (root only: skipped, and said, otherwise).
#   - `install` refuses an exe whose folder, or which itself, Everyone may write, naming the folder or
#     file and who, and registers nothing;
#   - the service refuses a config file that Everyone may write or someone else owns, naming it,
#     and takes its own.
# usage: lockdown_test.sh AUTHWATCH_SERVICE_EXE
set -euo pipefail
EXE=$1
: "${WINEPREFIX:?run through scripts/test-windows.sh (a Wine prefix of the build)}"
WORK=$(mktemp -d /tmp/authwatch-lockdown-test.XXXXXX)
SERVICE_KEY='HKLM\SYSTEM\CurrentControlSet\Services\AuthWatch'
fail() { echo "lockdown_test: $*" >&2; exit 1; }
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
has_key() { wine reg query "$1" </dev/null >/dev/null 2>&1; }
# Runs wine, prints its output (stdout and stderr, no CRs) and leaves its exit code in $rc.
run() { rc=0; out=$(wine "$@" </dev/null 2>&1 | tr -d '\r'; exit "${PIPESTATUS[0]}") || rc=$?; }
has_key "$SERVICE_KEY" && fail "an AuthWatch service is installed before the test"
DATA="$WINEPREFIX/drive_c/ProgramData/AuthWatch"
had_data=0; [ ! -e "$DATA" ] || had_data=1

# 1. An exe in a folder Everyone may write: refused before anything is registered.
mkdir "$WORK/open"
cp "$EXE" "$WORK/open/authwatch-service.exe"
chmod 0777 "$WORK/open"
run "$(winepath -w "$WORK/open/authwatch-service.exe")" install
[ "$rc" = 3 ] || fail "install from a folder Everyone may write exited $rc, not 3: $out"
folder_w=$(winepath -w "$WORK/open")
[[ "$out" == *"refusing to register"*"its folder $folder_w: "*"Everyone"*"may create files, create folders"* ]] ||
  fail "install did not name the folder and who may write it: $out"
has_key "$SERVICE_KEY" && fail "a refused install registered the service"
echo "refused: $out"

# 2. The folder is the administrators' but the exe itself is writable by Everyone.
chmod 0755 "$WORK/open"
chmod 0777 "$WORK/open/authwatch-service.exe"
run "$(winepath -w "$WORK/open/authwatch-service.exe")" install
[ "$rc" = 3 ] || fail "install of an exe Everyone may write exited $rc, not 3: $out"
[[ "$out" == *"the program file $folder_w\\authwatch-service.exe: "*"Everyone"*"may write"* ]] || fail "install did not name the exe: $out"
has_key "$SERVICE_KEY" && fail "a refused install registered the service"
echo "refused: $out"

# 3. The config file: its own is taken (then nothing to watch: exit 2), one Everyone may write is refused.
# --db in the work folder: without it the service's first start makes %ProgramData%\AuthWatch,
# which the MSI test expects not to find.
CONFIG=$WORK/authwatch.json
DB_W=$(winepath -w "$WORK/authwatch.db")
echo '{"queue": {"enabled": false}}' >"$CONFIG"
chmod 0644 "$CONFIG"
run "$EXE" --console --db "$DB_W" --config "$(winepath -w "$CONFIG")"
[ "$rc" = 2 ] && [[ "$out" == *"nothing to watch"* ]] || fail "the service did not take its own config (exit $rc): $out"
chmod 0666 "$CONFIG"
run "$EXE" --console --db "$DB_W" --config "$(winepath -w "$CONFIG")"
[ "$rc" = 1 ] || fail "a config Everyone may write was not refused (exit $rc): $out"
[[ "$out" == *"$(winepath -w "$CONFIG"): refused: Everyone"*"may write"* ]] || fail "the refusal does not name the file and who: $out"
echo "refused: $out"

if [ "$(id -u)" = 0 ]; then
  chmod 0644 "$CONFIG"
  chown nobody "$CONFIG"
  run "$EXE" --console --db "$DB_W" --config "$(winepath -w "$CONFIG")"
  [ "$rc" = 1 ] || fail "a config someone else owns was not refused (exit $rc): $out"
  [[ "$out" == *"refused: it is owned by"*"S-1-5-7"* ]] || fail "the refusal does not name the owner: $out"
  echo "refused: $out"
else
  echo "lockdown_test: not root: the config owned by another account (chown) is not tried"
fi
[ "$had_data" = 1 ] || [ ! -e "$DATA" ] || fail "the test left %ProgramData%\\AuthWatch behind"
echo "lockdown: an exe others may change is not registered; a config others may change is refused"

#!/usr/bin/env bash
# authwatch-service as a Windows service under Wine's Service Control Manager (run by ctest in
# scripts/test-windows.sh's Wine prefix, whose persistent wineserver keeps services alive between
# commands): `install` registers the service and the event source and locks the data folder (what
# Wine shows of it: see below), `start` brings it to RUNNING
# and the monitor's heartbeat shows in `authwatch status`, an exported failure dropped into its
# folder opens an incident while it runs, `stop` ends it cleanly (status: stopped), `uninstall`
# leaves no registry key behind. usage: service_test.sh AUTHWATCH_SERVICE_EXE AUTHWATCH_EXE
set -euo pipefail
SERVICE=$(winepath -w "$1") CLI=$(winepath -w "$2")
: "${WINEPREFIX:?run through scripts/test-windows.sh (a Wine prefix of the build)}"
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/authwatch-service-test.XXXXXX)
SERVICE_KEY='HKLM\SYSTEM\CurrentControlSet\Services\AuthWatch'
SOURCE_KEY='HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\AuthWatch'
fail() { echo "service_test: $*" >&2; exit 1; }
w() { wine "$@" </dev/null 2>&1 | tr -d '\r'; }
DATA="$WINEPREFIX/drive_c/ProgramData/AuthWatch"
cleanup() { wine "$SERVICE" uninstall </dev/null >/dev/null 2>&1 || true; rm -rf "$WORK" "$DATA"; }
trap cleanup EXIT

mkdir -p "$WORK/drop"
DB=$(winepath -w "$WORK/authwatch.db") DROP=$(winepath -w "$WORK/drop")
python3 -c 'import json,sys; print(json.dumps({"database": {"path": sys.argv[1]}, "monitor": {"drop_dirs": [sys.argv[2]], "poll_ms": 100}, "queue": {"enabled": False}}))' \
  "$DB" "$DROP" >"$WORK/authwatch.json"
CONFIG=$(winepath -w "$WORK/authwatch.json")
status() { wine "$CLI" status --db "$DB" --format json </dev/null 2>/dev/null | tr -d '\r'; }
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

if wine reg query "$SERVICE_KEY" </dev/null >/dev/null 2>&1; then fail "an AuthWatch service is installed before the test"; fi
# install locks %ProgramData%\AuthWatch (service/win/data_folder.hpp). Wine keeps no ACL, so it says
# the one it set was not kept; and it names what was in the folder before that others may change:
# made here as a user could have, with the Unix owner and mode Wine turns into descriptors.
[ ! -e "$DATA" ] || fail "$DATA exists before the test (a previous run not cleaned up?)"
mkdir -p "$DATA"
touch "$DATA/authwatch.db-wal" "$DATA/authwatch.db.lock"
chmod 0666 "$DATA/authwatch.db-wal"
if [ "$(id -u)" = 0 ]; then chown nobody "$DATA/authwatch.db.lock"; fi
out=$(w "$SERVICE" install --config "$CONFIG") || fail "install failed: $out"
echo "$out"
[[ "$out" == *"warning: "*"ProgramData\AuthWatch: the permissions read back are"*"not the O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA) set: this file system does not keep Windows ACLs"* ]] ||
  fail "install did not say that the data folder's ACL was not kept (Wine)"
[[ "$out" == *"warning: "*"ProgramData\AuthWatch\authwatch.db-wal: Everyone"*"may write"*"made before the folder was locked"* ]] ||
  fail "install did not name the -wal others may write"
if [ "$(id -u)" = 0 ]; then
  [[ "$out" == *"warning: "*"ProgramData\AuthWatch\authwatch.db.lock: it is owned by"*"S-1-5-7"* ]] || fail "install did not name the .lock someone else owns"
fi
image=$(w reg query "$SERVICE_KEY" /v ImagePath) || fail "no service key after install"
[[ "$image" == *"authwatch-service.exe"*"--config"*"authwatch.json"* ]] || fail "ImagePath is not the exe with --config: $image"
w reg query "$SERVICE_KEY" /v Start | grep -q '0x2' || fail "the service does not start automatically"
w reg query "$SERVICE_KEY" /v Description | grep -q 'Exchange authentication' || fail "no description"
w reg query "$SOURCE_KEY" /v EventMessageFile | grep -q 'authwatch-service.exe' || fail "the event source does not name the exe as its message file"
w reg query "$SOURCE_KEY" /v TypesSupported | grep -q '0x7' || fail "TypesSupported is not 7"

out=$(w "$SERVICE" start --timeout 60) || fail "start failed: $out"
running=""
for _ in $(seq 1 100); do
  running=$(status | field 'd["monitor"]["state"]' 2>/dev/null || true)
  [ "$running" = running ] && break
  sleep 0.1
done
[ "$running" = running ] || fail "authwatch status does not show the service running: $(status)"
echo "started: $(status | field 'd["monitor"]')"

# While it runs, an export of events 1035 (wevtutil) dropped into its folder opens incidents.
cp "$HERE/../data/scenario/ex2-application-wevtutil.xml" "$WORK/drop/"
opened=0
for _ in $(seq 1 100); do
  opened=$(wine "$CLI" incidents --status all --db "$DB" --format json </dev/null 2>/dev/null | tr -d '\r' | field 'len(d)' 2>/dev/null || echo 0)
  [ "$opened" -gt 0 ] && break
  sleep 0.1
done
[ "$opened" -gt 0 ] || fail "no incident from the dropped export while the service runs"
echo "incidents while running: $opened"

out=$(w "$SERVICE" stop --timeout 60) || fail "stop failed: $out"
state=$(status | field 'd["monitor"]["state"]')
[ "$state" = stopped ] || fail "after stop, authwatch status says '$state', not stopped (no clean drain?)"
echo "stopped cleanly"

out=$(w "$SERVICE" uninstall) || fail "uninstall failed: $out"
if wine reg query "$SERVICE_KEY" </dev/null >/dev/null 2>&1; then fail "the service key is still there after uninstall"; fi
if wine reg query "$SOURCE_KEY" </dev/null >/dev/null 2>&1; then fail "the event source key is still there after uninstall"; fi
echo "uninstalled: no service key, no event source key"

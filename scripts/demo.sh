#!/usr/bin/env bash
# The demo (README): builds AuthWatch, then triages the bundled logs offline — an Exchange event
# export, SMTP send/receive protocol logs, a Get-Queue snapshot, real .evtx files and a real
# protocol-log excerpt — into a fresh database, and shows what an administrator would see.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh authwatch >/dev/null  # only the CLI: the test suites are not needed to show anything
BUILD_DIR=${AUTHWATCH_BUILD_DIR:-build}
AW="$BUILD_DIR/cli/authwatch"
DB="$BUILD_DIR/demo/authwatch-demo.db"
rm -rf "$BUILD_DIR/demo"; mkdir -p "$BUILD_DIR/demo"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@" || true; }

# The inputs (tests/report/report_browser_test.py screenshots the report of the same ones): the
# scenario, real .evtx files, a real receive-log excerpt, and a queue whose error names its cause.
INPUTS=(tests/data/scenario tests/data/evtx tests/data/exchange/RECV2023011116-1.LOG tests/data/realworld/queue-transport-cert-2013-wrapper.json)
step "$AW" --db "$DB" scan "${INPUTS[@]}"
step "$AW" --db "$DB" incidents
# One outage between EX1 and EX2, seen from both sides: one link, seen by both servers.
step "$AW" --db "$DB" links
# The outbound one: its evidence includes the Kerberos errors from EX1's System log.
outbound=$("$AW" --db "$DB" incidents --format json | python3 -c 'import json,sys; print(min(i["id"] for i in json.load(sys.stdin) if i["direction"]=="outbound" and i["peer"]=="10.0.0.2"))')
step "$AW" --db "$DB" show "$outbound"
step "$AW" --db "$DB" history --peer 192.0.2.44
echo; echo "A second scan of the same files adds nothing:"
step "$AW" --db "$DB" --quiet scan "${INPUTS[@]}"
REPORT="$BUILD_DIR/demo/authwatch-report.html"
step "$AW" --db "$DB" report --output "$REPORT"
echo; echo "The HTML report (one file, no scripts; open it in a browser or print it): $(realpath "$REPORT")"
echo; echo "Database: $DB  (try: $AW --db $DB --help)"

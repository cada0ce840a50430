#!/usr/bin/env bash
# The scan throughput benchmarks (method and latest figures: bench/README.md). Builds if needed,
# generates BENCH_MB MiB of SMTP Receive protocol logs (default 177.4 MiB = 186 MB, 1.2 M lines:
# issue 15's case), BENCH_EVTX_COPIES copies of
# the real .evtx files (default 1) and a BENCH_EVTX_MB MiB Exchange-like Application.evtx
# (default 100, bench/gen_evtx.py; BENCH_EVTX=0: no .evtx cases) in a temporary folder, measures AuthWatch against its
# baselines (median of 3; python-evtx once) and prints markdown tables. Exits non-zero when a run
# fails or counts disagree.
set -euo pipefail
cd "$(dirname "$0")/.."

MB=${BENCH_MB:-177.4}
EVTX=${BENCH_EVTX:-1}
COPIES=${BENCH_EVTX_COPIES:-1}
EVTX_MB=${BENCH_EVTX_MB:-100}
BUILD_DIR=${AUTHWATCH_BUILD_DIR:-build}
# AUTHWATCH_BIN: measure this binary as it is (no build), e.g. one built outside the tree's build dir.
AUTHWATCH=${AUTHWATCH_BIN:-$BUILD_DIR/cli/authwatch}

install_package() {  # $1 package; only when its tool is missing
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "bench: installing $1 (apt)" >&2
  $sudo apt-get install -y --no-install-recommends "$1" >/dev/null
}
/usr/bin/time --version >/dev/null 2>&1 || install_package time
command -v evtxexport >/dev/null || install_package libevtx-utils
[ -x /usr/bin/evtx_dump.py ] || install_package python3-evtx  # python-evtx, a baseline

if [ -n "${AUTHWATCH_BIN:-}" ]; then
  [ -x "$AUTHWATCH" ] || { echo "bench: AUTHWATCH_BIN=$AUTHWATCH is not an executable file" >&2; exit 2; }
elif [ ! -x "$AUTHWATCH" ]; then
  ./scripts/build.sh >/dev/null
elif ! cmake --build "$BUILD_DIR" --target authwatch >"${TMPDIR:-/tmp}/authwatch-bench-build.log" 2>&1; then
  # Only the CLI and what it links are rebuilt: a half-edited test elsewhere must not stop the bench.
  echo "bench: WARNING: rebuilding authwatch failed (${TMPDIR:-/tmp}/authwatch-bench-build.log);" \
       "measuring the existing binary built $(date -u -r "$AUTHWATCH" +%Y-%m-%dT%H:%M:%SZ)" >&2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/authwatch-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "## AuthWatch scan benchmarks"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo)"
echo "- authwatch: $("$AUTHWATCH" --version 2>&1 | head -1) (binary built $(date -u -r "$AUTHWATCH" +%Y-%m-%dT%H:%M:%SZ)); $(evtxexport -V 2>&1 | head -1); $(grep --version | head -1); Python $(python3 -c 'import platform; print(platform.python_version())')"
echo "- python-evtx: $(dpkg-query -W -f '${Version}' python3-evtx 2>/dev/null) (Debian python3-evtx, /usr/bin/evtx_dump.py)"
echo "- command: ${AUTHWATCH_BIN:+AUTHWATCH_BIN=$AUTHWATCH_BIN }BENCH_MB=$MB BENCH_EVTX=$EVTX BENCH_EVTX_COPIES=$COPIES BENCH_EVTX_MB=$EVTX_MB bench/run.sh"
echo

python3 bench/gen_protocol_log.py --mb "$MB" --out "$WORK/plog" >"$WORK/manifest.json"
python3 bench/scan_bench.py --authwatch "$AUTHWATCH" --plog "$WORK/plog" --manifest "$WORK/manifest.json" \
  --evtx-source tests/data/evtx --evtx-copies "$COPIES" --evtx-mb "$EVTX_MB" --reps 3 --work "$WORK" \
  $([ "$EVTX" = 0 ] && echo --no-evtx)

#!/usr/bin/env bash
# Issue 12 part 7: kill -9 at scale. Runs tests/service/crash_test.cpp's trial N times in a row
# (default 100): each trial writes 3000 protocol-log sessions across a rollover while the real
# authwatch-service is killed with SIGKILL every 50-300 ms and restarted, then compares its
# database with an offline `authwatch scan` of the same files. Prints one line per trial and the
# totals; exits non-zero when any record was lost or stored twice. Figures: bench/README.md.
#   bench/crash_trials.sh [TRIALS]     (after ./scripts/build.sh; BUILD_DIR overrides build/)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
TRIALS=${1:-100}
bin="$BUILD_DIR/tests/service/authwatch_service_crash_tests"
[ -x "$bin" ] || { echo "crash_trials: $bin not built (run ./scripts/build.sh)" >&2; exit 2; }
start=$(date +%s)
AUTHWATCH_CRASH_TRIALS=$TRIALS nice "$bin" --gtest_filter='ServiceCrash.*' --gtest_brief=1
echo "crash_trials: $TRIALS trial(s) in $(( $(date +%s) - start )) s"

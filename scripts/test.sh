#!/usr/bin/env bash
# The test command (README and .ci/run): installs dependencies (apt), builds and runs every test —
# the Linux build with ctest (the Samba lab as root), the sanitizer stage (scripts/test-sanitizers.sh:
# the unit suites under ASan+UBSan, every fuzz target for 10 s), then the Windows cross build
# (MinGW-w64) with its tests under Wine and the MSI (scripts/test-windows.sh).
#   AUTHWATCH_TESTS=linux    only the Linux build and tests, with the sanitizer stage
#   AUTHWATCH_TESTS=windows  only the Windows build and tests
#   AUTHWATCH_SANITIZERS=0   without the sanitizer stage (a quick local run)
# Extra arguments go to the Linux ctest (e.g. -R Monitor).
#
# Why the order: the MinGW dependency prefix (Boost.Log with b2 is the long part; cached in
# /var/cache/authwatch-mingw after the first run) is built in the background at the lowest CPU
# priority while the Linux build and tests run. The lab tests mostly wait on the network, so the
# prefix is mostly built from cycles nobody else wants, and a fresh machine stays under 30 minutes.
# The sanitizer stage comes after the Linux tests, not beside them: its compiles would starve the
# lab tests' deadlines. It runs while the prefix is still building (which then waits for it).
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${AUTHWATCH_TESTS:-all}
case "$WHAT" in all|linux|windows) ;; *) echo "test.sh: AUTHWATCH_TESTS must be all, linux or windows" >&2; exit 2 ;; esac
started=$SECONDS
stage() { echo "== test.sh: $* ($((SECONDS - started)) s)" >&2; }

deps_pid=""
deps_log=$(mktemp /tmp/authwatch-windows-deps.XXXXXX.log)
cleanup() {
  if [ -n "$deps_pid" ] && kill -0 "$deps_pid" 2>/dev/null; then kill -- -"$deps_pid" 2>/dev/null || kill "$deps_pid" 2>/dev/null || true; fi
  rm -f "$deps_log"
}
trap cleanup EXIT

./scripts/install-deps.sh
if [ "$WHAT" != linux ]; then
  ./scripts/install-windows-deps.sh
  stage "building the MinGW dependency prefix in the background (nice 19; log $deps_log)"
  set -m  # its own process group, so cleanup can stop all of it
  nice -n 19 ./scripts/build-windows-deps.sh >"$deps_log" 2>&1 &
  deps_pid=$!
  set +m
fi

linux_status=0
sanitizer_status=skipped
if [ "$WHAT" != windows ]; then
  stage "Linux build"
  ./scripts/build.sh
  stage "Linux tests"
  (cd "${AUTHWATCH_BUILD_DIR:-build}" && ctest --output-on-failure -j"$(nproc)" "$@") || linux_status=$?
  if [ "${AUTHWATCH_SANITIZERS:-1}" != 0 ]; then
    stage "sanitizers: unit suites under ASan+UBSan, then the fuzz targets (scripts/test-sanitizers.sh)"
    sanitizer_status=0
    # 10 s per target (test-sanitizers.sh's own default is 20): the stage cost CI 11 of its 50 minutes
    # on a fresh 2-core machine; the long runs are bench/fuzz.sh's.
    AUTHWATCH_FUZZ_SECONDS=${AUTHWATCH_FUZZ_SECONDS:-10} ./scripts/test-sanitizers.sh || sanitizer_status=$?
  fi
fi

windows_status=0
if [ "$WHAT" != linux ]; then
  stage "waiting for the MinGW dependency prefix"
  if ! wait "$deps_pid"; then
    deps_pid=""
    cat "$deps_log" >&2
    echo "test.sh: building the MinGW dependency prefix failed" >&2
    exit 1
  fi
  deps_pid=""
  stage "Windows build and tests under Wine"
  ./scripts/test-windows.sh || windows_status=$?
fi
stage "done: linux $([ "$WHAT" = windows ] && echo skipped || echo "exit $linux_status"), sanitizers $([ "$sanitizer_status" = skipped ] && echo skipped || echo "exit $sanitizer_status"), windows $([ "$WHAT" = linux ] && echo skipped || echo "exit $windows_status")"
[ "$linux_status" = 0 ] && { [ "$sanitizer_status" = 0 ] || [ "$sanitizer_status" = skipped ]; } && [ "$windows_status" = 0 ]

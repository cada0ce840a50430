#!/usr/bin/env bash
# The sanitizer stage of CI (scripts/test.sh): builds the unit suites and the fuzz targets with
# clang 14 and ASan+UBSan (-O1) into build-asan/, runs the suites once, then every fuzz target for a
# short time from its seeds. One build serves both (cmake/sanitizers.cmake); ccache when present.
#   scripts/test-sanitizers.sh          everything
#   scripts/test-sanitizers.sh build    configure and build only (bench/fuzz.sh uses this build)
#   scripts/test-sanitizers.sh tests    build, then the unit suites only
#   scripts/test-sanitizers.sh fuzz     build, then the fuzz targets only
# Environment:
#   AUTHWATCH_FUZZ_SECONDS   how long each fuzz target runs (default 20)
#   AUTHWATCH_SANITIZER_SUITES  ctest labels (test folders) of the suites (default: every folder with
#                            unit suites, core|sources|storage|app|pipeline|cli|service); their lab
#                            tests stay out (-LE lab). probes' unit tests share a suite with its lab
#                            tests, so the probe parsers are covered by their fuzz targets here
# A fuzz finding fails the stage; its input is kept in build-asan/fuzz-findings/<target>/ and the
# command that reproduces it is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-all}
case "$WHAT" in all|build|tests|fuzz) ;; *) echo "usage: $0 [all|build|tests|fuzz]" >&2; exit 2 ;; esac
BUILD_DIR=${AUTHWATCH_ASAN_BUILD_DIR:-build-asan}
SECONDS_PER_TARGET=${AUTHWATCH_FUZZ_SECONDS:-20}
SUITES=${AUTHWATCH_SANITIZER_SUITES:-core|sources|storage|app|pipeline|cli|service}
JOBS=$(nproc)

for tool in clang++-14; do
  command -v "$tool" >/dev/null || { echo "test-sanitizers: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

# --- build -----------------------------------------------------------------------------------
LAUNCHER=()
if command -v ccache >/dev/null; then LAUNCHER=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  # -O1: the usual sanitizer/fuzzing level, and a third less compile time than -O2 on a 2-core CI
  # machine; -g1 keeps line numbers in the reports.
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DAUTHWATCH_FUZZ=ON "${LAUNCHER[@]}" >/dev/null
fi
# The unit suites by their label (their folder under tests/): authwatch_<label>_unit_suites builds
# that folder's suites that need no lab (tests/CMakeLists.txt).
suite_targets=()
IFS='|' read -r -a labels <<<"$SUITES"
for label in "${labels[@]}"; do suite_targets+=("authwatch_${label}_unit_suites"); done
cmake --build "$BUILD_DIR" -j"$JOBS" --target "${suite_targets[@]}" authwatch_fuzzers
[ "$WHAT" = build ] && exit 0

status=0
# --- unit suites -----------------------------------------------------------------------------
if [ "$WHAT" = all ] || [ "$WHAT" = tests ]; then
  echo "== test-sanitizers: unit suites under ASan+UBSan (${SUITES})" >&2
  # Leaks and use after return are reported too; any report fails the test that caused it.
  (export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
   export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
   cd "$BUILD_DIR" && ctest --output-on-failure -j"$JOBS" -L "^(${SUITES})\$" -LE lab) || status=$?
fi

# --- fuzz targets ----------------------------------------------------------------------------
if [ "$WHAT" = all ] || [ "$WHAT" = fuzz ]; then
  echo "== test-sanitizers: fuzz targets, ${SECONDS_PER_TARGET} s each, ${JOBS} at a time" >&2
  seeds="$BUILD_DIR/fuzz-seeds"
  python3 fuzz/make_seeds.py "$seeds" >&2
  findings="$BUILD_DIR/fuzz-findings"
  logs="$BUILD_DIR/fuzz-logs"
  mkdir -p "$findings" "$logs"
  targets=()
  for binary in "$BUILD_DIR"/fuzz/fuzz_*; do targets+=("$(basename "$binary" | sed 's/^fuzz_//')"); done

  run_target() {  # run_target NAME: one target from its seeds (and its corpus from earlier runs)
    local name=$1 corpus="$BUILD_DIR/fuzz-corpus/$1" dict=()
    mkdir -p "$corpus" "$findings/$name"
    [ -f "$seeds/dict/$name.dict" ] && dict=(-dict="$seeds/dict/$name.dict")
    # -timeout: an input that takes 10 s is a hang; -rss_limit_mb: 2 GiB is an OOM.
    "$BUILD_DIR/fuzz/fuzz_$name" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$findings/$name/" "${dict[@]}" "$corpus" "$seeds/$name" \
      >"$logs/$name.log" 2>&1
  }
  failed=()
  running=()
  for name in "${targets[@]}"; do
    run_target "$name" &
    running+=("$!:$name")
    if [ "${#running[@]}" -ge "$JOBS" ]; then
      entry=${running[0]}; running=("${running[@]:1}")
      wait "${entry%%:*}" || failed+=("${entry#*:}")
    fi
  done
  for entry in "${running[@]}"; do wait "${entry%%:*}" || failed+=("${entry#*:}"); done
  for name in "${targets[@]}"; do
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$name.log")
    cov=$(grep -o 'cov: [0-9]*' "$logs/$name.log" | tail -1)
    echo "   fuzz_$name: ${runs:-?} runs, ${cov:-cov: ?}" >&2
  done
  if [ "${#failed[@]}" -gt 0 ]; then
    status=1
    for name in "${failed[@]}"; do
      echo "test-sanitizers: fuzz_$name found a problem ($logs/$name.log):" >&2
      grep -aE 'ERROR|fuzz check failed|runtime error|Test unit written|terminate' "$logs/$name.log" | head -5 >&2 || true
      echo "  reproduce: $BUILD_DIR/fuzz/fuzz_$name $findings/$name/<crash-file>" >&2
    done
  fi
fi
exit "$status"

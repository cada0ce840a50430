#!/usr/bin/env bash
# The first build's cost (bench/README.md "First build"): a fresh clone, no ccache, one step timed by
# GNU time (wall, user+sys CPU, peak RSS) with the load average sampled while it runs, because the
# machine is shared and wall time depends on what else runs; CPU time much less so.
#   bench/first_build.sh REPO COMMIT STEP [LABEL]
#     REPO    a repository to clone (a path works)
#     COMMIT  the commit to build (e.g. main's e9879ce for "before", the branch's HEAD for "after")
#     STEP    demo  ./scripts/build.sh authwatch  (configure + the demo's CLI only)
#             all   ./scripts/build.sh            (configure + everything, test suites included)
#             rest  ./scripts/build.sh after the demo step in the same clone (demo + rest = everything)
#             asan  ./scripts/test-sanitizers.sh build  (the sanitizer stage's clang build)
#     KEEP=1 keeps the clone (the demo step's clone is where `rest` continues).
# Prints one markdown table row; the clone (/tmp/first-build-LABEL-STEP) is removed afterwards.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 REPO COMMIT demo|all|asan [LABEL]" >&2; exit 2; }
REPO=$1 COMMIT=$2 STEP=$3 LABEL=${4:-$2}
case "$STEP" in
  demo) command=(./scripts/build.sh authwatch) ;;
  all|rest) command=(./scripts/build.sh) ;;
  asan) command=(./scripts/test-sanitizers.sh build) ;;
  *) echo "first_build: unknown step '$STEP'" >&2; exit 2 ;;
esac
CLONE=/tmp/first-build-$LABEL-$STEP
[ "$STEP" = rest ] && CLONE=/tmp/first-build-$LABEL-demo
if [ "$STEP" != rest ]; then
  rm -rf "$CLONE"
  git clone -q "$REPO" "$CLONE"
  git -C "$CLONE" checkout -q "$COMMIT"
fi
LOADS=$(mktemp)
TIMES=$(mktemp)
trap '[ -n "${KEEP:-}" ] || rm -rf "$CLONE"; rm -f "$LOADS" "$TIMES"; [ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null || true' EXIT
# The 1-minute load average every 15 s while the build runs (the build's own 2 jobs included).
(while true; do cut -d' ' -f1 /proc/loadavg >>"$LOADS"; sleep 15; done) &
sampler=$!
started=$(date -u +%H:%M:%SZ)
(cd "$CLONE" && CCACHE_DISABLE=1 /usr/bin/time -v -o "$TIMES" "${command[@]}" >"$CLONE-$STEP.log" 2>&1) || {
  echo "first_build: '${command[*]}' failed at $COMMIT; see $CLONE-$STEP.log" >&2; exit 1; }
kill "$sampler"; sampler=
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TIMES")
user=$(sed -n 's/.*User time (seconds): //p' "$TIMES")
sys=$(sed -n 's/.*System time (seconds): //p' "$TIMES")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TIMES")
steps=$(grep -o '^\[[0-9]*/[0-9]*\]' "$CLONE-$STEP.log" | tail -1 | sed 's/.*\///; s/\]//')
load=$(sort -n "$LOADS" | awk '{a[NR]=$1} END {printf "%.1f-%.1f (median %.1f)", a[1], a[NR], a[int((NR+1)/2)]}')
cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.0f", u + s}')
# label | step | started | wall | CPU user+sys (s) | peak RSS of one compiler (MiB) | build steps | load
printf '| %s | %s | %s | %s | %s | %d | %s | %s |\n' "$LABEL" "$STEP" "$started" "$wall" "$cpu" \
  "$((rss / 1024))" "${steps:-?}" "$load"

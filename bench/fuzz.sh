#!/usr/bin/env bash
# Long fuzzing runs: bench/fuzz.sh [SECONDS] [TARGET...]
# Runs each fuzz target (all by default) for SECONDS (default 3600) from its seeds and the corpus
# earlier runs grew (build-asan/fuzz-corpus/<target>, kept), one after the other at nice 19, with
# FUZZ_JOBS libFuzzer jobs each (default 1). Records per target: executions, executions/s, edge
# coverage and features at the end, corpus size, peak RSS, and findings (crash, hang at -timeout,
# OOM at -rss_limit_mb, leak), each finding's input kept in build-asan/fuzz-findings/<target>/.
# The figures of the latest run of every target go to build-asan/fuzz-results/<target>.tsv and
# into the "Fuzzing" section of bench/README.md (between its fuzz-table markers).
# Builds with scripts/test-sanitizers.sh build (the CI sanitizer build) first.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-3600}
shift || true
BUILD_DIR=${AUTHWATCH_ASAN_BUILD_DIR:-build-asan}
JOBS=${FUZZ_JOBS:-1}

./scripts/test-sanitizers.sh build >&2
BUILD_DIR=$(realpath "$BUILD_DIR")
seeds="$BUILD_DIR/fuzz-seeds"
python3 fuzz/make_seeds.py "$seeds" >&2
results="$BUILD_DIR/fuzz-results"
mkdir -p "$results"

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  for binary in "$BUILD_DIR"/fuzz/fuzz_*; do targets+=("$(basename "$binary" | sed 's/^fuzz_//')"); done
fi

count_findings() { find "$BUILD_DIR/fuzz-findings/$1" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l; }

for name in "${targets[@]}"; do
  binary="$BUILD_DIR/fuzz/fuzz_$name"
  [ -x "$binary" ] || { echo "fuzz.sh: no target $name ($binary)" >&2; exit 2; }
  corpus="$BUILD_DIR/fuzz-corpus/$name" findings="$BUILD_DIR/fuzz-findings/$name" log="$results/$name.log"
  mkdir -p "$corpus" "$findings"
  dict=()
  [ -f "$seeds/dict/$name.dict" ] && dict=(-dict="$seeds/dict/$name.dict")
  before=$(count_findings "$name")
  started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  echo "fuzz.sh: fuzz_$name for $SECONDS_PER_TARGET s (log $log)" >&2
  status=0
  # With FUZZ_JOBS > 1, libFuzzer runs that many processes for the whole time, each writing its
  # final stats to fuzz-<n>.log in the working folder; they are appended to the log and summed.
  options=(-max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
           -artifact_prefix="$findings/" "${dict[@]}")
  [ "$JOBS" -gt 1 ] && options+=(-jobs="$JOBS" -workers="$JOBS")
  work=$(mktemp -d)
  (cd "$work" && nice -n 19 "$binary" "${options[@]}" "$corpus" "$seeds/$name") >"$log" 2>&1 || status=$?
  cat "$work"/fuzz-*.log >>"$log" 2>/dev/null || true
  rm -rf "$work"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{s += $1} END {print s + 0}')
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | awk '{s += $1} END {print s + 0}')
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | sort -n | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  corpus_size=$(find "$corpus" -type f | wc -l)
  found=$(( $(count_findings "$name") - before ))
  [ "$status" = 0 ] || [ "$found" -gt 0 ] || found="exit $status"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$started" "$SECONDS_PER_TARGET" "$runs" "$rate" \
    "${cov:-?}" "${ft:-?}" "$corpus_size" "${rss:-?}" "$found" >"$results/$name.tsv"
  echo "fuzz.sh: fuzz_$name: $runs runs, $rate/s, cov ${cov:-?}, findings $found" >&2
done

# --- the table in bench/README.md ------------------------------------------------------------
table=$(mktemp)
trap 'rm -f "$table"' EXIT
{
  echo "<!-- fuzz-table:begin (written by bench/fuzz.sh) -->"
  echo "- machine: $(nproc) cores, \`$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)\`, load average at the end $(cut -d' ' -f1-3 /proc/loadavg); clang $(clang-14 --version | sed -n 's/.*clang version \([0-9.]*\).*/\1/p'), \`-O1 -fsanitize=fuzzer,address,undefined\`"
  echo "- last command: \`bench/fuzz.sh $SECONDS_PER_TARGET${*:+ $*}\` (FUZZ_JOBS=$JOBS), nice 19"
  echo
  echo "| target | run started (UTC) | seconds | executions | exec/s | edges (cov) | features (ft) | corpus | peak RSS (MB) | findings |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  for row in "$results"/*.tsv; do
    [ -f "$row" ] || continue
    awk -F'\t' '{ printf "| `fuzz_%s` | %s | %s | %'"'"'d | %'"'"'d | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }' "$row"
  done
  echo "<!-- fuzz-table:end -->"
} >"$table"
python3 - "$table" <<'EOF'
import re, sys
table = open(sys.argv[1]).read().rstrip("\n")
readme = open("bench/README.md").read()
pattern = re.compile(r"<!-- fuzz-table:begin.*?<!-- fuzz-table:end -->", re.S)
if not pattern.search(readme):
    sys.exit("fuzz.sh: bench/README.md has no fuzz-table markers (the Fuzzing section)")
open("bench/README.md", "w").write(pattern.sub(lambda _: table, readme))
EOF
echo "fuzz.sh: bench/README.md updated" >&2

#!/usr/bin/env bash
# scripts/check-layers.sh can fail: on a small tree with one crossing of each kind it names every
# one and exits 1; with them removed it exits 0. (The check on the real tree: layers_include_rules.)
set -uo pipefail
check=$1
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$tree"/{core,app,pipeline,service/win,cli/report}
printf '#include <vector>\n#include "core/result.hpp"\n' > "$tree/core/ok.hpp"
printf '#include "core/config.hpp"\n#include "app/paths.hpp"\n' > "$tree/app/ok.cpp"
printf '#include "pipeline/ingest.hpp"\n#include "storage/store.hpp"\n' > "$tree/pipeline/ok.cpp"
printf '#include "pipeline/ingest.hpp"\n#include "app/logging.hpp"\n' > "$tree/service/ok.cpp"
printf '#include "pipeline/ingest.hpp"\n#include "app/logging.hpp"\n' > "$tree/cli/ok.cpp"

out=$("$check" "$tree" 2>&1) || fail "a tree that keeps the rules was refused: $out"

printf '#include "cli/platform.hpp"\n' > "$tree/service/win/bad.cpp"
printf '// fine\n  #  include <service/monitor.hpp>\n' > "$tree/cli/report/bad.hpp"
printf '#include "service/alert_queue.hpp"\n' > "$tree/pipeline/bad.cpp"
printf '#include "cli/output.hpp"\n' > "$tree/app/bad.cpp"
printf '#include "storage/store.hpp"\n' > "$tree/core/bad.hpp"
printf '#include "../cli/app.hpp"\n#include "monitor.hpp"\n' > "$tree/service/relative.cpp"

out=$("$check" "$tree" 2>&1)
rc=$?
echo "$out"
[ "$rc" -eq 1 ] || fail "exit code $rc, expected 1"
for expected in \
  "service/win/bad.cpp:1: service/ may not include cli/" \
  "cli/report/bad.hpp:2: cli/ may not include service/" \
  "pipeline/bad.cpp:1: pipeline/ may not include service/" \
  "app/bad.cpp:1: app/ may not include cli/" \
  "core/bad.hpp:1: core/ may not include storage/" \
  "service/relative.cpp:1: an include without its part" \
  "service/relative.cpp:2: an include without its part" \
  "check-layers: 7 include(s) break the rules"; do
  grep -qF "$expected" <<<"$out" || fail "missing: $expected"
done
echo "PASS"

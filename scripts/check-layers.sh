#!/usr/bin/env bash
# The include rules of docs/architecture.md, checked: each part includes only the parts it may
# ("may include" in the table there), so no include runs from service/ to cli/ or back, and the
# shared parts (app/, pipeline/) include neither executable's folder. Every project include names
# its part ("part/file.hpp"); one without a part or through "../" could hide a crossing, so it is
# refused too. Prints each crossing as FILE:LINE and exits 1; exits 0 when there is none.
# Usage: scripts/check-layers.sh [SOURCE_ROOT]   (ctest runs it: tests/layers)
set -euo pipefail
root=${1:-"$(dirname "$0")/.."}
cd "$root"

# part: the parts it may include (itself always).
declare -A may=(
  [core]=""
  [platform]="core"
  [sources]="core platform"
  [storage]="core"
  [probes]="core platform"
  [app]="core"
  [pipeline]="core sources storage"
  [service]="core platform sources storage probes app pipeline"
  [cli]="core platform sources storage probes app pipeline"
)
parts="core|platform|sources|storage|probes|app|pipeline|service|cli|tests|bench|fuzz|installer"

crossings=0
for part in "${!may[@]}"; do
  [ -d "$part" ] || continue
  allowed=" $part ${may[$part]} "
  while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}; text=${rest#*:}
    if [[ $text =~ \#[[:space:]]*include[[:space:]]*[\<\"]($parts)/ ]]; then
      target=${BASH_REMATCH[1]}
      if [[ $allowed != *" $target "* ]]; then
        echo "$file:$line: $part/ may not include $target/ (docs/architecture.md): ${text#"${text%%[![:space:]]*}"}"
        crossings=$((crossings + 1))
      fi
    elif [[ $text =~ \#[[:space:]]*include[[:space:]]*\"(\.\./|[^/\"]+\") ]]; then
      echo "$file:$line: an include without its part (write \"part/file.hpp\"): ${text#"${text%%[![:space:]]*}"}"
      crossings=$((crossings + 1))
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$part" \
             --include='*.cpp' --include='*.hpp' --include='*.h' --include='*.ipp' || true)
done

if [ "$crossings" -gt 0 ]; then
  echo "check-layers: $crossings include(s) break the rules of docs/architecture.md" >&2
  exit 1
fi
echo "check-layers: every include of ${!may[*]} keeps the rules"

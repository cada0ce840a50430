#!/usr/bin/env bash
# Cross-compiles AuthWatch for Windows x64 (MinGW-w64) into $AUTHWATCH_WIN_BUILD_DIR (default
# build-windows): authwatch.exe and the test suites, statically linked (no MinGW runtime DLLs).
# Installs the tools (apt) and builds the dependency prefix on first use (cached, see
# scripts/build-windows-deps.sh). Idempotent and incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${AUTHWATCH_WIN_BUILD_DIR:-build-windows}
./scripts/install-windows-deps.sh
PREFIX=$(./scripts/build-windows-deps.sh)
# $AUTHWATCH_LINUX_EXE (the Linux build's authwatch) enables the test that compares the two builds' scans.
# ccache, when installed (a developer's machine), makes rebuilds of other build folders cheap.
LAUNCHER=()
if command -v ccache >/dev/null; then
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release "${LAUNCHER[@]}" \
  -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64.toolchain.cmake" -DAUTHWATCH_MINGW_PREFIX="$PREFIX" \
  ${AUTHWATCH_LINUX_EXE:+-DAUTHWATCH_LINUX_EXE="$AUTHWATCH_LINUX_EXE"} >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"

# A static runtime: the exes may import Windows' own DLLs only.
status=0
while IFS= read -r exe; do
  bad=$(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^\s*DLL Name: //p' | grep -iE '^(libstdc|libgcc|libwinpthread|libboost|libsqlite)' || true)
  if [ -n "$bad" ]; then echo "build-windows: $exe needs MinGW/dependency DLLs: $bad" >&2; status=1; fi
done < <(find "$BUILD_DIR" -name '*.exe' -not -path '*/wineprefix/*' -not -path '*/CMakeFiles/*')
exit $status

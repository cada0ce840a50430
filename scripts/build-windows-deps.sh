#!/usr/bin/env bash
# Builds the MinGW-w64 dependency prefix of the Windows build from Debian's source packages:
# Boost 1.74 (Log and Filesystem with b2; Asio and the rest header-only), SQLiteCpp (with its
# bundled SQLite amalgamation), nlohmann_json, pugixml, CLI11 and GoogleTest (/usr/src/googletest),
# all static with a static runtime.
# The prefix is a cache: $AUTHWATCH_MINGW_CACHE (default /var/cache/authwatch-mingw)/prefix, reused
# as long as its stamp (package versions + compiler version + this recipe's revision) matches, so a
# CI machine builds Boost once. Prints the prefix path on stdout. Needs scripts/install-windows-deps.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${AUTHWATCH_MINGW_CACHE:-/var/cache/authwatch-mingw}
PREFIX=$CACHE/prefix
TOOLCHAIN=$ROOT/cmake/mingw-w64.toolchain.cmake
JOBS=$(nproc)
RECIPE=1   # bump when the way a dependency is built changes
PACKAGES=(boost1.74 sqlitecpp nlohmann-json3 pugixml cli11)

log() { echo "build-windows-deps: $*" >&2; }
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9   # one builder at a time per cache

stamp() {
  echo "recipe $RECIPE"
  x86_64-w64-mingw32-g++-posix --version | head -1
  for p in "${PACKAGES[@]}"; do
    echo "$p $(apt-cache showsrc "$p" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -1)"
  done
  echo "googletest $(dpkg-query -W -f='${Version}' googletest 2>/dev/null || true)"
}
want=$(stamp)
if [ -f "$PREFIX/.stamp" ] && [ "$(cat "$PREFIX/.stamp")" = "$want" ]; then
  echo "$PREFIX"; exit 0
fi
log "building the MinGW dependency prefix in $PREFIX (first run on this machine: several minutes)"
rm -rf "$PREFIX" "$CACHE/work"
WORK=$CACHE/work
mkdir -p "$WORK/src" "$PREFIX"
timed() { local started=$SECONDS; "$@"; log "$1 took $((SECONDS - started)) s"; }

fetch() {  # fetch PACKAGE: unpacks Debian's source package into $WORK/src/PACKAGE, prints the folder
  local pkg=$1
  ( cd "$WORK/src" && mkdir -p "$pkg" && cd "$pkg" &&
    apt-get source -qq --download-only "$pkg" >/dev/null 2>&1 &&
    dpkg-source --no-check -x ./*.dsc tree >/dev/null 2>&1 )
  echo "$WORK/src/$pkg/tree"
}

cmake_dep() {  # cmake_dep NAME SOURCE-DIR [cmake args...]: configure, build, install into $PREFIX
  local name=$1 src=$2; shift 2
  cmake -S "$src" -B "$WORK/build/$name" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DCMAKE_BUILD_TYPE=Release \
    -DAUTHWATCH_MINGW_PREFIX="$PREFIX" -DCMAKE_INSTALL_PREFIX="$PREFIX" -DBUILD_SHARED_LIBS=OFF "$@" >"$WORK/$name.log" 2>&1 &&
  cmake --build "$WORK/build/$name" -j"$JOBS" >>"$WORK/$name.log" 2>&1 &&
  cmake --install "$WORK/build/$name" >>"$WORK/$name.log" 2>&1 ||
  { tail -40 "$WORK/$name.log" >&2; log "$name failed (log: $WORK/$name.log)"; return 1; }
}

boost() {
  local src; src=$(fetch boost1.74)
  # Debian's +ds1 tarball drops the generated jam grammar: generate it before bootstrapping b2.
  (cd "$src/tools/build" && bison -y -d -o src/engine/jamgram.cpp src/engine/jamgram.y)
  (cd "$src" && ./bootstrap.sh --with-toolset=gcc >"$WORK/boost-bootstrap.log" 2>&1) ||
    { tail -20 "$WORK/boost-bootstrap.log" >&2; return 1; }
  echo "using gcc : mingw : x86_64-w64-mingw32-g++-posix : <rc>x86_64-w64-mingw32-windres <archiver>x86_64-w64-mingw32-ar <ranlib>x86_64-w64-mingw32-ranlib ;" >"$src/mingw.jam"
  (cd "$src" && ./b2 -q -d0 --user-config=mingw.jam toolset=gcc-mingw target-os=windows address-model=64 architecture=x86 \
      threadapi=win32 variant=release link=static runtime-link=static threading=multi cxxstd=17 \
      --with-log --with-filesystem --build-dir="$WORK/build/boost" --prefix="$PREFIX" -j"$JOBS" install) \
      >"$WORK/boost.log" 2>&1 || { tail -40 "$WORK/boost.log" >&2; log "boost failed"; return 1; }
}

sqlitecpp() {
  cmake_dep sqlitecpp "$(fetch sqlitecpp)" -DSQLITECPP_INTERNAL_SQLITE=ON -DSQLITECPP_RUN_CPPLINT=OFF \
    -DSQLITECPP_RUN_CPPCHECK=OFF -DSQLITECPP_USE_STACK_PROTECTION=OFF -DSQLITECPP_BUILD_TESTS=OFF -DSQLITECPP_BUILD_EXAMPLES=OFF
}
json() { cmake_dep json "$(fetch nlohmann-json3)" -DJSON_BuildTests=OFF; }
pugixml() { cmake_dep pugixml "$(fetch pugixml)" -DPUGIXML_BUILD_TESTS=OFF; }
cli11() { cmake_dep cli11 "$(fetch cli11)" -DCLI11_BUILD_TESTS=OFF -DCLI11_BUILD_EXAMPLES=OFF -DCLI11_BUILD_DOCS=OFF -DCLI11_PRECOMPILED=OFF; }
gtest() { cmake_dep gtest /usr/src/googletest -DINSTALL_GTEST=ON -DBUILD_GMOCK=ON; }

started=$SECONDS
timed boost
timed sqlitecpp
timed json
timed pugixml
timed cli11
timed gtest
echo "$want" >"$PREFIX/.stamp"
rm -rf "$WORK"
log "prefix ready in $((SECONDS - started)) s"
echo "$PREFIX"

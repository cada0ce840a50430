# Cross-compiles AuthWatch for Windows x64 with Debian's MinGW-w64 (posix thread model, needed by
# std::thread/std::mutex in GCC 12's libstdc++). Used by scripts/build-windows.sh.
# AUTHWATCH_MINGW_PREFIX (cache variable or environment) names the cross-built dependency prefix
# (Boost, SQLiteCpp, nlohmann_json, pugixml, CLI11, GoogleTest) that scripts/build-windows-deps.sh fills.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(AUTHWATCH_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER   ${AUTHWATCH_MINGW_TRIPLET}-gcc-posix)
set(CMAKE_CXX_COMPILER ${AUTHWATCH_MINGW_TRIPLET}-g++-posix)
set(CMAKE_RC_COMPILER  ${AUTHWATCH_MINGW_TRIPLET}-windres)
set(CMAKE_MC_COMPILER  ${AUTHWATCH_MINGW_TRIPLET}-windmc)

if(NOT AUTHWATCH_MINGW_PREFIX AND DEFINED ENV{AUTHWATCH_MINGW_PREFIX})
  set(AUTHWATCH_MINGW_PREFIX $ENV{AUTHWATCH_MINGW_PREFIX})
endif()
# try_compile projects re-read this file without the cache: hand the prefix on to them.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES AUTHWATCH_MINGW_PREFIX)

# Look for libraries and packages only in the MinGW sysroot and the dependency prefix, never in
# the host's /usr (Debian's Linux packages would be found otherwise). Programs come from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${AUTHWATCH_MINGW_TRIPLET})
if(AUTHWATCH_MINGW_PREFIX)
  list(APPEND CMAKE_FIND_ROOT_PATH ${AUTHWATCH_MINGW_PREFIX})
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Tests (gtest_discover_tests, add_test of an executable target) run through Wine.
set(CMAKE_CROSSCOMPILING_EMULATOR wine)

# A static runtime: no libstdc++-6.dll, libgcc_s_seh-1.dll or libwinpthread-1.dll to ship.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
# Boost is built as static libraries with a static runtime (runtime-link=static).
set(Boost_USE_STATIC_LIBS ON)
set(Boost_USE_STATIC_RUNTIME ON)

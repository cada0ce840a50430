# AUTHWATCH_SANITIZE: AddressSanitizer + UndefinedBehaviorSanitizer for the whole build (clang or
# GCC); any UB report aborts, so a test or fuzz run cannot pass over one. AUTHWATCH_FUZZ (clang
# only) adds libFuzzer's coverage instrumentation to every library and builds fuzz/. One build
# serves both: scripts/test-sanitizers.sh runs the unit suites and the fuzz targets from it.
option(AUTHWATCH_SANITIZE "Build with -fsanitize=address,undefined" OFF)
option(AUTHWATCH_FUZZ "Build the libFuzzer targets in fuzz/ (clang; implies AUTHWATCH_SANITIZE)" OFF)

if(AUTHWATCH_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "AUTHWATCH_FUZZ needs clang (libFuzzer), e.g. -DCMAKE_CXX_COMPILER=clang++-14; "
                        "this build uses ${CMAKE_CXX_COMPILER_ID}")
  endif()
  set(AUTHWATCH_SANITIZE ON CACHE BOOL "" FORCE)
endif()

if(AUTHWATCH_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # clang 14's -fsanitize=function (part of "undefined") cannot compile the probes' coroutines
    # ("Cannot represent a difference across sections"); its check (calls through a function
    # pointer of the wrong type) is the one UBSan check left out.
    add_compile_options(-fno-sanitize=function)
  endif()
endif()
if(AUTHWATCH_FUZZ)
  # Coverage feedback for the fuzzers; the runtime comes with -fsanitize=fuzzer on the fuzz
  # targets only (the test executables keep GoogleTest's main).
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

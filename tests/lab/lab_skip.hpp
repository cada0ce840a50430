#pragma once
// What a test does when its real peer (the Samba lab, the MIT KDC, chronyd) is not there. Locally a
// skip, saying why. In CI (CI=true, set by .ci/run) a failure: CI brings the lab up, so a lab that
// cannot start is a broken run, and a dead lab must not look green.
//   if (!test::lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

namespace authwatch::test {

inline bool peers_required() {
  const char* ci = std::getenv("CI");
  return ci && (std::strcmp(ci, "true") == 0 || std::strcmp(ci, "1") == 0);
}

inline ::testing::TestPartResult::Type peer_unavailable_result() {
  return peers_required() ? ::testing::TestPartResult::kFatalFailure : ::testing::TestPartResult::kSkip;
}

}  // namespace authwatch::test

// A statement like GTEST_SKIP(): returns from the test (or its SetUp) with the streamed reason.
#define AUTHWATCH_PEER_UNAVAILABLE() \
  return GTEST_MESSAGE_(::authwatch::test::peers_required() ? "CI=true: a real peer the test needs is not available: " : "Skipped: ", \
                        ::authwatch::test::peer_unavailable_result())

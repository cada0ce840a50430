#pragma once
// How long a bounded call took, for the deadline tests (tests/probes/deadline_tests.cmake runs
// them alone, RUN_SERIAL): the elapsed wall time, and the slack a call may take beyond its timeout.
#include <chrono>

namespace authwatch::probes {

// What a bounded call may take beyond its timeout.
inline constexpr std::chrono::milliseconds kSlack{300};

inline std::chrono::milliseconds elapsed_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace authwatch::probes

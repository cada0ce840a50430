#pragma once
// Windows time values as TimePoint (core/time.hpp). Both count from 1601-01-01T00:00:00Z:
//  - FILETIME / NTTIME: 100 ns ticks (pwdLastSet, lastLogonTimestamp, DS_REPL_NEIGHBOR binary);
//  - DSTIME: whole seconds (MS-DRSR REPS_FROM timeLastSuccess/timeLastAttempt; Samba's NTTIME_1sec).
// Zero means "never" in all of them, and AD writes 0x7FFFFFFFFFFFFFFF for "never expires":
// both map to nullopt, so a caller cannot mistake them for a date.
#include <chrono>
#include <cstdint>
#include <optional>

#include "core/time.hpp"

namespace authwatch {

// Seconds from 1601-01-01 to 1970-01-01 (369 years, 89 of them leap years).
inline constexpr int64_t kSecondsFrom1601To1970 = 11644473600LL;

inline std::optional<TimePoint> from_filetime(uint64_t ticks) {
  if (ticks == 0 || ticks >= 0x7FFFFFFFFFFFFFFFULL) return std::nullopt;
  const int64_t micros_since_1601 = static_cast<int64_t>(ticks / 10);
  return TimePoint{std::chrono::microseconds{micros_since_1601 - kSecondsFrom1601To1970 * 1000000LL}};
}

inline std::optional<TimePoint> from_dstime(uint64_t seconds) {
  // Beyond this the microsecond count would overflow int64 (year ~294,000): garbage, not a date.
  if (seconds == 0 || seconds > 9'000'000'000'000ULL) return std::nullopt;
  return TimePoint{std::chrono::seconds{static_cast<int64_t>(seconds) - kSecondsFrom1601To1970}};
}

inline uint64_t to_filetime(TimePoint t) {
  const int64_t micros = t.time_since_epoch().count() + kSecondsFrom1601To1970 * 1000000LL;
  return micros <= 0 ? 0 : static_cast<uint64_t>(micros) * 10;
}

}  // namespace authwatch

#pragma once
// Time values used everywhere in AuthWatch: UTC, microsecond resolution, ISO 8601 on the wire.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace authwatch {

using TimePoint = std::chrono::sys_time<std::chrono::microseconds>;

// "2016-08-24T17:21:43.123Z": millisecond precision so stored times sort lexicographically.
std::string format_iso8601(TimePoint t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|+hh:mm|-hh:mm]" and a space instead of 'T'.
// A missing zone means UTC (Exchange and wevtutil always write UTC).
std::optional<TimePoint> parse_iso8601(std::string_view text);

// PowerShell 5.1 ConvertTo-Json DateTime: "/Date(1700000000000)/" (also with a +hhmm suffix,
// which does not change the instant: the number is always milliseconds since the Unix epoch).
// nullopt beyond about 285,000 years from 1970, which a TimePoint cannot hold.
std::optional<TimePoint> parse_ms_json_date(std::string_view text);

// RFC 5322 §3.3 date-time, as Exchange's SMTP banner ends ("ready at Thu, 14 Mar 2024 10:21:33 +0000"):
// "[Day, ]D Mon YYYY HH:MM[:SS] +hhmm" (also the obsolete zones GMT/UT/Z). 1 s resolution.
std::optional<TimePoint> parse_rfc5322_date(std::string_view text);

// "30m", "24h", "7d", "90s" -> duration; nullopt when malformed or longer than about 285,000
// years (it could not be added to a TimePoint).
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace authwatch

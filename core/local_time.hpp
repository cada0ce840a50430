#pragma once
// Times a server writes in its own local time and culture: a Get-Queue snapshot's LastRetryTime and
// the LRT= field of its LastError (docs/domain.md §4, §10). They come as ISO 8601 (with or without
// an offset), as PowerShell's "/Date(ms)/", or in the culture's short date and long time
// ("3/15/2024 10:14:03 AM", "2019/11/4 13:31:03", "15.03.2024 10:14:03"). The instant needs the
// server's UTC offset: from the text when it carries one, else from the configured time zone, else
// UTC — and the result says which, so an administrator can see how a time was read. A text that
// cannot be read is an error, never a guess from elsewhere (a file's own time).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

namespace authwatch {

// The order of day, month and year in a culture's short date.
enum class DateOrder { Auto, MonthDayYear, DayMonthYear, YearMonthDay };
std::string_view to_string(DateOrder order);                  // auto, mdy, dmy, ymd
bool parse_date_order(std::string_view text, DateOrder& out);  // the same words

// "+01:00", "-0530", "+1", "UTC", "Z" -> minutes east of UTC; nullopt when malformed or beyond ±14 h.
std::optional<std::chrono::minutes> parse_utc_offset(std::string_view text);
std::string format_utc_offset(std::chrono::minutes offset);  // "+01:00"

struct LocalTimeRules {
  DateOrder order = DateOrder::Auto;
  std::optional<std::chrono::minutes> offset;  // the server's UTC offset; nullopt: read as UTC
  std::string offset_from;                     // where the offset came from, for people ("--time-zone")
};

struct ReadTime {
  TimePoint utc{};
  std::string basis;  // "local time +01:00 (--time-zone)", "UTC (/Date(ms)/)", "local time read as UTC (no time zone given)"
};

// Reads one local time. Auto order: a four-digit first field is year-month-day; otherwise a field
// above 12 decides which is the day; else an AM/PM marker means the US month/day order; a date
// that is still ambiguous (4/11/2019) is an error that asks for the order.
Result<ReadTime> read_local_time(std::string_view text, const LocalTimeRules& rules);

// A Get-Queue record carries several times (FirstRetryTime, LastRetryTime, NextRetryTime), written
// the same way: the one day/month order under which all of them read, oldest first, within a week
// of one another ("15-01-21 23:50:05" then "16-01-21 00:00:05" is day-first: the year-first reading
// puts a year between two retries). nullopt when no order or more than one fits.
std::optional<DateOrder> date_order_of_sequence(const std::vector<std::string_view>& oldest_first);

}  // namespace authwatch

#include "core/local_time.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cctype>
#include <cstdio>

#include "core/text.hpp"
#include "core/utf8.hpp"

namespace authwatch {
namespace {

using namespace std::chrono;

// A run of 1-4 digits at `pos`; its value and length.
bool read_number(std::string_view s, size_t& pos, int& value, int& length) {
  value = 0;
  length = 0;
  while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])) && length < 5) {
    value = value * 10 + (s[pos] - '0');
    ++length;
    ++pos;
  }
  return length > 0 && length <= 4;
}

struct CultureTime {
  std::array<int, 3> date{};
  std::array<int, 3> date_length{};
  int hour = 0, minute = 0, second = 0;
  long long micros = 0;
  enum class Meridiem { None, Am, Pm } meridiem = Meridiem::None;
};

// "D1<sep>D2<sep>D3[ |T]H:MM[:SS[.f]][ AM|PM]" with one separator of / - . used twice.
std::optional<CultureTime> split_culture_time(std::string_view s) {
  CultureTime t;
  size_t pos = 0;
  char separator = 0;
  for (int i = 0; i < 3; ++i) {
    if (!read_number(s, pos, t.date[i], t.date_length[i])) return std::nullopt;
    if (i == 2) break;
    if (pos >= s.size() || (s[pos] != '/' && s[pos] != '-' && s[pos] != '.')) return std::nullopt;
    if (separator && s[pos] != separator) return std::nullopt;
    separator = s[pos++];
  }
  if (pos < s.size() && s[pos] == '.') ++pos;  // "15.03.2024." in some cultures
  if (pos >= s.size() || (s[pos] != ' ' && s[pos] != 'T')) return std::nullopt;
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == 'T')) ++pos;
  int length = 0;
  if (!read_number(s, pos, t.hour, length) || length > 2) return std::nullopt;
  if (pos >= s.size() || s[pos] != ':') return std::nullopt;
  ++pos;
  if (!read_number(s, pos, t.minute, length) || length != 2) return std::nullopt;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!read_number(s, pos, t.second, length) || length != 2) return std::nullopt;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      int digits = 0;
      while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
        if (digits < 6) t.micros = t.micros * 10 + (s[pos] - '0');
        ++digits;
        ++pos;
      }
      for (int i = digits; i < 6; ++i) t.micros *= 10;
    }
  }
  auto rest = trim(s.substr(pos));
  if (iequals(rest, "AM") || iequals(rest, "A.M.")) t.meridiem = CultureTime::Meridiem::Am;
  else if (iequals(rest, "PM") || iequals(rest, "P.M.")) t.meridiem = CultureTime::Meridiem::Pm;
  else if (!rest.empty()) return std::nullopt;
  return t;
}

int full_year(int value, int length) { return length <= 2 ? 2000 + value : value; }

// The date order this value shows by itself, or Auto when it does not.
DateOrder order_shown(const CultureTime& t) {
  if (t.date_length[0] == 4) return DateOrder::YearMonthDay;
  if (t.date[0] > 12 && t.date[0] <= 31 && t.date_length[2] == 4) return DateOrder::DayMonthYear;
  if (t.date[1] > 12 && t.date_length[2] == 4) return DateOrder::MonthDayYear;
  if (t.meridiem != CultureTime::Meridiem::None && t.date_length[2] == 4) return DateOrder::MonthDayYear;
  return DateOrder::Auto;
}

Result<TimePoint> civil_time(const CultureTime& t, DateOrder order) {
  int y = 0, m = 0, d = 0;
  switch (order) {
    case DateOrder::YearMonthDay: y = full_year(t.date[0], t.date_length[0]); m = t.date[1]; d = t.date[2]; break;
    case DateOrder::MonthDayYear: m = t.date[0]; d = t.date[1]; y = full_year(t.date[2], t.date_length[2]); break;
    case DateOrder::DayMonthYear: d = t.date[0]; m = t.date[1]; y = full_year(t.date[2], t.date_length[2]); break;
    case DateOrder::Auto: return Error{"the order of day and month is ambiguous"};
  }
  int hour = t.hour;
  if (t.meridiem != CultureTime::Meridiem::None) {
    if (hour < 1 || hour > 12) return Error{"hour " + std::to_string(hour) + " with AM/PM"};
    hour = hour % 12 + (t.meridiem == CultureTime::Meridiem::Pm ? 12 : 0);
  }
  const year_month_day date{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!date.ok()) return Error{"no such date (" + std::to_string(y) + "-" + std::to_string(m) + "-" + std::to_string(d) + ")"};
  if (hour > 23 || t.minute > 59 || t.second > 60) return Error{"no such time of day"};
  return TimePoint{sys_days{date}} + hours{hour} + minutes{t.minute} + seconds{t.second} + microseconds{t.micros};
}

// ISO 8601 as PowerShell's ToString('o') writes it: with Z or an offset it is an instant; without,
// local time.
bool has_zone(std::string_view iso) {
  auto t = iso.find('T');
  if (t == std::string_view::npos) t = iso.find(' ');
  if (t == std::string_view::npos) return false;
  auto time = iso.substr(t + 1);
  return time.find_first_of("Zz+-") != std::string_view::npos;
}

ReadTime local(TimePoint wall, const LocalTimeRules& rules, std::string_view form) {
  if (!rules.offset)
    return {wall, "local time read as UTC (" + std::string(form) + "; no time zone given: --time-zone or queue.time_zone)"};
  return {wall - *rules.offset,
          "local time " + format_utc_offset(*rules.offset) + " (" + std::string(form) + "; from " + rules.offset_from + ")"};
}

}  // namespace

std::string_view to_string(DateOrder order) {
  switch (order) {
    case DateOrder::Auto: return "auto";
    case DateOrder::MonthDayYear: return "mdy";
    case DateOrder::DayMonthYear: return "dmy";
    case DateOrder::YearMonthDay: return "ymd";
  }
  return "auto";
}

bool parse_date_order(std::string_view text, DateOrder& out) {
  for (auto order : {DateOrder::Auto, DateOrder::MonthDayYear, DateOrder::DayMonthYear, DateOrder::YearMonthDay})
    if (iequals(text, to_string(order))) {
      out = order;
      return true;
    }
  return false;
}

std::optional<minutes> parse_utc_offset(std::string_view text) {
  text = trim(text);
  if (iequals(text, "UTC") || iequals(text, "Z") || iequals(text, "GMT")) return minutes{0};
  if (istarts_with(text, "UTC") || istarts_with(text, "GMT")) text.remove_prefix(3);
  if (text.empty() || (text.front() != '+' && text.front() != '-')) return std::nullopt;
  const int sign = text.front() == '-' ? -1 : 1;
  text.remove_prefix(1);
  int h = 0, m = 0;
  size_t pos = 0;
  int length = 0;
  if (!read_number(text, pos, h, length)) return std::nullopt;
  if (length == 4 && pos == text.size()) {  // "+0530"
    m = h % 100;
    h /= 100;
  } else if (length > 2) {
    return std::nullopt;
  } else if (pos < text.size()) {
    if (text[pos] != ':') return std::nullopt;
    ++pos;
    if (!read_number(text, pos, m, length) || length != 2 || pos != text.size()) return std::nullopt;
  }
  if (m > 59 || h * 60 + m > 14 * 60) return std::nullopt;
  return minutes{sign * (h * 60 + m)};
}

std::string format_utc_offset(minutes offset) {
  const int total = static_cast<int>(std::clamp<long long>(offset.count(), -24 * 60, 24 * 60));
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", total < 0 ? '-' : '+', std::abs(total) / 60, std::abs(total) % 60);
  return buf;
}

Result<ReadTime> read_local_time(std::string_view text, const LocalTimeRules& rules) {
  text = trim(text);
  if (text.empty()) return Error{"no time"};
  if (text.starts_with("/Date(") || text.starts_with("\\/Date(")) {
    if (auto t = parse_ms_json_date(text.front() == '\\' ? text.substr(1) : text)) return ReadTime{*t, "UTC (/Date(ms)/)"};
    return Error{"\"" + utf8_excerpt(text, 40) + "\" is not a /Date(ms)/ value"};
  }
  if (auto iso = parse_iso8601(text)) {
    if (has_zone(text)) return ReadTime{*iso, "UTC (ISO 8601 with its offset)"};
    return local(*iso, rules, "ISO 8601 without offset");
  }
  auto culture = split_culture_time(text);
  if (!culture) return Error{"\"" + utf8_excerpt(text, 40) + "\" is not a date and time in a known form"};
  DateOrder order = order_shown(*culture);
  if (order == DateOrder::Auto) order = rules.order;
  if (order == DateOrder::Auto)
    return Error{"\"" + std::string(text) + "\": the order of day and month is ambiguous; set it with --date-order or "
                 "queue.date_order (mdy, dmy or ymd)"};
  auto wall = civil_time(*culture, order);
  if (!wall) return Error{"\"" + std::string(text) + "\": " + wall.error()};
  return local(wall.value(), rules, std::string("culture date, ") + std::string(to_string(order)));
}

}  // namespace authwatch

namespace authwatch {

std::optional<DateOrder> date_order_of_sequence(const std::vector<std::string_view>& oldest_first) {
  std::vector<CultureTime> values;
  for (auto text : oldest_first) {
    if (trim(text).empty()) continue;
    auto culture = split_culture_time(trim(text));
    if (!culture) return std::nullopt;  // not all in one culture form: nothing to compare
    values.push_back(*culture);
  }
  if (values.size() < 2) return std::nullopt;
  std::optional<DateOrder> found;
  for (auto order : {DateOrder::MonthDayYear, DateOrder::DayMonthYear, DateOrder::YearMonthDay}) {
    std::vector<TimePoint> times;
    for (const auto& v : values) {
      auto t = civil_time(v, order);
      if (!t) break;
      times.push_back(t.value());
    }
    if (times.size() != values.size()) continue;
    bool fits = true;
    for (size_t i = 1; i < times.size(); ++i) fits = fits && times[i] >= times[i - 1];
    fits = fits && times.back() - times.front() <= std::chrono::days{7};
    if (!fits) continue;
    if (found) return std::nullopt;  // two orders fit: no evidence either way
    found = order;
  }
  return found;
}

}  // namespace authwatch

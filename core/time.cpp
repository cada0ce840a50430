#include "core/time.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>

namespace authwatch {
namespace {

bool read_digits(std::string_view s, size_t& pos, size_t count, int& out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  pos += count;
  return true;
}

// The span of a TimePoint's int64 microseconds, rounded down (about 285,000 years either side of
// 1970): a duration or date beyond it cannot be represented, and converting it would overflow.
constexpr long long kMaxSeconds = 9'000'000'000'000LL;

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// The form Exchange writes on every protocol-log line, "2024-03-15T10:00:01.873Z", read in one go;
// nullopt for anything else, which the general parser decides. Equal to the general parser's
// result where it gives one.
std::optional<TimePoint> parse_exchange_form(std::string_view s) {
  using namespace std::chrono;
  if (s.size() != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' ||
      s[23] != 'Z')
    return std::nullopt;
  int value[8] = {};  // year, month, day, hour, minute, second, millisecond
  constexpr int kStart[7] = {0, 5, 8, 11, 14, 17, 20};
  constexpr int kLength[7] = {4, 2, 2, 2, 2, 2, 3};
  for (int part = 0; part < 7; ++part) {
    for (int i = kStart[part]; i < kStart[part] + kLength[part]; ++i) {
      const unsigned digit = static_cast<unsigned char>(s[i]) - unsigned{'0'};
      if (digit > 9) return std::nullopt;
      value[part] = value[part] * 10 + static_cast<int>(digit);
    }
  }
  const year_month_day ymd{year{value[0]}, month{static_cast<unsigned>(value[1])}, day{static_cast<unsigned>(value[2])}};
  if (!ymd.ok() || value[3] > 23 || value[4] > 59 || value[5] > 60) return std::nullopt;
  return time_point_cast<microseconds>(sys_days{ymd} + hours{value[3]} + minutes{value[4]} + seconds{value[5]} +
                                       milliseconds{value[6]});
}

}  // namespace

std::string format_iso8601(TimePoint t) {
  using namespace std::chrono;
  auto ms = floor<milliseconds>(t);
  auto day = floor<days>(ms);
  year_month_day ymd{day};
  hh_mm_ss hms{ms - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  return buf;
}

std::optional<TimePoint> parse_iso8601(std::string_view s) {
  using namespace std::chrono;
  if (auto t = parse_exchange_form(s)) return t;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!read_digits(s, pos, 4, y) || !expect(s, pos, '-') || !read_digits(s, pos, 2, mo) ||
      !expect(s, pos, '-') || !read_digits(s, pos, 2, d))
    return std::nullopt;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != ' ')) return std::nullopt;
  ++pos;
  if (!read_digits(s, pos, 2, h) || !expect(s, pos, ':') || !read_digits(s, pos, 2, mi) ||
      !expect(s, pos, ':') || !read_digits(s, pos, 2, sec))
    return std::nullopt;
  long long micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  minutes zone_offset{0};
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int sign = s[pos] == '-' ? -1 : 1;
      ++pos;
      int zh = 0, zm = 0;
      if (!read_digits(s, pos, 2, zh)) return std::nullopt;
      if (pos < s.size() && s[pos] == ':') ++pos;
      if (pos < s.size() && !read_digits(s, pos, 2, zm)) return std::nullopt;
      zone_offset = minutes{sign * (zh * 60 + zm)};
    }
  }
  if (pos != s.size()) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  auto t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + microseconds{micros} - zone_offset;
  return time_point_cast<microseconds>(t);
}

std::optional<TimePoint> parse_rfc5322_date(std::string_view s) {
  using namespace std::chrono;
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  auto skip_spaces = [&](size_t& pos) {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
  };
  size_t pos = 0;
  skip_spaces(pos);
  if (auto comma = s.find(','); comma != std::string_view::npos && comma < pos + 5) pos = comma + 1;  // day-of-week
  skip_spaces(pos);
  int d = 0, y = 0, h = 0, mi = 0, sec = 0;
  if (!read_digits(s, pos, 2, d)) {
    if (!read_digits(s, pos, 1, d)) return std::nullopt;
  }
  skip_spaces(pos);
  if (pos + 3 > s.size()) return std::nullopt;
  unsigned mo = 0;
  for (unsigned i = 0; i < 12; ++i) {
    const auto name = kMonths[i];
    bool same = true;
    for (size_t k = 0; k < 3; ++k) same = same && std::tolower(static_cast<unsigned char>(s[pos + k])) == name[k];
    if (same) mo = i + 1;
  }
  if (mo == 0) return std::nullopt;
  pos += 3;
  skip_spaces(pos);
  if (!read_digits(s, pos, 4, y)) return std::nullopt;
  skip_spaces(pos);
  if (!read_digits(s, pos, 2, h) || !expect(s, pos, ':') || !read_digits(s, pos, 2, mi)) return std::nullopt;
  if (pos < s.size() && s[pos] == ':' && (++pos, !read_digits(s, pos, 2, sec))) return std::nullopt;
  skip_spaces(pos);
  minutes zone_offset{0};
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int zh = 0, zm = 0;
    if (!read_digits(s, pos, 2, zh) || !read_digits(s, pos, 2, zm) || zm > 59) return std::nullopt;
    zone_offset = minutes{sign * (zh * 60 + zm)};
  } else {
    const auto rest = s.substr(pos, s.find_first_of(" \t\r\n", pos) - pos);
    if (rest != "GMT" && rest != "UT" && rest != "UTC" && rest != "Z") return std::nullopt;
    pos += rest.size();
  }
  year_month_day ymd{year{y}, month{mo}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  return time_point_cast<microseconds>(sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} - zone_offset);
}

std::optional<TimePoint> parse_ms_json_date(std::string_view s) {
  // Both "/Date(ms)/" and the raw JSON escape "\/Date(ms)\/" (if a caller passes undecoded text).
  auto open = s.find("Date(");
  if (open == std::string_view::npos) return std::nullopt;
  size_t pos = open + 5;
  size_t end = pos;
  if (end < s.size() && s[end] == '-') ++end;
  while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
  long long ms = 0;
  auto [p, ec] = std::from_chars(s.data() + pos, s.data() + end, ms);
  if (ec != std::errc{} || p == s.data() + pos) return std::nullopt;
  if (s.find(')', end) == std::string_view::npos) return std::nullopt;
  if (ms > kMaxSeconds * 1000 || ms < -kMaxSeconds * 1000) return std::nullopt;  // beyond a TimePoint
  return TimePoint{std::chrono::milliseconds{ms}};
}

std::optional<std::chrono::seconds> parse_duration(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  long long n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size() - 1, n);
  if (ec != std::errc{} || p != s.data() + s.size() - 1 || n < 0) return std::nullopt;
  long long unit = 0;
  switch (s.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return std::nullopt;
  }
  if (n > kMaxSeconds / unit) return std::nullopt;  // could not be added to a TimePoint
  return std::chrono::seconds{n * unit};
}

}  // namespace authwatch

#include "probes/ldap/generalized_time.hpp"

#include <chrono>

namespace authwatch::probes {
namespace {

using namespace std::chrono;

// Reads exactly `count` digits at `pos` (advancing it); -1 when they are not all there.
int digits(std::string_view text, size_t& pos, size_t count) {
  if (pos + count > text.size()) return -1;
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return value;
}

bool is_digit_at(std::string_view text, size_t pos) { return pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; }

}  // namespace

std::optional<TimePoint> parse_generalized_time(std::string_view text) {
  size_t pos = 0;
  const int year = digits(text, pos, 4), month = digits(text, pos, 2), day = digits(text, pos, 2), hour = digits(text, pos, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23) return std::nullopt;
  int minute = 0, second = 0;
  long micros = 0;
  if (is_digit_at(text, pos)) {
    minute = digits(text, pos, 2);
    if (minute < 0 || minute > 59) return std::nullopt;
    if (is_digit_at(text, pos)) {
      second = digits(text, pos, 2);
      if (second < 0 || second > 60) return std::nullopt;  // 60: a leap second, folded into the next minute
      if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        if (!is_digit_at(text, pos)) return std::nullopt;
        long scale = 100000;
        for (; is_digit_at(text, pos); ++pos, scale /= 10) micros += (text[pos] - '0') * scale;
      }
    }
  }
  minutes offset{0};
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos++] == '+' ? 1 : -1;
    const int off_hours = digits(text, pos, 2);
    int off_minutes = 0;
    if (off_hours < 0 || off_hours > 23) return std::nullopt;
    if (is_digit_at(text, pos)) {
      off_minutes = digits(text, pos, 2);
      if (off_minutes < 0 || off_minutes > 59) return std::nullopt;
    }
    offset = minutes{sign * (off_hours * 60 + off_minutes)};
  } else {
    return std::nullopt;  // the zone is mandatory in GeneralizedTime
  }
  if (pos != text.size()) return std::nullopt;
  const year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  // The text is local time at `offset`: UTC = local - offset.
  return TimePoint{sys_days{date} + hours{hour} + minutes{minute} + seconds{second} + microseconds{micros} - offset};
}

}  // namespace authwatch::probes

#include "core/maintenance.hpp"

#include <array>

#include "core/text.hpp"

namespace authwatch {
namespace {

constexpr std::array<std::string_view, 7> kDays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

std::optional<int> day_index(std::string_view name) {
  for (size_t i = 0; i < kDays.size(); ++i)
    if (iequals(name.substr(0, 3), kDays[i]) && name.size() >= 3) return static_cast<int>(i);
  return std::nullopt;
}

// "Mon", "Mon-Fri", "Sat,Sun", "Fri-Mon" (wraps), "daily".
std::optional<uint8_t> parse_days(std::string_view text) {
  if (iequals(text, "daily")) return uint8_t{0x7F};
  uint8_t days = 0;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view part = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto dash = part.find('-');
    auto first = day_index(trim(part.substr(0, dash)));
    auto last = dash == std::string_view::npos ? first : day_index(trim(part.substr(dash + 1)));
    if (!first || !last) return std::nullopt;
    for (int d = *first;; d = (d + 1) % 7) {
      days |= static_cast<uint8_t>(1u << d);
      if (d == *last) break;
    }
  }
  return days == 0 ? std::nullopt : std::optional<uint8_t>(days);
}

// "HH:MM" -> minutes of the day (24:00 allowed as the end of a day). Digits only, so "-2:30"
// is not a time of day.
std::optional<int> parse_clock(std::string_view text) {
  text = trim(text);
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 5 || text[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) return std::nullopt;
  const int h = (text[0] - '0') * 10 + (text[1] - '0'), m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 24 || m > 59 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

}  // namespace

Result<MaintenanceWindow> parse_maintenance_window(std::string_view text) {
  MaintenanceWindow w;
  w.text = std::string(trim(text));
  const std::string quoted = "\"" + w.text + "\"";
  if (const auto slash = w.text.find('/'); slash != std::string::npos) {
    auto start = parse_iso8601(w.text.substr(0, slash));
    auto end = parse_iso8601(w.text.substr(slash + 1));
    if (!start || !end) return Error{quoted + " is not START/END in ISO 8601 (2026-12-05T22:00:00Z/2026-12-06T02:00:00Z)"};
    if (*end <= *start) return Error{quoted + " ends before it starts"};
    w.start = start;
    w.end = end;
    return w;
  }
  const auto space = w.text.rfind(' ');
  const auto dash = space == std::string::npos ? std::string::npos : w.text.find('-', space);
  auto days = space == std::string::npos ? std::nullopt : parse_days(std::string_view(w.text).substr(0, space));
  if (!days || dash == std::string::npos)
    return Error{quoted + " is neither START/END (ISO 8601) nor DAYS HH:MM-HH:MM (days: daily, Mon, Mon-Fri, Sat,Sun; UTC)"};
  auto from = parse_clock(std::string_view(w.text).substr(space + 1, dash - space - 1));
  auto to = parse_clock(std::string_view(w.text).substr(dash + 1));
  if (!from || !to || *from == 24 * 60) return Error{quoted + ": the times must be HH:MM-HH:MM (UTC, 00:00 to 24:00)"};
  if (*from == *to) return Error{quoted + " is empty (it starts when it ends)"};
  w.days = *days;
  w.from_minute = *from;
  w.to_minute = *to;
  return w;
}

const MaintenanceWindow* active_maintenance_window(const std::vector<MaintenanceWindow>& windows, TimePoint now) {
  const auto day = std::chrono::floor<std::chrono::days>(now);
  const int minute = static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(now - day).count());
  const int weekday = static_cast<int>(std::chrono::weekday(day).c_encoding());  // 0 = Sunday
  const int yesterday = (weekday + 6) % 7;
  for (const auto& w : windows) {
    if (w.start) {
      if (now >= *w.start && now < *w.end) return &w;
      continue;
    }
    const bool today = (w.days >> weekday) & 1u, started_yesterday = (w.days >> yesterday) & 1u;
    if (w.from_minute < w.to_minute) {
      if (today && minute >= w.from_minute && minute < w.to_minute) return &w;
    } else {  // spans midnight: the evening part today, the morning part of a window started yesterday
      if ((today && minute >= w.from_minute) || (started_yesterday && minute < w.to_minute)) return &w;
    }
  }
  return nullptr;
}

}  // namespace authwatch

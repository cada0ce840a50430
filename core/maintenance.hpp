#pragma once
// Maintenance windows: times when alerts are held back (incidents are still recorded), because
// an administrator is patching, rebooting or moving mailboxes and expects failures. Pure: the
// caller asks with a time. All times are UTC.
//
// Written as text in the config:
//   "2026-12-05T22:00:00Z/2026-12-06T02:00:00Z"   a one-off span (ISO 8601 start/end)
//   "Sat 22:00-02:00"                              weekly; an end before the start spans midnight
//   "Mon-Fri 12:00-12:30", "Sat,Sun 00:00-24:00", "daily 03:00-03:30"
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

namespace authwatch {

struct MaintenanceWindow {
  std::string text;  // as configured: names the window in messages
  std::optional<TimePoint> start, end;  // a one-off span, [start, end)
  uint8_t days = 0;                     // weekly: bit d = day d (0 = Sunday) on which the window starts
  int from_minute = 0, to_minute = 0;   // minutes of the UTC day; to <= from spans midnight
};

// Parses one window; the error names what is wrong with the text.
Result<MaintenanceWindow> parse_maintenance_window(std::string_view text);

// The first window `now` falls in, or nullptr.
const MaintenanceWindow* active_maintenance_window(const std::vector<MaintenanceWindow>& windows, TimePoint now);

}  // namespace authwatch

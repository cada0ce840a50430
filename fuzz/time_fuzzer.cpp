// The time parsers: ISO 8601 (core/time, every source), RFC 5322 banner dates, PowerShell
// "/Date(ms)/", durations, maintenance windows, a server's local times and UTC offsets
// (core/local_time: queue snapshots' LastRetryTime, under each day/month order), LDAP GeneralizedTime (rootDSE currentTime) and
// Kerberos' DER GeneralizedTime, each over the same text; every time they accept is formatted as
// keys and output format it. Checked: an ISO 8601 time within years 1..9998 formats to text that
// parses back to the same millisecond; a weekly maintenance window's times lie within the day; a
// UTC offset lies within ±14 h; a local time read says how it was read.
#include <algorithm>
#include <chrono>
#include <vector>

#include "core/local_time.hpp"
#include "core/maintenance.hpp"
#include "core/time.hpp"
#include "fuzz/fuzz_support.hpp"
#include "probes/ldap/generalized_time.hpp"
#include "probes/protocols/der.hpp"

using namespace authwatch;

namespace {

void format(std::optional<TimePoint> t) {
  if (t) (void)format_iso8601(*t);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace std::chrono;
  const std::string_view text = fuzz::as_text(data, size);
  const auto iso = parse_iso8601(text);
  if (iso) {
    const TimePoint low{sys_days{year{1} / January / 2}}, high{sys_days{year{9998} / December / 31}};
    if (*iso >= low && *iso < high) {
      const auto again = parse_iso8601(format_iso8601(*iso));
      fuzz::require(again && *again == floor<milliseconds>(*iso), "an ISO 8601 time formats to text that parses back",
                    format_iso8601(*iso));
    }
  }
  format(parse_rfc5322_date(text));
  format(parse_ms_json_date(text));
  format(probes::parse_generalized_time(text));
  if (auto t = probes::der::parse_generalized_time(fuzz::as_bytes(data, size))) (void)format_iso8601(t.value());
  if (auto d = parse_duration(text)) (void)d->count();
  if (auto offset = parse_utc_offset(text)) {
    fuzz::require(*offset >= -hours{14} && *offset <= hours{14}, "a UTC offset lies within 14 hours", text);
    (void)format_utc_offset(*offset);
  }
  for (DateOrder order : {DateOrder::Auto, DateOrder::MonthDayYear, DateOrder::DayMonthYear, DateOrder::YearMonthDay}) {
    LocalTimeRules rules;
    rules.order = order;
    if (order == DateOrder::DayMonthYear) rules.offset = minutes{-330}, rules.offset_from = "--time-zone";
    if (auto read = read_local_time(text, rules)) {
      fuzz::require(!read.value().basis.empty(), "a local time says how it was read", text);
      (void)format_iso8601(read.value().utc);
    }
  }
  {  // A queue's retry times, one per line, oldest first.
    std::vector<std::string_view> times;
    for (size_t start = 0; start <= text.size() && times.size() < 4;) {
      const size_t end = std::min(text.find('\n', start), text.size());
      times.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    (void)date_order_of_sequence(times);
  }
  if (auto window = parse_maintenance_window(text)) {
    const auto& w = window.value();
    if (!w.start) {
      fuzz::require(w.days != 0 && w.days < 0x80, "a weekly window starts on some day of the week");
      fuzz::require(w.from_minute >= 0 && w.from_minute < 24 * 60 && w.to_minute >= 0 && w.to_minute <= 24 * 60,
                    "a weekly window's times lie within the day", w.text);
    }
    const TimePoint at{sys_days{year{2026} / December / 5} + hours{23}};
    (void)active_maintenance_window({w}, at);
  }
  return 0;
}

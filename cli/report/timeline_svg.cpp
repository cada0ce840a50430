#include "cli/report/timeline_svg.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>

#include "cli/report/html.hpp"
#include "core/utf8.hpp"

namespace authwatch::cli {
namespace {

constexpr std::array<std::string_view, 5> kLanes = {"Application log", "System log (Kerberos)", "SMTP protocol log", "Get-Queue",
                                                    "other"};
constexpr int kWidth = 960, kLeft = 170, kRight = 24, kTop = 28, kLane = 34, kBottom = 26;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A tick step that gives at most eight ticks over the span.
std::chrono::seconds tick_step(std::chrono::microseconds span) {
  using namespace std::chrono_literals;
  for (auto step : {1s, 5s, 15s, 30s, 60s, 120s, 300s, 600s, 900s, 1800s, 3600s, 7200s, 21600s, 43200s, 86400s, 172800s, 604800s})
    if (span / step <= 8) return step;
  return std::chrono::duration_cast<std::chrono::seconds>(span / 8);
}

std::string tick_label(TimePoint t, bool with_date, bool with_seconds) {
  std::string iso = format_iso8601(t);  // 2024-03-15T10:02:11.301Z
  std::string label = iso.substr(11, with_seconds ? 8 : 5);
  return with_date ? iso.substr(5, 5) + " " + label : label;
}

}  // namespace

std::string_view signal_source_lane(const Signal& s) {
  const auto& e = s.evidence;
  if (!e.is_object()) return kLanes[4];
  if (e.contains("lines")) return kLanes[2];
  if (e.contains("last_error")) return kLanes[3];
  if (e.contains("event_id")) {
    const auto channel = e.value("channel", nlohmann::json("")).is_string() ? e.value("channel", std::string()) : std::string();
    return channel == "System" || s.signal_class == SignalClass::Context ? kLanes[1] : kLanes[0];
  }
  return kLanes[4];
}

std::string timeline_svg(const Incident& incident, const std::vector<storage::StoredSignal>& signals,
                         const std::vector<storage::StoredSignal>& noise) {
  std::vector<const storage::StoredSignal*> all;
  for (const auto& s : signals) all.push_back(&s);
  for (const auto& s : noise) all.push_back(&s);
  TimePoint t0 = incident.first_seen, t1 = incident.last_seen;
  for (const auto* s : all) {
    t0 = std::min(t0, s->signal.time);
    t1 = std::max(t1, s->signal.time);
  }
  const auto span = std::max<std::chrono::microseconds>(t1 - t0, std::chrono::minutes{2});
  const auto pad = span / 20;
  t0 -= pad;
  t1 = t0 + span + 2 * pad;
  const double plot = kWidth - kLeft - kRight;
  auto x_of = [&](TimePoint t) { return kLeft + plot * std::chrono::duration<double>(t - t0).count() / std::chrono::duration<double>(t1 - t0).count(); };

  // Only the lanes that have signals, in their fixed order.
  std::vector<std::string_view> lanes;
  for (auto lane : kLanes)
    if (std::any_of(all.begin(), all.end(), [&](const auto* s) { return signal_source_lane(s->signal) == lane; })) lanes.push_back(lane);
  if (lanes.empty()) lanes.push_back(kLanes[0]);
  const int height = kTop + kLane * static_cast<int>(lanes.size()) + kBottom;
  auto y_of = [&](std::string_view lane) {
    const auto at = std::find(lanes.begin(), lanes.end(), lane) - lanes.begin();
    return kTop + kLane * static_cast<double>(at) + kLane / 2.0;
  };

  std::string svg;
  svg += "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(kWidth) + " " + std::to_string(height) +
         "\" width=\"100%\" role=\"img\" aria-label=\"" +
         escape_html("Signals of incident " + std::to_string(incident.id) + " over time, by source and class") + "\">";
  // The incident's own span.
  svg += "<rect class=\"span\" x=\"" + num(x_of(incident.first_seen)) + "\" y=\"" + std::to_string(kTop - 4) + "\" width=\"" +
         num(std::max(2.0, x_of(incident.last_seen) - x_of(incident.first_seen))) + "\" height=\"" +
         std::to_string(kLane * static_cast<int>(lanes.size()) + 8) + "\"/>";
  for (size_t i = 0; i < lanes.size(); ++i) {
    const double y = y_of(lanes[i]);
    svg += "<line class=\"lane\" x1=\"" + std::to_string(kLeft) + "\" x2=\"" + std::to_string(kWidth - kRight) + "\" y1=\"" + num(y) +
           "\" y2=\"" + num(y) + "\"/>";
    svg += "<text class=\"lane-label\" x=\"" + std::to_string(kLeft - 10) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
           escape_html(lanes[i]) + "</text>";
  }
  // Time axis (UTC).
  const auto step = tick_step(t1 - t0);
  const bool with_date = std::chrono::floor<std::chrono::days>(t0) != std::chrono::floor<std::chrono::days>(t1);
  const bool with_seconds = step < std::chrono::minutes{1};
  const double axis_y = kTop + kLane * static_cast<double>(lanes.size()) + 6;
  const int64_t step_us = std::chrono::duration_cast<std::chrono::microseconds>(step).count();
  const int64_t start_us = t0.time_since_epoch().count();
  const int64_t first_us = (start_us >= 0 ? (start_us + step_us - 1) / step_us : start_us / step_us) * step_us;
  for (TimePoint t{std::chrono::microseconds{first_us}}; t <= t1; t += std::chrono::microseconds{step_us}) {
    const double x = x_of(t);
    svg += "<line class=\"tick\" x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + std::to_string(kTop - 4) + "\" y2=\"" + num(axis_y) + "\"/>";
    svg += "<text class=\"tick-label\" x=\"" + num(x) + "\" y=\"" + num(axis_y + 14) + "\" text-anchor=\"middle\">" +
           escape_html(tick_label(t, with_date, with_seconds)) + "</text>";
  }
  svg += "<text class=\"tick-label\" x=\"" + std::to_string(kLeft - 10) + "\" y=\"" + num(axis_y + 14) + "\" text-anchor=\"end\">UTC</text>";
  // The marks: noise under context under faults.
  int context_labels = 0;
  for (const SignalClass cls : {SignalClass::Noise, SignalClass::Context, SignalClass::Fault}) {
    for (const auto* st : all) {
      const auto& s = st->signal;
      if (s.signal_class != cls) continue;
      const double x = x_of(s.time), y = y_of(signal_source_lane(s));
      std::string title = format_iso8601(s.time) + "  " + std::string(to_string(s.signal_class)) + "  " + s.rule;
      if (!s.status.empty()) title += "  " + s.status;
      if (!s.peer_ip.empty() || !s.peer_name.empty()) title += "  peer " + s.peer_ip + (s.peer_name.empty() ? "" : " " + s.peer_name);
      if (!s.target_spn.empty()) title += "  " + s.target_spn;
      const std::string tip = "<title>" + escape_html(title) + "</title>";
      if (cls == SignalClass::Fault) {
        svg += "<circle class=\"mark fault\" cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"6\">" + tip + "</circle>";
      } else if (cls == SignalClass::Context) {
        svg += "<path class=\"mark context\" d=\"M" + num(x) + " " + num(y - 7) + " l7 7 l-7 7 l-7 -7 z\">" + tip + "</path>";
        if (context_labels++ < 6 && !s.status.empty())
          svg += "<text class=\"mark-label\" x=\"" + num(x + 9) + "\" y=\"" + num(y - 8) + "\">" + escape_html(std::string(utf8_prefix(s.status, 40))) + "</text>";
      } else {
        svg += "<circle class=\"mark noise\" cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"5\">" + tip + "</circle>";
      }
    }
  }
  svg += "</svg>";
  return svg;
}

}  // namespace authwatch::cli

#include "service/metrics/exposition.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <vector>

namespace authwatch::service {
namespace {

using Labels = std::vector<std::pair<std::string_view, std::string>>;

// Valid UTF-8 only (each bad byte becomes U+FFFD), cut at a character boundary.
std::string clean_utf8(std::string_view in) {
  std::string out;
  out.reserve(std::min(in.size(), kMaxLabelValueBytes));
  for (size_t i = 0; i < in.size();) {
    const auto c = static_cast<unsigned char>(in[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= in.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
    if (ok && len == 2) ok = c >= 0xC2;  // no overlong forms
    if (ok && len == 3) {
      const auto c1 = static_cast<unsigned char>(in[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogates
    }
    if (ok && len == 4) {
      const auto c1 = static_cast<unsigned char>(in[i + 1]);
      ok = c <= 0xF4 && !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    const std::string_view piece = ok ? in.substr(i, len) : std::string_view("\xEF\xBF\xBD");
    if (out.size() + piece.size() > kMaxLabelValueBytes) break;
    out.append(piece);
    i += ok ? len : 1;
  }
  return out;
}

std::string number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : "NaN";
}

class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(std::string_view name, const Labels& labels, double value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        if (i) out_ += ',';
        out_ += labels[i].first;
        out_ += "=\"";
        out_ += escape_label_value(labels[i].second);
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += number(value);
    out_ += '\n';
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Series of one labelled metric: labels made unique after cleaning (two values cut to the same
// prefix add up, or keep the larger for a level), then bounded.
struct Series {
  enum class Combine { Sum, Max };
  explicit Series(Combine how = Combine::Sum) : combine(how) {}
  Combine combine;
  std::vector<std::pair<Labels, double>> in_order;
  std::map<std::vector<std::string>, size_t> index;

  void add(Labels labels, double value) {
    std::vector<std::string> key;
    for (auto& [_, v] : labels) {
      v = clean_utf8(v);
      key.push_back(v);
    }
    auto [it, fresh] = index.emplace(std::move(key), in_order.size());
    if (fresh) {
      in_order.emplace_back(std::move(labels), value);
      return;
    }
    double& have = in_order[it->second].second;
    have = combine == Combine::Sum ? have + value : std::max(have, value);
  }
};

void write_bounded(Writer& w, std::map<std::string, size_t>& dropped, std::string_view name, std::string_view type,
                   std::string_view help, const Series& series) {
  w.family(name, type, help);
  const size_t shown = std::min(series.in_order.size(), kMaxSeriesPerMetric);
  for (size_t i = 0; i < shown; ++i) w.sample(name, series.in_order[i].first, series.in_order[i].second);
  dropped[std::string(name)] = series.in_order.size() - shown;
}

double unix_seconds(TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

int finding_level(FindingStatus s) {
  switch (s) {
    case FindingStatus::Ok: return 0;
    case FindingStatus::Warn: return 1;
    case FindingStatus::Fail: return 2;
    case FindingStatus::Error: return 3;
    case FindingStatus::Skipped: return -1;
  }
  return 3;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string render_exposition(const MetricsSnapshot& m) {
  Writer w;
  std::map<std::string, size_t> dropped;
  w.family("authwatch_up", "gauge", "1 while the AuthWatch monitor runs and serves its metrics.");
  w.sample("authwatch_up", {}, 1);
  w.family("authwatch_build_info", "gauge", "The AuthWatch version, as a label; always 1.");
  w.sample("authwatch_build_info", {{"version", m.version}}, 1);

  // Active last first: when the bound cuts, the incidents people look at now stay.
  auto open = m.open_incidents;
  std::stable_sort(open.begin(), open.end(), [](const Incident& a, const Incident& b) { return a.last_seen > b.last_seen; });
  Series incidents;
  for (const auto& i : open) {
    const std::string name = i.peer_context.empty() ? i.peer_name : "seen at " + i.peer_context;
    incidents.add({{"observer", i.observer}, {"direction", std::string(to_string(i.direction))}, {"peer", i.peer}, {"peer_name", name}}, 1);
  }
  write_bounded(w, dropped, "authwatch_incident_open", "gauge",
                "1 per open incident: the observer (the server whose evidence it is) failed to authenticate to the peer "
                "(outbound) or rejected it (inbound).",
                incidents);

  w.family("authwatch_incidents", "gauge", "Incidents in the monitor's database by status and direction.");
  for (const char* status : {"open", "resolved"})
    for (const char* direction : {"inbound", "outbound"}) {
      int64_t n = 0;
      for (const auto& c : m.incident_counts)
        if (c.status == status && c.direction == direction) n += c.count;
      w.sample("authwatch_incidents", {{"status", status}, {"direction", direction}}, static_cast<double>(n));
    }

  w.family("authwatch_signals_total", "counter",
           "Signals this monitor stored since it started, by class: fault (opens incidents), noise (look-alikes such as "
           "users' passwords), context (Kerberos errors that explain an incident).");
  w.sample("authwatch_signals_total", {{"class", "fault"}}, static_cast<double>(m.fault_signals));
  w.sample("authwatch_signals_total", {{"class", "noise"}}, static_cast<double>(m.noise_signals));
  w.sample("authwatch_signals_total", {{"class", "context"}}, static_cast<double>(m.context_signals));

  Series findings{Series::Combine::Max};
  Series offsets{Series::Combine::Max};
  for (const auto& f : m.findings) {
    const int level = finding_level(f.status);
    if (level >= 0) findings.add({{"probe", f.probe}, {"target", f.target}}, level);
    if (f.probe != "clock" || !f.evidence.is_object()) continue;
    const auto readings = f.evidence.find("readings");
    if (readings == f.evidence.end() || !readings->is_object()) continue;
    for (const auto& [method, r] : readings->items()) {
      if (!r.is_object() || !r.value("ok", false)) continue;
      const auto offset = r.find("offset_seconds");
      if (offset != r.end() && offset->is_number()) offsets.add({{"target", f.target}, {"method", method}}, offset->get<double>());
    }
  }
  write_bounded(w, dropped, "authwatch_probe_finding_status", "gauge",
                "The latest probe finding per probe and target: 0 ok, 1 warn, 2 fail, 3 error (the check could not be done).",
                findings);
  write_bounded(w, dropped, "authwatch_clock_offset_seconds", "gauge",
                "Clock offset of a DC or the peer against this server, per reading method (+ = the target is ahead); Kerberos "
                "fails beyond 300 s.",
                offsets);

  Series causes{Series::Combine::Max};
  for (const auto& c : m.causes) causes.add({{"cause", c.cause}, {"target", c.target}}, c.confidence);
  write_bounded(w, dropped, "authwatch_diagnosis_cause_confidence", "gauge",
                "Causes the latest diagnosis of the open incidents names, with their confidence (0..1).", causes);

  Series lags;
  for (const auto& l : m.source_lags) lags.add({{"source", l.source}}, static_cast<double>(l.bytes));
  write_bounded(w, dropped, "authwatch_source_lag_bytes", "gauge",
                "Bytes the followed protocol-log folder's files hold beyond what the monitor has read.", lags);

  w.family("authwatch_alerts_pending", "gauge", "Alerts waiting for delivery to the sinks.");
  w.sample("authwatch_alerts_pending", {}, static_cast<double>(m.alerts_pending));
  w.family("authwatch_last_pass_timestamp_seconds", "gauge", "When the monitor last completed a pass over its sources (Unix time).");
  w.sample("authwatch_last_pass_timestamp_seconds", {}, m.last_pass ? unix_seconds(*m.last_pass) : 0);

  w.family("authwatch_metrics_series_dropped", "gauge",
           "Series a labelled metric left out because it reached its bound of " + std::to_string(kMaxSeriesPerMetric) + ".");
  for (const auto& [name, n] : dropped) w.sample("authwatch_metrics_series_dropped", {{"metric", name}}, static_cast<double>(n));
  return w.take();
}

}  // namespace authwatch::service

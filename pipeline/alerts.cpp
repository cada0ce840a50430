#include "pipeline/alerts.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>


namespace authwatch::pipeline {

int cause_event_id(const std::string& cause) {
  const auto& causes = cause_vocabulary();
  auto it = std::find(causes.begin(), causes.end(), cause);
  return it == causes.end() ? kEventNoCauseFound : kEventCauseDiagnosedBase + static_cast<int>(it - causes.begin());
}

nlohmann::json incident_json(const Incident& i) {
  auto text_or_null = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  return {{"id", i.id},
          {"observer", text_or_null(i.observer)},
          {"direction", to_string(i.direction)},
          {"peer", i.peer},
          {"peer_name", text_or_null(i.peer_name)},
          {"peer_context", text_or_null(i.peer_context)},
          {"status", to_string(i.status)},
          {"signal_count", i.signal_count},
          {"first_seen", format_iso8601(i.first_seen)},
          {"last_seen", format_iso8601(i.last_seen)},
          {"resolved_at", i.resolved_at ? nlohmann::json(format_iso8601(*i.resolved_at)) : nlohmann::json(nullptr)}};
}

namespace {

storage::AlertRecord alert_for(const Incident& incident, const char* kind, int event_id, TimePoint now) {
  storage::AlertRecord a;
  a.incident_id = incident.id;
  a.kind = kind;
  a.windows_event_id = event_id;
  a.created_at = now;
  a.payload = {{"incident", incident_json(incident)}};
  return a;
}

// A text field of a stored payload: "" when missing or null (alerts stored before 2026-12-08 wrote
// "" for an unknown name, later ones null).
std::string text_field(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string peer_text(const nlohmann::json& incident) {
  std::string peer = text_field(incident, "peer");
  const std::string name = text_field(incident, "peer_name"), context = text_field(incident, "peer_context");
  if (!name.empty() && name != peer) peer += " (" + name + ")";
  else if (name.empty() && !context.empty()) peer += " (" + context + ")";  // which queue, for a peer nobody knows
  return peer;
}

}  // namespace

storage::AlertRecord incident_opened_alert(const Incident& incident, TimePoint now) {
  return alert_for(incident, "incident-opened", kEventIncidentOpened, now);
}

storage::AlertRecord incident_resolved_alert(const Incident& incident, TimePoint now) {
  return alert_for(incident, "incident-resolved", kEventIncidentResolved, now);
}

storage::AlertRecord cause_diagnosed_alert(const Incident& incident, const Diagnosis& diagnosis, int64_t probe_run_id, TimePoint now) {
  const std::string top = diagnosis.causes.empty() ? "" : diagnosis.causes.front().cause;
  auto a = alert_for(incident, "cause-diagnosed", top.empty() ? kEventNoCauseFound : cause_event_id(top), now);
  a.payload["probe_run_id"] = probe_run_id;
  a.payload["diagnosis"] = to_json(diagnosis);
  return a;
}

storage::AlertRecord health_alert(const std::string& message, nlohmann::json details, TimePoint now) {
  storage::AlertRecord a;
  a.kind = "health";
  a.windows_event_id = kEventServiceHealth;
  a.created_at = now;
  a.payload = details.is_object() ? std::move(details) : nlohmann::json::object();
  a.payload["message"] = message;
  return a;
}

std::string alert_message(const storage::AlertRecord& a) {
  const auto& incident = a.payload.contains("incident") ? a.payload["incident"] : nlohmann::json::object();
  const std::string what = std::string(incident.value("direction", "") == "inbound" ? "from " : "to ") + peer_text(incident);
  if (a.kind == "incident-opened")
    return "Exchange authentication failures " + what + ": incident " + std::to_string(incident.value("id", 0)) +
           " opened (454 4.7.0, first seen " + incident.value("first_seen", "") + ")";
  if (a.kind == "incident-resolved")
    return "Exchange authentication " + what + " recovered: incident " + std::to_string(incident.value("id", 0)) + " resolved after " +
           std::to_string(incident.value("signal_count", 0)) + " failure signal(s)";
  if (a.kind == "cause-diagnosed") {
    const auto causes = a.payload["diagnosis"].value("causes", nlohmann::json::array());
    if (causes.empty()) return "Incident " + std::to_string(incident.value("id", 0)) + " (" + what + "): the probes found no cause";
    const auto& top = causes[0];
    return "Incident " + std::to_string(incident.value("id", 0)) + " (" + what + "): cause " + top.value("cause", "") + " on " +
           top.value("target", "") + " — " + top.value("summary", "") + ". Fix: " + top.value("fix", "");
  }
  return a.payload.value("message", a.kind);
}

namespace {

nlohmann::json alert_line(const storage::AlertRecord& a) {
  nlohmann::json j = {{"id", a.id},           {"time", format_iso8601(a.created_at)}, {"kind", a.kind},
                      {"event_id", a.windows_event_id}, {"message", alert_message(a)}};
  j["incident_id"] = a.incident_id ? nlohmann::json(*a.incident_id) : nlohmann::json(nullptr);
  for (const auto& [k, v] : a.payload.items()) j[k] = v;
  return j;
}

class JsonLinesSink final : public AlertSink {
 public:
  explicit JsonLinesSink(std::string path) : path_(std::move(path)) {}
  std::string name() const override { return "jsonl:" + path_; }
  Result<void> deliver(const storage::AlertRecord& a) override {
    const std::string line = alert_line(a).dump() + "\n";
    if (path_ == "-") {
      std::cout << line << std::flush;
      return {};
    }
    std::ofstream out(path_, std::ios::app | std::ios::binary);
    out << line;
    out.flush();
    if (!out) return Error{"cannot append to " + path_};
    return {};
  }

 private:
  std::string path_;
};


}  // namespace

std::unique_ptr<AlertSink> make_json_lines_sink(const std::string& path) { return std::make_unique<JsonLinesSink>(path); }

}  // namespace authwatch::pipeline

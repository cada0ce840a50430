#include "cli/signal_rows.hpp"

namespace authwatch::cli {

namespace {

Rows people_rows(const std::vector<storage::StoredSignal>& signals) {
  Rows rows{{"time (UTC)", "class", "observer", "direction", "peer", "status", "incident", "why", "source"}, {}, /*details_from=*/7};
  for (const auto& st : signals) {
    const auto& s = st.signal;
    std::string time = format_iso8601(s.time).substr(0, 16);  // to the minute; JSON has milliseconds
    time[10] = ' ';
    std::string peer = s.peer_ip;
    if (!s.peer_name.empty()) peer += (peer.empty() ? "" : " ") + s.peer_name;
    if (peer.empty() && !s.peer_context.empty()) peer = "unknown, seen at " + s.peer_context;
    const auto slash = st.source_location.find_last_of("/\\");
    const std::string file = slash == std::string::npos ? st.source_location : st.source_location.substr(slash + 1);
    const std::string observer = !s.observer.empty() ? s.observer : !s.observer_ip.empty() ? s.observer_ip : "?";
    rows.rows.push_back({time, std::string(to_string(s.signal_class)), observer, std::string(to_string(s.direction)), peer, s.status,
                         st.incident_id ? std::to_string(*st.incident_id) : "-", s.verdict, file + " " + st.source_locator});
  }
  return rows;
}

}  // namespace

Rows signal_rows(const std::vector<storage::StoredSignal>& signals, bool for_people) {
  if (for_people) return people_rows(signals);
  Rows rows{{"time (UTC)", "class", "observer", "observer ip", "direction", "peer", "peer name", "connector", "mechanism", "status",
              "incident", "why", "source"},
             {}};
  for (const auto& st : signals) {
    const auto& s = st.signal;
    const std::string name = s.peer_name.empty() && !s.peer_context.empty() ? "seen at " + s.peer_context : s.peer_name;
    rows.rows.push_back({format_iso8601(s.time), std::string(to_string(s.signal_class)), s.observer, s.observer_ip,
                         std::string(to_string(s.direction)),
                         s.peer_ip, name, s.connector, s.mechanism, s.status,
                         st.incident_id ? std::to_string(*st.incident_id) : "-", s.verdict,
                         st.source_location + " " + st.source_locator});
  }
  return rows;
}

nlohmann::json signal_json(const storage::StoredSignal& st, bool with_evidence) {
  const auto& s = st.signal;
  auto opt = [](const std::string& v) { return v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v); };
  nlohmann::json j = {{"id", st.id},
                      {"time", format_iso8601(s.time)},
                      {"class", to_string(s.signal_class)},
                      {"observer", opt(s.observer)},
                      {"observer_ip", opt(s.observer_ip)},
                      {"direction", to_string(s.direction)},
                      {"rule", s.rule},
                      {"peer_ip", opt(s.peer_ip)},
                      {"peer_name", opt(s.peer_name)},
                      {"connector", opt(s.connector)},
                      {"mechanism", opt(s.mechanism)},
                      {"status", opt(s.status)},
                      {"reply", opt(s.reply)},
                      {"target_spn", opt(s.target_spn)},
                      {"peer_context", opt(s.peer_context)},
                      {"verdict", opt(s.verdict)},
                      {"incident_id", st.incident_id ? nlohmann::json(*st.incident_id) : nlohmann::json(nullptr)},
                      {"source", st.source_location},
                      {"locator", st.source_locator}};
  if (with_evidence) j["evidence"] = s.evidence;
  return j;
}

}  // namespace authwatch::cli

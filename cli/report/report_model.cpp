#include "cli/report/report_model.hpp"

#include <algorithm>
#include <set>

namespace authwatch::cli {

ReportModel load_report(std::vector<FleetDatabase>& fleet, const ReportOptions& options, TimePoint now) {
  ReportModel m;
  m.generated = now;
  m.since = options.since;
  std::vector<LinkEvidence> evidence;
  std::vector<ObserverIdentity> observers;
  for (auto& member : fleet) {
    m.databases.push_back(member.path);
    storage::Store store(*member.db);
    for (auto& o : observers_in(store)) observers.push_back(std::move(o));
    std::vector<Incident> chosen;
    if (options.incident) {
      if (auto one = store.incident(*options.incident)) chosen.push_back(*one);
    } else {
      chosen = store.incidents(storage::IncidentFilter::All);
    }
    for (auto& incident : chosen) {
      if (options.since && incident.last_seen < *options.since) continue;
      ReportIncident r;
      r.db = member.path;
      storage::SignalQuery query;
      query.incident_id = incident.id;
      auto all = store.signals(query);
      r.diagnosis = latest_diagnosis(store, incident.id, all);
      if (all.size() > kReportSignalsPerIncident) {
        r.signals_left_out = all.size() - kReportSignalsPerIncident;
        all.resize(kReportSignalsPerIncident);
      }
      r.signals = std::move(all);
      // The look-alikes from the same peer while the incident lasted (a client's password from the
      // same address, a smart host): stored as noise, never part of the incident, shown beside it.
      if (incident.peer != kUnknownPeer) {
        storage::SignalQuery nearby;
        nearby.since = incident.first_seen;
        nearby.peer = incident.peer;
        nearby.limit = 2000;
        for (auto& s : store.signals(nearby)) {
          if (s.signal.time > incident.last_seen) break;
          if (s.signal.signal_class != SignalClass::Noise || s.incident_id) continue;
          if (r.noise.size() >= kReportNoisePerIncident) break;
          r.noise.push_back(std::move(s));
        }
      }
      evidence.push_back({member.path, incident, r.diagnosis.diagnosis.causes});
      r.incident = std::move(incident);
      m.incidents.push_back(std::move(r));
    }
  }
  m.links = build_links(evidence, observers);
  std::set<std::string> servers;
  for (const auto& l : m.links)
    for (const auto& s : l.seen_by) servers.insert(s);
  m.servers.assign(servers.begin(), servers.end());
  for (const auto& r : m.incidents) {
    if (!m.from || r.incident.first_seen < *m.from) m.from = r.incident.first_seen;
    if (!m.to || r.incident.last_seen > *m.to) m.to = r.incident.last_seen;
  }
  std::stable_sort(m.incidents.begin(), m.incidents.end(), [](const ReportIncident& a, const ReportIncident& b) {
    if (a.incident.status != b.incident.status) return a.incident.status == IncidentStatus::Open;
    return a.incident.last_seen > b.incident.last_seen;
  });
  return m;
}

}  // namespace authwatch::cli

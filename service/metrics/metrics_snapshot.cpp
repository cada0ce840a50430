#include "service/metrics/metrics_snapshot.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

#include "core/evidence_causes.hpp"

namespace authwatch::service {
namespace fs = std::filesystem;

namespace {

// Open incidents whose latest runs are looked at: the ones active last (the exposition shows at
// most its own bound of them anyway).
constexpr size_t kMaxIncidentRuns = 100;

void keep_newest(std::map<std::pair<std::string, std::string>, std::pair<TimePoint, Finding>>& by_target, const Finding& f,
                 TimePoint when) {
  if (f.status == FindingStatus::Skipped) return;
  auto key = std::make_pair(f.probe, f.target);
  auto it = by_target.find(key);
  if (it == by_target.end() || it->second.first < when) by_target[key] = {when, f};
}

}  // namespace

MetricsSnapshot collect_metrics(storage::Store& store) {
  MetricsSnapshot m;
  m.open_incidents = store.incidents(storage::IncidentFilter::Open);
  m.incident_counts = store.incident_counts();
  m.alerts_pending = store.count_pending_alerts();

  std::map<std::pair<std::string, std::string>, std::pair<TimePoint, Finding>> findings;
  std::map<std::pair<std::string, std::string>, Cause> causes;
  if (auto latest = store.probe_runs(std::nullopt, 1); !latest.empty())
    for (const auto& f : store.findings(latest.front().id)) keep_newest(findings, f, latest.front().started_at);
  size_t looked = 0;
  for (const auto& incident : m.open_incidents) {
    if (++looked > kMaxIncidentRuns) break;
    auto runs = store.probe_runs(incident.id, 1);
    std::vector<Finding> run_findings;
    if (!runs.empty()) {
      run_findings = store.findings(runs.front().id);
      for (const auto& f : run_findings) keep_newest(findings, f, runs.front().started_at);
    }
    Diagnosis d = runs.empty() ? Diagnosis{} : diagnose(run_findings);
    storage::SignalQuery query;
    query.incident_id = incident.id;
    query.include_noise = false;
    query.limit = 200;  // the causes a record names are named by its first faults already
    std::vector<Signal> faults;
    for (auto& s : store.signals(query)) faults.push_back(std::move(s.signal));
    add_named_causes(d, causes_named_by_signals(faults));
    for (auto& c : d.causes) {
      auto key = std::make_pair(c.cause, c.target);
      auto it = causes.find(key);
      if (it == causes.end() || it->second.confidence < c.confidence) causes[key] = c;
    }
  }
  for (auto& [_, f] : findings) m.findings.push_back(std::move(f.second));
  for (auto& [_, c] : causes) m.causes.push_back(std::move(c));
  return m;
}

std::vector<SourceLag> measure_source_lags(storage::Store& store, const std::vector<std::string>& folders) {
  std::vector<SourceLag> lags;
  for (const auto& folder : folders) lags.push_back({folder, 0});
  if (folders.empty()) return lags;
  std::vector<std::string> roots;
  for (const auto& folder : folders) roots.push_back(fs::absolute(folder).lexically_normal().string());
  for (const auto& s : store.sources()) {
    if (s.kind != "protocol-log") continue;
    for (size_t i = 0; i < roots.size(); ++i) {
      const auto rel = fs::path(s.location).lexically_relative(roots[i]);
      if (rel.empty() || *rel.begin() == "..") continue;
      std::error_code ec;
      const auto size = fs::file_size(s.location, ec);
      if (!ec && size > s.position.offset) lags[i].bytes += static_cast<int64_t>(size - s.position.offset);
      break;
    }
  }
  return lags;
}

}  // namespace authwatch::service

#pragma once
// What the monitor shows Prometheus (issue 14), as data: the loop collects it from its database
// after a pass and publishes it rendered (exposition.hpp); a scrape only reads the last one, so no
// request ever waits on the loop or the database.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnosis.hpp"
#include "core/finding.hpp"
#include "core/incident.hpp"
#include "storage/store.hpp"

namespace authwatch::service {

struct SourceLag {
  std::string source;  // the followed folder, as configured
  int64_t bytes = 0;   // what its files hold beyond the stored positions
};

struct MetricsSnapshot {
  std::string version;
  std::vector<Incident> open_incidents;
  std::vector<storage::IncidentCount> incident_counts;  // by status and direction
  // Signals this monitor stored since it started, by class (a counter: restarts reset it).
  uint64_t fault_signals = 0, noise_signals = 0, context_signals = 0;
  // The latest finding per (probe, target): of the latest run, and of each open incident's latest run.
  std::vector<Finding> findings;
  // The causes of each open incident's latest run (the probes' and those its evidence names), the
  // highest confidence per (cause, target). A resolved incident's causes are history: not shown.
  std::vector<Cause> causes;
  std::vector<SourceLag> source_lags;
  int64_t alerts_pending = 0;
  std::optional<TimePoint> last_pass;
};

// Everything but the counters and the lags, which the monitor keeps and measures itself.
MetricsSnapshot collect_metrics(storage::Store& store);

// The followed folders' lag: for each folder, the bytes its protocol-log files hold beyond the
// positions stored for them (files no longer there count nothing).
std::vector<SourceLag> measure_source_lags(storage::Store& store, const std::vector<std::string>& folders);

}  // namespace authwatch::service

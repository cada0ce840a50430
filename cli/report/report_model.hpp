#pragma once
// What `authwatch report` shows, read from one or more servers' databases: the links, the
// incidents with their signals (faults and the Kerberos errors attached as context, and the noise
// from the same peer while it lasted), each incident's latest diagnosis and findings, and the time
// range and servers covered. Rendered by report_html.hpp.
#include <optional>
#include <string>
#include <vector>

#include "cli/fleet.hpp"
#include "cli/incident_diagnosis.hpp"
#include "core/links.hpp"
#include "storage/store.hpp"

namespace authwatch::cli {

// Per incident, at most this many signals are drawn and listed (the rest are counted; `show` has all).
inline constexpr size_t kReportSignalsPerIncident = 400;
inline constexpr size_t kReportNoisePerIncident = 50;

struct ReportIncident {
  std::string db;
  Incident incident;
  std::vector<storage::StoredSignal> signals;  // its own (faults, context), oldest first
  std::vector<storage::StoredSignal> noise;    // look-alikes from the same peer during the incident
  size_t signals_left_out = 0;
  StoredDiagnosis diagnosis;
};

struct ReportModel {
  TimePoint generated{};
  std::optional<TimePoint> since;           // --since
  std::optional<TimePoint> from, to;        // the time range the incidents cover
  std::vector<std::string> databases;
  std::vector<std::string> servers;         // the observers, as the links name them
  std::vector<Link> links;
  std::vector<ReportIncident> incidents;    // latest activity first
};

struct ReportOptions {
  std::optional<TimePoint> since;           // incidents active from then on
  std::optional<int64_t> incident;          // only this one (in each database given)
};

ReportModel load_report(std::vector<FleetDatabase>& fleet, const ReportOptions& options, TimePoint now);

}  // namespace authwatch::cli

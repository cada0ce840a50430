#pragma once
// Alerts: one per incident state change (opened, cause diagnosed, resolved), never one per event.
// They are written to the outbox (storage alerts table) in the transaction of the change itself
// and then handed to every sink: JSON lines (file or stdout), syslog/journald on Linux, and on
// Windows the event log (ReportEventW with the message table in installer/; stable event IDs so
// SCOM/WEF rules can key on them).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/diagnosis.hpp"
#include "core/incident.hpp"
#include "core/result.hpp"
#include "storage/store.hpp"

namespace authwatch::pipeline {

// Stable event IDs (the .mc message table uses the same numbers).
inline constexpr int kEventIncidentOpened = 1000;
inline constexpr int kEventCauseDiagnosedBase = 1100;  // + the cause's index in cause_vocabulary()
inline constexpr int kEventNoCauseFound = 1199;
inline constexpr int kEventIncidentResolved = 1900;
inline constexpr int kEventServiceHealth = 1950;

int cause_event_id(const std::string& cause);  // kEventCauseDiagnosedBase + index, or kEventNoCauseFound

// An incident as `authwatch incidents --format json` prints it and alerts carry it: a text that is
// not known (observer, peer name, peer context) and an open incident's resolved_at are null.
nlohmann::json incident_json(const Incident& incident);
storage::AlertRecord incident_opened_alert(const Incident& incident, TimePoint now);
storage::AlertRecord incident_resolved_alert(const Incident& incident, TimePoint now);
// About the monitor itself (a source that stopped working, and working again): kEventServiceHealth.
storage::AlertRecord health_alert(const std::string& message, nlohmann::json details, TimePoint now);
storage::AlertRecord cause_diagnosed_alert(const Incident& incident, const Diagnosis& diagnosis, int64_t probe_run_id, TimePoint now);

// The text an administrator reads (event log message, syslog line, JSON "message").
std::string alert_message(const storage::AlertRecord& alert);

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual std::string name() const = 0;
  virtual Result<void> deliver(const storage::AlertRecord& alert) = 0;
};

// One JSON object per line: {"id","time","kind","event_id","incident_id","message", ...payload}.
// "-" writes to stdout. The file is opened for append per delivery, so log rotation just works.
std::unique_ptr<AlertSink> make_json_lines_sink(const std::string& path);
// The system log sinks (syslog/journald, the Windows event log): service/platform.hpp.

}  // namespace authwatch::pipeline

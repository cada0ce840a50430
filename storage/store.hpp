#pragma once
// Typed reads and writes of AuthWatch's tables. All methods throw std::runtime_error (from
// SQLiteCpp) on database failure; callers wrap batches in Database::transaction.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/detector.hpp"
#include "core/finding.hpp"
#include "core/incident.hpp"
#include "core/signal.hpp"
#include "core/source_position.hpp"
#include "core/transport_event.hpp"
#include "storage/database.hpp"

namespace authwatch::storage {

struct SourceRecord {
  int64_t id = 0;
  std::string kind;       // to_string(SourceKind)
  std::string location;   // path or channel
  SourcePosition position;
  uint64_t records_read = 0;  // cumulative
  uint64_t bad_records = 0;   // cumulative
  std::string last_error;
  TimePoint updated_at{};
};

struct StoredSignal {
  int64_t id = 0;
  int64_t event_id = 0;
  std::optional<int64_t> incident_id;
  std::string source_location;  // the file or channel the event came from
  std::string source_locator;   // record / line within it
  Signal signal;
};

struct SignalQuery {
  std::optional<TimePoint> since;
  std::string peer;                    // matches peer_ip or peer_name (case-insensitive)
  std::optional<int64_t> incident_id;
  bool include_noise = true;
  int limit = 0;                       // 0 = no limit
};

enum class IncidentFilter { Open, Resolved, All };

struct IncidentCount {
  std::string status;     // open, resolved
  std::string direction;  // inbound, outbound
  int64_t count = 0;
};

struct ProbeRunRecord {
  int64_t id = 0;
  std::optional<int64_t> incident_id;  // none for `authwatch probe` started by hand
  TimePoint started_at{};
  TimePoint finished_at{};
  std::string trigger;                  // "manual", "incident-opened", "cooldown"
  nlohmann::json targets = nlohmann::json::object();
  std::string status;                   // worst finding status of the run
  std::string error;
};

// An alert in the outbox: written in the same transaction as the incident change it reports, so a
// crash can neither lose nor invent one; delivered_at is set once every sink has taken it.
struct AlertRecord {
  int64_t id = 0;
  std::optional<int64_t> incident_id;
  std::string kind;                      // "incident-opened", "cause-diagnosed", "incident-resolved", "health"
  int windows_event_id = 0;              // the message table's ID for this kind (installer/)
  TimePoint created_at{};
  nlohmann::json payload = nlohmann::json::object();
  std::optional<TimePoint> delivered_at;
  std::string sink;                      // set when taken: the sinks, or "suppressed: <why>" (maintenance)
};

// A record that could not be stored (an exception for it alone, e.g. a value SQLite or the JSON
// encoder refuses): kept with its error so it is seen (`authwatch status`) instead of stopping its
// source, whose position moves past it. Keyed by the file or channel and the record's natural key.
struct QuarantineRecord {
  int64_t id = 0;
  std::string source_kind;  // to_string(SourceKind)
  std::string location;     // file or channel
  std::string locator;      // record / line within it
  std::string key;          // the record's natural key (events.dedup_key)
  std::string error;        // what refused it
  std::string excerpt;      // the start of the record's text, for a look
  TimePoint first_seen{};
  TimePoint last_seen{};
  int64_t count = 1;        // times it was met (a file read again after a position reset meets it again)
};
inline constexpr int64_t kMaxQuarantineRows = 1000;  // the oldest go first, counted as dropped

struct PruneCounts {
  int64_t events = 0, signals = 0, incidents = 0, probe_runs = 0, alerts = 0;
};

class Store {
 public:
  explicit Store(Database& db);

  // Sources and their positions.
  std::optional<SourceRecord> find_source(const std::string& kind, const std::string& location);
  // Inserts or updates; adds records_read/bad_records to the stored totals; returns the row id.
  int64_t save_source(const std::string& kind, const std::string& location, const SourcePosition& position,
                      uint64_t records_read_delta, uint64_t bad_records_delta, const std::string& last_error,
                      TimePoint now);
  std::vector<SourceRecord> sources();

  // Events: the row id, or nullopt when an event with the same natural key is already stored.
  std::optional<int64_t> insert_event(const TransportEvent& event, int64_t source_id);
  int64_t count_events();

  // Signals: the row id, or nullopt when a signal with the same natural key is already stored.
  std::optional<int64_t> insert_signal(const Signal& signal, int64_t event_row_id);
  bool has_signal(const std::string& dedup_key);
  // Fault signals not yet attached to an incident, oldest first.
  std::vector<StoredSignal> unassigned_fault_signals();
  // Context signals (Kerberos errors) not yet attached to an incident, from `since` on, oldest first.
  std::vector<StoredSignal> unassigned_context_signals(TimePoint since);
  void assign_signal(int64_t signal_id, int64_t incident_id);
  std::vector<StoredSignal> signals(const SignalQuery& query);
  int64_t count_signals();
  // The names observers gave themselves with the address they spoke from (a protocol log's local
  // end and its EHLO or connector), each pair once, at most `limit`.
  std::vector<std::pair<std::string, std::string>> observer_addresses(int limit = 1000);

  // Incidents.
  int64_t insert_incident(const Incident& incident);  // returns the new id
  void update_incident(const Incident& incident);     // by incident.id
  std::vector<Incident> incidents(IncidentFilter filter);
  std::optional<Incident> incident(int64_t id);
  // How many incidents by status and direction (the metrics).
  std::vector<IncidentCount> incident_counts();
  // Resolved incidents whose episode reaches `since` or later: old signals may still extend them.
  std::vector<Incident> resolved_incidents_since(TimePoint since);
  // One outage seen under two names (core/incident.hpp, IncidentChange::Merged): the absorbed
  // incident's signals, probe runs and alerts move to `into`, which is stored; the absorbed row goes.
  void merge_incident(int64_t absorbed_id, const Incident& into);

  // Probe runs and their findings (storage/store_probes.cpp).
  int64_t insert_probe_run(const ProbeRunRecord& run, const std::vector<Finding>& findings);
  std::vector<ProbeRunRecord> probe_runs(std::optional<int64_t> incident_id, int limit = 0);
  std::vector<Finding> findings(int64_t run_id);

  // The alert outbox (storage/store_alerts.cpp).
  int64_t insert_alert(const AlertRecord& alert);
  // Undelivered, oldest first: those after `after_id`, at most `limit` (0 = all).
  std::vector<AlertRecord> pending_alerts(int64_t after_id = 0, int limit = 0);
  int64_t count_pending_alerts();
  std::vector<AlertRecord> alerts(int limit);  // newest first
  // `sink`: who took it ("" = every sink), or "suppressed: <why>" when a maintenance window held it back.
  void mark_alert_delivered(int64_t id, TimePoint when, const std::string& sink = "");

  // The monitor's own state by name ("last_pass", "last_error", "maintenance", ...), upserted
  // (storage/store_monitor.cpp).
  void set_monitor_state(const std::string& name, const std::string& value, TimePoint now);
  struct MonitorStateValue {
    std::string value;
    TimePoint updated_at{};
  };
  std::map<std::string, MonitorStateValue> monitor_state();

  // Quarantined records (storage/store_quarantine.cpp). quarantine() inserts, or counts one more
  // meeting of the same record (its last error kept); beyond kMaxQuarantineRows the oldest rows
  // go and are added to the monitor_state row 'quarantine_dropped'. Returns true for a new row.
  bool quarantine(const QuarantineRecord& record);
  std::vector<QuarantineRecord> quarantined(int limit);  // most recently met first
  int64_t count_quarantined();
  int64_t quarantine_dropped();

  // The detector's protocol-log sessions in progress (storage/store_sessions.cpp): written in the
  // transaction of the position they belong to.
  std::vector<DetectorSession> detector_sessions();
  void save_detector_sessions(const DetectorSessionChanges& changes);

  // Retention: deletes everything whose time is before cutoff (incidents: resolved before cutoff,
  // with their signals; events no longer referenced).
  PruneCounts prune(TimePoint cutoff);

 private:
  Database& db_;
};

}  // namespace authwatch::storage

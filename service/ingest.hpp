#pragma once
// Where exported files become stored events, signals and incidents. Used by `authwatch scan`
// and by the monitor's drop folder. One file = one transaction: its relevant events, their
// signals and the source's new position commit together, so an interrupted scan neither loses
// nor repeats anything.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/detector.hpp"
#include "core/incident.hpp"
#include "sources/file_source.hpp"
#include "storage/store.hpp"

namespace authwatch::service {

struct FileIngest {
  std::string path;
  sources::FileFormat format = sources::FileFormat::Unknown;
  uint64_t records_read = 0;
  uint64_t bad_records = 0;
  uint64_t new_events = 0;     // relevant events stored by this read (not seen before)
  uint64_t fault_signals = 0;  // new signals by class
  uint64_t noise_signals = 0;
  uint64_t context_signals = 0;
  bool unchanged = false;      // resumed at the end: nothing new to read
  std::vector<sources::ReadError> errors;  // bad records (the rest was read)
  std::string failure;         // the file could not be read at all
  // Set when the stored position could not be resumed and the file was read again from its start
  // (a followed log truncated or replaced under the same name, or its stored position cleared or
  // rewound by something other than this process). Events already stored are not stored again.
  std::string position_reset;
  bool detector_reset = false;  // the read was rolled back: warm the detector up again
};

struct IncidentPass {
  std::vector<IncidentChange> changes;  // in order
  uint64_t signals_assigned = 0;  // fault signals
  uint64_t context_assigned = 0;  // Kerberos errors attached to an open incident
  int opened() const;
  int resolved() const;
  int diagnose_requests() const;
};

// Called per record read, for progress display.
using ProgressFn = std::function<void(const std::string& path, uint64_t records_read)>;

// Files under the given paths (folders recursively), in name order so rolled-over protocol logs
// are read oldest first. Paths that do not exist are returned in `missing`.
std::vector<std::string> expand_paths(const std::vector<std::string>& inputs, std::vector<std::string>& missing);

// Records that are not a file (the live Windows event log): what was read since the source's
// stored position, and its new position.
struct RecordBatch {
  SourceKind kind = SourceKind::EventLog;
  std::string location;  // the channel ("Application")
  std::vector<TransportEvent> events;
  SourcePosition position;
  uint64_t bad_records = 0;
  std::string last_error;  // stored with the source, for `authwatch status`
};

class Ingest {
 public:
  Ingest(storage::Database& db, const Config& config, const Clock& clock);

  FileIngest ingest_file(const std::string& path, const ProgressFn& progress = {});
  // The batch's relevant events, their signals and its position in one transaction: a kill -9
  // loses or repeats nothing (the source resumes from the stored position).
  FileIngest ingest_records(RecordBatch batch);
  std::optional<SourcePosition> stored_position(SourceKind kind, const std::string& location);

  // The monitor records an alert for each incident opened or resolved, in the transaction of the
  // change (the outbox); an offline scan does not.
  void record_alerts(bool on) { record_alerts_ = on; }

  // After a restart the detector has forgotten the SMTP sessions that were in progress. This
  // re-feeds it the tail of a protocol log already read (the lines just before its stored
  // position) without storing anything, so a session cut by the restart keeps its peer name, its
  // evidence and its "already signalled" mark. Other formats: nothing to do.
  void warm_up(const std::string& path);
  // The position this process last stored for the file at `path`; nullptr when it has not read it.
  const SourcePosition* committed(const std::string& path) const;
  // True when the stored position of a file this process read is not the one it stored (cleared
  // or rewound by something else): ingest_file then reads again and reports it.
  bool position_moved(const std::string& path);

  // Forgets the detector's session state (after a rolled-back read, whose lines it has seen but
  // storage has not); the caller warms it up again.
  void reset_detector() { detector_ = std::make_unique<Detector>(); }

  // Attaches unassigned fault signals to incidents (oldest first) and resolves quiet ones, in
  // one transaction. Diagnose requests are returned for the caller (the service runs probes).
  IncidentPass update_incidents();

 private:
  std::string moved_behind_our_back(const SourcePosition* stored, const std::string& location) const;
  void store_if_relevant(const TransportEvent& event, int64_t source_row, FileIngest& r);
  void store_if_signal(std::optional<Signal> signal, const TransportEvent& event, int64_t source_row, FileIngest& r);
  void attach_context(const IncidentTracker& tracker, IncidentPass& pass);

  storage::Database& db_;
  storage::Store store_;
  const Config& config_;
  const Clock& clock_;
  std::unique_ptr<Detector> detector_ = std::make_unique<Detector>();  // one per scan: protocol-log sessions may span a file rollover
  const sources::EventSelection event_selection_;  // the events its rules read (the detector's are the defaults)
  bool record_alerts_ = false;
  std::map<std::string, SourcePosition> committed_;  // the position this process last stored, by location
};

}  // namespace authwatch::service

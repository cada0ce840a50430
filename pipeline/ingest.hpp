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
#include "core/result.hpp"
#include "pipeline/ingest_errors.hpp"
#include "sources/file_source.hpp"
#include "storage/store.hpp"

namespace authwatch::pipeline {

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
  std::vector<sources::ReadError> errors;  // bad records (the rest was read): the first limits.bad_records_kept
  uint64_t errors_not_kept = 0;            // bad records past those: counted, not kept ("and K more")
  uint64_t pending_bytes = 0;              // an unterminated last line, left for a later read (ReadSummary)
  // Set when the file could not be read at all; its code (IngestErrc) says why: cannot_open (with
  // the errno in `os`: "Permission denied"), unknown_format, read_failed, not_stored.
  std::optional<Error> failure;
  // Set when the stored position could not be resumed and the file was read again from its start
  // (a followed log truncated or replaced under the same name, or its stored position cleared or
  // rewound by something other than this process). Events already stored are not stored again.
  std::string position_reset;
  // Records that could not be stored (an exception for that record alone): kept in the quarantine
  // table with their error; the position moved past them and the rest was stored.
  uint64_t quarantined = 0;
  std::string first_quarantine_error;  // names the record
};

// Signals stored (committed) by an Ingest since it was made, by class.
struct SignalCounts {
  uint64_t fault = 0, noise = 0, context = 0;
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

// A path that was not read, and why ("Permission denied", "a FIFO: special files are not read").
struct RefusedPath {
  std::string path;
  std::string reason;
};

// Files under the given paths (folders recursively; symbolic links to folders are not followed),
// in name order so rolled-over protocol logs are read oldest first. Paths that do not exist are
// returned in `missing`; folders that cannot be listed and special files (FIFO, device, socket),
// which are never opened (a FIFO would block the reader), in `refused` when it is given.
std::vector<std::string> expand_paths(const std::vector<std::string>& inputs, std::vector<std::string>& missing,
                                      std::vector<RefusedPath>* refused = nullptr);

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

// What the ingest does when storing fails:
// - a record that cannot be stored (an exception for it alone: storing it runs in a savepoint) is
//   quarantined with its error, the rest of the batch is stored and the position moves past it;
// - when the database itself fails (busy, full, read-only, damaged, gone: storage/database_failure.hpp)
//   the whole batch rolls back and the exception goes to the caller (the monitor's step, which
//   retries on a later pass; `authwatch scan`, which stops): nothing is half stored, nothing skipped.
class Ingest {
 public:
  // `observer`: the configured server (core/observer.hpp): whose evidence a record is when the
  // record does not say (scan --observer; the service's own name).
  Ingest(storage::Database& db, const Config& config, const Clock& clock, std::string observer = {});

  FileIngest ingest_file(const std::string& path, const ProgressFn& progress = {});
  // The batch's relevant events, their signals and its position in one transaction: a kill -9
  // loses or repeats nothing (the source resumes from the stored position).
  FileIngest ingest_records(RecordBatch batch);
  storage::Database& database() { return db_; }
  std::optional<SourcePosition> stored_position(SourceKind kind, const std::string& location);

  // The monitor records an alert for each incident opened or resolved, in the transaction of the
  // change (the outbox); an offline scan does not.
  void record_alerts(bool on) { record_alerts_ = on; }

  // The position this process last stored for the file at `path`; nullptr when it has not read it.
  const SourcePosition* committed(const std::string& path) const;
  // True when the stored position of a file this process read is not the one it stored (cleared
  // or rewound by something else): ingest_file then reads again and reports it.
  bool position_moved(const std::string& path);

  // The database was replaced by a new, empty one (the monitor moved a damaged file aside): what
  // this process remembers of the old one's positions and sessions no longer holds.
  void forget_database_state();

  const SignalCounts& stored_signals() const { return stored_; }

  // Attaches unassigned fault signals to incidents (oldest first) and resolves quiet ones, in
  // one transaction. Diagnose requests are returned for the caller (the service runs probes).
  IncidentPass update_incidents();

 private:
  std::string moved_behind_our_back(const SourcePosition* stored, const std::string& location) const;
  void store_if_relevant(const TransportEvent& event, const Signal& signal, int64_t source_row, FileIngest& r);
  void store_or_quarantine(const TransportEvent& event, int64_t source_row, FileIngest& r);
  void store_line_or_quarantine(const ProtocolLogLine& line, int64_t source_row, FileIngest& r);
  void store_signal_or_quarantine(const Signal& signal, const TransportEvent& event, int64_t source_row, FileIngest& r);
  void quarantine(const TransportEvent& event, const std::exception& e, FileIngest& r);
  // Inside the batch's transaction: the detector holds the sessions storage holds (loaded once,
  // and again after a batch rolled back: its lines were seen but not stored).
  void load_sessions();
  void save_sessions();
  void rolled_back();
  void count_stored(const FileIngest& r);  // after its transaction committed
  void attach_context(const IncidentTracker& tracker, IncidentPass& pass);

  storage::Database& db_;
  storage::Store store_;
  const Config& config_;
  const Clock& clock_;
  const std::string observer_;
  std::unique_ptr<Detector> detector_;  // one per scan: protocol-log sessions may span a file rollover
  bool sessions_loaded_ = false;  // detector_ holds what storage holds
  const sources::EventSelection event_selection_;  // the events its rules read (the detector's are the defaults)
  bool record_alerts_ = false;
  SignalCounts stored_;
  std::map<std::string, SourcePosition> committed_;  // the position this process last stored, by location
};

}  // namespace authwatch::pipeline

#include "pipeline/ingest.hpp"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <tuple>

#include <boost/log/trivial.hpp>

#include "pipeline/alerts.hpp"
#include "core/utf8.hpp"
#include "sources/fingerprint.hpp"
#include "sources/shared_file.hpp"
#include "storage/database_failure.hpp"

namespace authwatch::pipeline {
namespace fs = std::filesystem;

int IncidentPass::opened() const {
  return static_cast<int>(std::count_if(changes.begin(), changes.end(), [](const auto& c) { return c.kind == IncidentChange::Kind::Opened; }));
}
int IncidentPass::resolved() const {
  return static_cast<int>(std::count_if(changes.begin(), changes.end(), [](const auto& c) {
    return c.kind == IncidentChange::Kind::Resolved ||
           (c.kind == IncidentChange::Kind::Opened && c.incident.status == IncidentStatus::Resolved);
  }));
}
int IncidentPass::diagnose_requests() const {
  return static_cast<int>(std::count_if(changes.begin(), changes.end(), [](const auto& c) { return c.kind == IncidentChange::Kind::DiagnoseRequested; }));
}

namespace {

// Where a file's position is stored: its absolute, normalised path as valid UTF-8 (a file name is
// outside text too).
std::string location_of(const std::string& path) { return to_valid_utf8(fs::absolute(path).lexically_normal().string()); }

// Why a path that is not a folder or a regular file is not read (it is not opened: a FIFO blocks).
std::string special_file_reason(fs::file_type type) {
  const char* what = type == fs::file_type::fifo      ? "a FIFO"
                     : type == fs::file_type::character ? "a character device"
                     : type == fs::file_type::block   ? "a block device"
                     : type == fs::file_type::socket  ? "a socket"
                                                      : "not a regular file";
  return std::string(what) + ": special files are not read";
}

void walk_folder(const fs::path& folder, std::vector<std::string>& found, std::vector<RefusedPath>* refused) {
  std::error_code ec;
  fs::directory_iterator it(folder, ec);
  if (ec) {
    if (refused) refused->push_back({folder.string(), ec.message()});
    return;
  }
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    const auto link = it->symlink_status(type_ec);
    if (fs::is_directory(link)) {
      walk_folder(it->path(), found, refused);
      continue;
    }
    const auto target = fs::is_symlink(link) ? it->status(type_ec) : link;
    if (fs::is_regular_file(target)) found.push_back(it->path().string());
    else if (refused && !fs::is_directory(target) && fs::exists(target)) refused->push_back({it->path().string(), special_file_reason(target.type())});
  }
  if (ec && refused) refused->push_back({folder.string(), ec.message()});
}

}  // namespace

std::vector<std::string> expand_paths(const std::vector<std::string>& inputs, std::vector<std::string>& missing,
                                      std::vector<RefusedPath>* refused) {
  std::vector<std::string> files;
  for (const auto& input : inputs) {
    std::error_code ec;
    auto status = fs::status(input, ec);
    if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory && refused) {
      refused->push_back({input, ec.message()});  // e.g. a folder on the way that cannot be searched
      continue;
    }
    if (ec || !fs::exists(status)) {
      missing.push_back(input);
      continue;
    }
    if (fs::is_directory(status)) {
      std::vector<std::string> found;
      walk_folder(input, found, refused);
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(status)) {
      files.push_back(input);
    } else if (refused) {
      refused->push_back({input, special_file_reason(status.type())});
    }
  }
  return files;
}

namespace {

// Why a protocol log's stored position no longer fits the file it names.
std::string file_replaced(const std::string& path, const SourcePosition& stored) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (!ec && size < stored.offset)
    return "truncated: the file has " + std::to_string(size) + " bytes, the stored position was byte " + std::to_string(stored.offset) +
           "; read again from the start";
  return "replaced: its first bytes are not those the stored position (byte " + std::to_string(stored.offset) +
         ") belongs to; read again from the start";
}

}  // namespace

std::string Ingest::moved_behind_our_back(const SourcePosition* stored, const std::string& location) const {
  auto mine = committed_.find(location);
  if (mine == committed_.end()) return "";
  const auto& had = mine->second;
  if (!stored || (stored->identity.empty() && stored->offset == 0 && had.offset > 0))
    return "its stored position was cleared (this monitor had read up to byte " + std::to_string(had.offset) +
           "); read again from the start, events already stored are not stored twice";
  if (stored->identity == had.identity && stored->offset < had.offset)
    return "its stored position was rewound from byte " + std::to_string(had.offset) + " to byte " + std::to_string(stored->offset) +
           "; read again from there, events already stored are not stored twice";
  return "";
}

const SourcePosition* Ingest::committed(const std::string& path) const {
  auto it = committed_.find(location_of(path));
  return it == committed_.end() ? nullptr : &it->second;
}

bool Ingest::position_moved(const std::string& path) {
  const std::string location = location_of(path);
  if (!committed_.count(location)) return false;
  auto stored = store_.find_source(std::string(to_string(sources::source_kind_of(sources::detect_file_format(path)))), location);
  return !moved_behind_our_back(stored ? &stored->position : nullptr, location).empty();
}

Ingest::Ingest(storage::Database& db, const Config& config, const Clock& clock, std::string observer)
    : db_(db),
      store_(db),
      config_(config),
      clock_(clock),
      observer_(std::move(observer)),
      detector_(std::make_unique<Detector>(default_rules(), observer_)),
      event_selection_(sources::EventSelection::of(default_rules())) {}

FileIngest Ingest::ingest_file(const std::string& path, const ProgressFn& progress) {
  FileIngest r;
  r.path = path;
  if (!sources::open_shared(path)) {  // named with its cause, not "not a recognised format"
    const std::error_code os(errno, std::generic_category());
    r.failure = Error{IngestErrc::cannot_open, to_valid_utf8(path) + ": cannot be read: " + os.message(), os};
    return r;
  }
  r.format = sources::detect_file_format(path);
  // Only the events the detector's rules read are decoded (the rest are counted): see
  // sources/event_selection.hpp. Queue snapshots' local times are read as the config says.
  auto source = sources::make_file_source(path, r.format, sources::ReadOptions{config_.queue.times, event_selection_, config_.limits.line_bytes});
  if (!source) {
    r.failure = Error{IngestErrc::unknown_format,
                      to_valid_utf8(path) + ": not a recognised format (expected event XML, .evtx, SMTP protocol log or Get-Queue JSON)"};
    return r;  // not logged here: the caller decides whether an unrecognised file is an error
  }
  const std::string kind(to_string(sources::source_kind_of(r.format)));
  const std::string location = location_of(path);
  SourcePosition committing;
  try {
    db_.transaction([&] {
      load_sessions();
      auto stored = store_.find_source(kind, location);
      SourcePosition from = stored ? stored->position : SourcePosition{};
      r.position_reset = moved_behind_our_back(stored ? &from : nullptr, location);
      const int64_t source_row = stored ? stored->id : store_.save_source(kind, location, from, 0, 0, "", clock_.now());
      uint64_t seen = 0;
      const sources::ErrorHandler on_error = [&](sources::ReadError&& error) {
        // 2 M bad lines must not take 2 GB: the first N are named, the rest counted.
        if (r.errors.size() >= config_.limits.bad_records_kept) {
          ++r.errors_not_kept;
          return;
        }
        error.location = to_valid_utf8(error.location);
        error.reason = to_valid_utf8(error.reason);
        BOOST_LOG_TRIVIAL(warning) << error.message();
        r.errors.push_back(std::move(error));
      };
      // A protocol log's lines are detected without becoming events; only a line that is a signal
      // is built into one and stored.
      auto read = r.format == sources::FileFormat::ProtocolLog
                      ? source->read_lines(
                            from,
                            [&](const ProtocolLogLine& line) {
                              if (progress && (++seen % 1000) == 0) progress(path, seen);
                              store_line_or_quarantine(line, source_row, r);
                            },
                            on_error)
                      : source->read(
                            from,
                            [&](TransportEvent&& event) {
                              if (progress && (++seen % 1000) == 0) progress(path, seen);
                              store_or_quarantine(event, source_row, r);
                            },
                            on_error);
      if (!read) {
        r.failure = Error{IngestErrc::read_failed, to_valid_utf8(read.error()), read.os_error()};
        return;
      }
      const auto& summary = read.value();
      if (r.format == sources::FileFormat::ProtocolLog && !summary.resumed && from.offset > 0 && r.position_reset.empty())
        r.position_reset = file_replaced(path, from);
      committing = summary.position;
      r.records_read = summary.records_read;
      r.bad_records = summary.bad_records;
      r.pending_bytes = summary.pending_bytes;
      r.unchanged = summary.resumed && summary.records_read == 0;
      save_sessions();
      store_.save_source(kind, location, summary.position, summary.records_read, summary.bad_records,
                         !r.first_quarantine_error.empty() ? r.first_quarantine_error
                         : r.errors.empty()                ? r.position_reset
                                                           : r.errors.back().message(),
                         clock_.now());
    });
    if (!r.failure) {
      committed_[location] = committing;
      count_stored(r);
    } else {
      rolled_back();  // read in part, position not stored: the detector's sessions went ahead of it
    }
  } catch (const std::exception& e) {
    rolled_back();
    r.new_events = r.fault_signals = r.noise_signals = r.context_signals = r.quarantined = 0;
    if (storage::database_failure(e) != storage::DatabaseFailure::None) throw;  // the monitor's step (or the scan) decides
    r.failure = Error{IngestErrc::not_stored, to_valid_utf8(path + ": " + e.what())};
  }
  if (!r.position_reset.empty()) BOOST_LOG_TRIVIAL(warning) << path << ": " << r.position_reset;
  if (r.failure) BOOST_LOG_TRIVIAL(error) << r.failure->message;
  return r;
}

void Ingest::count_stored(const FileIngest& r) {
  stored_.fault += r.fault_signals;
  stored_.noise += r.noise_signals;
  stored_.context += r.context_signals;
}

namespace {

bool is_database_failure(const std::exception& e) { return storage::database_failure(e) != storage::DatabaseFailure::None; }

}  // namespace

void Ingest::load_sessions() {
  if (sessions_loaded_) return;
  detector_ = std::make_unique<Detector>(default_rules(), observer_);
  const auto damaged = detector_->restore_sessions(store_.detector_sessions());
  for (const auto& key : damaged)
    BOOST_LOG_TRIVIAL(warning) << "detector_sessions: the stored state of " << key << " is damaged; that session starts afresh";
  sessions_loaded_ = true;
}

void Ingest::save_sessions() { store_.save_detector_sessions(detector_->take_session_changes()); }

void Ingest::rolled_back() { sessions_loaded_ = false; }

void Ingest::forget_database_state() {
  committed_.clear();
  sessions_loaded_ = false;
}

// One record: the detector's verdict, then its event and signal in a savepoint of the batch. An
// exception for this record alone puts it in quarantine and the batch goes on; the database's own
// failure ends the batch (the caller's transaction rolls back).
// A record that cannot be stored is kept with its error (authwatch status shows it), so it cannot
// stop its file on every pass.
void Ingest::quarantine(const TransportEvent& event, const std::exception& e, FileIngest& r) {
  storage::QuarantineRecord q;
  q.source_kind = std::string(to_string(event.source_kind));
  q.location = event.location.empty() ? r.path : event.location;
  q.locator = event.locator;
  q.key = event.key;
  q.error = e.what();
  q.excerpt = utf8_excerpt(event.text, 500);
  q.first_seen = q.last_seen = clock_.now();
  store_.quarantine(q);
  ++r.quarantined;
  const std::string what = q.location + (q.locator.empty() ? "" : " " + q.locator) + ": cannot be stored (" + q.error + "): quarantined";
  if (r.first_quarantine_error.empty()) r.first_quarantine_error = what;
  BOOST_LOG_TRIVIAL(warning) << what;
}

// One record: the detector's verdict, then its event and signal in a savepoint of the batch. An
// exception for this record alone puts it in quarantine and the batch goes on; the database's own
// failure ends the batch (the caller's transaction rolls back).
void Ingest::store_or_quarantine(const TransportEvent& event, int64_t source_row, FileIngest& r) {
  std::optional<Signal> signal;
  try {
    signal = detector_->detect(event);
  } catch (const std::exception& e) {
    if (is_database_failure(e)) throw;
    quarantine(event, e, r);
    return;
  }
  if (!signal) return;  // only events that matter are stored; the position covers the rest
  store_signal_or_quarantine(*signal, event, source_row, r);
}

// A protocol-log line: as store_or_quarantine, with the event built only for a signal (or to name
// the record in quarantine).
void Ingest::store_line_or_quarantine(const ProtocolLogLine& line, int64_t source_row, FileIngest& r) {
  // The signal is initialised by the call, not declared and then assigned: GCC zeroes all of a
  // declared std::optional<Signal> (~0.5 KiB), and this runs for every line of a protocol log.
  auto detect = [&]() -> std::optional<Signal> {
    try {
      return detector_->detect(line);
    } catch (const std::exception& e) {
      if (is_database_failure(e)) throw;
      quarantine(line.transport_event(), e, r);
      return std::nullopt;
    }
  };
  if (auto signal = detect()) store_signal_or_quarantine(*signal, line.transport_event(), source_row, r);
}

void Ingest::store_signal_or_quarantine(const Signal& signal, const TransportEvent& event, int64_t source_row, FileIngest& r) {
  // The counts this record may change, kept to undo them (not a copy of r: its error list is long).
  auto counts = std::tie(r.new_events, r.fault_signals, r.noise_signals, r.context_signals);
  const auto before = std::make_tuple(r.new_events, r.fault_signals, r.noise_signals, r.context_signals);
  try {
    db_.transaction([&] { store_if_relevant(event, signal, source_row, r); });
  } catch (const std::exception& e) {
    if (is_database_failure(e)) throw;
    counts = before;
    quarantine(event, e, r);
  }
}

void Ingest::store_if_relevant(const TransportEvent& event, const Signal& signal, int64_t source_row, FileIngest& r) {
  // A session signalled before a restart whose state was not stored (a database from before the
  // sessions were): an uninterrupted read would not store its later lines, so neither does this one.
  if (store_.has_signal(signal.key)) return;
  auto event_row = store_.insert_event(event, source_row);
  if (!event_row) return;  // read before (e.g. the same record in another export)
  ++r.new_events;
  if (store_.insert_signal(signal, *event_row))
    ++(signal.signal_class == SignalClass::Fault   ? r.fault_signals
       : signal.signal_class == SignalClass::Noise ? r.noise_signals
                                                   : r.context_signals);
}

FileIngest Ingest::ingest_records(RecordBatch batch) {
  FileIngest r;
  r.path = batch.location;
  const std::string kind(to_string(batch.kind));
  try {
    db_.transaction([&] {
      load_sessions();
      auto stored = store_.find_source(kind, batch.location);
      const int64_t source_row =
          stored ? stored->id : store_.save_source(kind, batch.location, SourcePosition{}, 0, 0, "", clock_.now());
      for (const auto& event : batch.events) store_or_quarantine(event, source_row, r);
      r.records_read = batch.events.size();
      r.bad_records = batch.bad_records;
      save_sessions();
      store_.save_source(kind, batch.location, batch.position, r.records_read, r.bad_records,
                         !r.first_quarantine_error.empty() ? r.first_quarantine_error : batch.last_error, clock_.now());
    });
    count_stored(r);
  } catch (const std::exception& e) {
    rolled_back();
    r.new_events = r.fault_signals = r.noise_signals = r.context_signals = r.quarantined = 0;  // the source keeps its old position
    if (is_database_failure(e)) throw;
    r.failure = Error{IngestErrc::not_stored, batch.location + ": " + e.what()};
  }
  if (r.failure) BOOST_LOG_TRIVIAL(error) << r.failure->message;
  return r;
}

std::optional<SourcePosition> Ingest::stored_position(SourceKind kind, const std::string& location) {
  auto stored = store_.find_source(std::string(to_string(kind)), location);
  if (!stored) return std::nullopt;
  return stored->position;
}

// Kerberos errors join the incident they explain (core/incident.hpp): an open one, or one of old
// evidence this pass made or extended. One read before its incident's first fault (the System log
// polled before the protocol log) waits for it: context from the known incidents' widened
// episodes on is looked at again each pass.
void Ingest::attach_context(const IncidentTracker& tracker, IncidentPass& pass) {
  const auto known = tracker.known_incidents();
  if (known.empty()) return;
  TimePoint since = known.front().first_seen;
  for (const auto& inc : known) since = std::min(since, inc.first_seen);
  for (auto& stored : store_.unassigned_context_signals(since - tracker.policy().quiet_period)) {
    if (const int64_t id = incident_for_context(known, stored.signal, tracker.policy())) {
      store_.assign_signal(stored.id, id);
      ++pass.context_assigned;
    }
  }
}

IncidentPass Ingest::update_incidents() {
  IncidentPass pass;
  db_.transaction([&] {
    pass = IncidentPass{};
    IncidentTracker tracker(config_.incidents, clock_);
    auto faults = store_.unassigned_fault_signals();
    tracker.restore(store_.incidents(storage::IncidentFilter::Open));
    // Old signals may belong to episodes already resolved: those within reach come along.
    if (!faults.empty()) tracker.restore(store_.resolved_incidents_since(faults.front().signal.time - tracker.policy().quiet_period));
    auto apply = [&](IncidentChange& change) -> int64_t {
      auto& inc = change.incident;
      switch (change.kind) {
        case IncidentChange::Kind::Opened:
          inc.id = store_.insert_incident(inc);
          tracker.set_id(inc, inc.id);
          break;
        case IncidentChange::Kind::Extended:
        case IncidentChange::Kind::Resolved:
        case IncidentChange::Kind::DiagnoseRequested:
          store_.update_incident(inc);
          break;
        case IncidentChange::Kind::Merged:
          store_.merge_incident(change.absorbed->id, inc);
          break;
      }
      // Alerts are news: an incident opened, or one that was open resolved. An episode found in
      // old evidence is resolved from the start and is history, not news.
      if (record_alerts_) {
        if (change.kind == IncidentChange::Kind::Opened && inc.status == IncidentStatus::Open)
          store_.insert_alert(incident_opened_alert(inc, clock_.now()));
        if (change.kind == IncidentChange::Kind::Resolved) store_.insert_alert(incident_resolved_alert(inc, clock_.now()));
      }
      pass.changes.push_back(change);
      return inc.id;
    };
    for (auto& stored : faults) {
      int64_t incident_id = 0;
      for (auto& change : tracker.on_signal(stored.signal)) {
        // A diagnose request right after the Opened it follows carries the tracker's copy of the
        // incident from before storage gave it an id.
        if (change.incident.id == 0 && incident_id != 0) change.incident.id = incident_id;
        auto id = apply(change);
        if (change.kind == IncidentChange::Kind::Opened || change.kind == IncidentChange::Kind::Extended) incident_id = id;
      }
      if (incident_id != 0) {
        store_.assign_signal(stored.id, incident_id);
        ++pass.signals_assigned;
      }
    }
    attach_context(tracker, pass);
    for (auto& change : tracker.tick()) apply(change);
  });
  return pass;
}

}  // namespace authwatch::pipeline

#include "service/ingest.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <system_error>

#include <boost/log/trivial.hpp>

#include "service/alerts.hpp"
#include "sources/fingerprint.hpp"
#include "sources/shared_file.hpp"

namespace authwatch::service {
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

std::vector<std::string> expand_paths(const std::vector<std::string>& inputs, std::vector<std::string>& missing) {
  std::vector<std::string> files;
  for (const auto& input : inputs) {
    std::error_code ec;
    auto status = fs::status(input, ec);
    if (ec || !fs::exists(status)) {
      missing.push_back(input);
      continue;
    }
    if (fs::is_directory(status)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(input, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(input);
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

// The byte offset at the end of a protocol-log event's natural key ("plog:<file>:<created>:<offset>",
// sources/protocol_log.cpp), or nullopt for another key.
std::optional<uint64_t> protocol_log_offset(const std::string& key) {
  const auto colon = key.rfind(':');
  if (!key.starts_with("plog:") || colon == std::string::npos) return std::nullopt;
  uint64_t offset = 0;
  const char* first = key.data() + colon + 1;
  const char* last = key.data() + key.size();
  auto [end, ec] = std::from_chars(first, last, offset);
  if (ec != std::errc{} || end != last) return std::nullopt;
  return offset;
}

// How far back warm_up re-reads: Exchange sessions last seconds and are written as they happen,
// so the lines of any session still open at a stop lie in the last few hundred kilobytes.
constexpr uint64_t kWarmUpBytes = 256 * 1024;

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
  auto it = committed_.find(fs::absolute(path).lexically_normal().string());
  return it == committed_.end() ? nullptr : &it->second;
}

bool Ingest::position_moved(const std::string& path) {
  const std::string location = fs::absolute(path).lexically_normal().string();
  if (!committed_.count(location)) return false;
  auto stored = store_.find_source(std::string(to_string(sources::source_kind_of(sources::detect_file_format(path)))), location);
  return !moved_behind_our_back(stored ? &stored->position : nullptr, location).empty();
}

void Ingest::warm_up(const std::string& path) {
  if (sources::detect_file_format(path) != sources::FileFormat::ProtocolLog) return;
  const std::string location = fs::absolute(path).lexically_normal().string();
  auto stored = store_.find_source(std::string(to_string(SourceKind::ProtocolLog)), location);
  if (!stored || stored->position.offset == 0 || !sources::fingerprint_matches(path, stored->position.identity)) return;
  const uint64_t end = stored->position.offset;
  SourcePosition from = stored->position;
  from.offset = 0;
  if (end > kWarmUpBytes) {
    // Start at the first line that begins inside the window.
    sources::SharedInputFile in(path);
    std::string window(kWarmUpBytes, '\0');
    in.seekg(static_cast<std::streamoff>(end - kWarmUpBytes));
    in.read(window.data(), static_cast<std::streamsize>(window.size()));
    const auto newline = window.find('\n');
    if (!in || newline == std::string::npos) return;
    from.offset = end - kWarmUpBytes + newline + 1;
  }
  auto source = sources::make_file_source(path, sources::FileFormat::ProtocolLog);
  uint64_t fed = 0;
  (void)source->read(
      from,
      [&](TransportEvent&& event) {
        auto offset = protocol_log_offset(event.key);
        if (!offset || *offset >= end) return;  // beyond the stored position: the next read's
        (void)detector_->detect(event);
        ++fed;
      },
      [](sources::ReadError&&) {});
  BOOST_LOG_TRIVIAL(debug) << path << ": detector warmed up with " << fed << " line(s) before byte " << end;
}

Ingest::Ingest(storage::Database& db, const Config& config, const Clock& clock)
    : db_(db), store_(db), config_(config), clock_(clock), event_selection_(sources::EventSelection::of(default_rules())) {}

FileIngest Ingest::ingest_file(const std::string& path, const ProgressFn& progress) {
  FileIngest r;
  r.path = path;
  r.format = sources::detect_file_format(path);
  // Only the events the detector's rules read are decoded (the rest are counted): see
  // sources/event_selection.hpp. Queue snapshots' local times are read as the config says.
  auto source = sources::make_file_source(path, r.format, sources::ReadOptions{config_.queue.times, event_selection_});
  if (!source) {
    r.failure = path + ": not a recognised format (expected event XML, .evtx, SMTP protocol log or Get-Queue JSON)";
    return r;  // not logged here: the caller decides whether an unrecognised file is an error
  }
  const std::string kind(to_string(sources::source_kind_of(r.format)));
  const std::string location = fs::absolute(path).lexically_normal().string();
  SourcePosition committing;
  try {
    db_.transaction([&] {
      auto stored = store_.find_source(kind, location);
      SourcePosition from = stored ? stored->position : SourcePosition{};
      r.position_reset = moved_behind_our_back(stored ? &from : nullptr, location);
      const int64_t source_row = stored ? stored->id : store_.save_source(kind, location, from, 0, 0, "", clock_.now());
      uint64_t seen = 0;
      const sources::ErrorHandler on_error = [&](sources::ReadError&& error) {
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
                              if (auto signal = detector_->detect(line)) store_if_signal(std::move(signal), line.transport_event(), source_row, r);
                            },
                            on_error)
                      : source->read(
                            from,
                            [&](TransportEvent&& event) {
                              if (progress && (++seen % 1000) == 0) progress(path, seen);
                              store_if_relevant(event, source_row, r);
                            },
                            on_error);
      if (!read) {
        r.failure = read.error();
        return;
      }
      const auto& summary = read.value();
      if (r.format == sources::FileFormat::ProtocolLog && !summary.resumed && from.offset > 0 && r.position_reset.empty())
        r.position_reset = file_replaced(path, from);
      committing = summary.position;
      r.records_read = summary.records_read;
      r.bad_records = summary.bad_records;
      r.unchanged = summary.resumed && summary.records_read == 0;
      store_.save_source(kind, location, summary.position, summary.records_read, summary.bad_records,
                         r.errors.empty() ? r.position_reset : r.errors.back().message(), clock_.now());
    });
    if (r.failure.empty()) committed_[location] = committing;
  } catch (const std::exception& e) {
    r.failure = path + ": " + e.what();
    r.new_events = r.fault_signals = r.noise_signals = r.context_signals = 0;  // rolled back
    // The detector saw lines that storage did not keep: its session state is ahead of the stored
    // position. The caller re-warms it (warm_up) before the next read.
    reset_detector();
    r.detector_reset = true;
  }
  if (!r.position_reset.empty()) BOOST_LOG_TRIVIAL(warning) << path << ": " << r.position_reset;
  if (!r.failure.empty()) BOOST_LOG_TRIVIAL(error) << r.failure;
  return r;
}

void Ingest::store_if_relevant(const TransportEvent& event, int64_t source_row, FileIngest& r) {
  auto signal = detector_->detect(event);
  if (!signal) return;  // only events that matter are stored; the position covers the rest
  store_if_signal(std::move(signal), event, source_row, r);
}

void Ingest::store_if_signal(std::optional<Signal> signal, const TransportEvent& event, int64_t source_row, FileIngest& r) {
  if (!signal) return;
  // A session signalled before a restart (its state was lost with the process): an
  // uninterrupted read would not store its later lines, so neither does this one.
  if (store_.has_signal(signal->key)) return;
  auto event_row = store_.insert_event(event, source_row);
  if (!event_row) return;  // read before (e.g. the same record in another export)
  ++r.new_events;
  if (store_.insert_signal(*signal, *event_row))
    ++(signal->signal_class == SignalClass::Fault   ? r.fault_signals
       : signal->signal_class == SignalClass::Noise ? r.noise_signals
                                                    : r.context_signals);
}

FileIngest Ingest::ingest_records(RecordBatch batch) {
  FileIngest r;
  r.path = batch.location;
  const std::string kind(to_string(batch.kind));
  try {
    db_.transaction([&] {
      auto stored = store_.find_source(kind, batch.location);
      const int64_t source_row =
          stored ? stored->id : store_.save_source(kind, batch.location, SourcePosition{}, 0, 0, "", clock_.now());
      for (const auto& event : batch.events) store_if_relevant(event, source_row, r);
      r.records_read = batch.events.size();
      r.bad_records = batch.bad_records;
      store_.save_source(kind, batch.location, batch.position, r.records_read, r.bad_records, batch.last_error, clock_.now());
    });
  } catch (const std::exception& e) {
    r.failure = batch.location + ": " + e.what();
    r.new_events = r.fault_signals = r.noise_signals = r.context_signals = 0;  // rolled back: the source keeps its old position
  }
  if (!r.failure.empty()) BOOST_LOG_TRIVIAL(error) << r.failure;
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

}  // namespace authwatch::service

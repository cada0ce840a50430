#include "service/ingest.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <boost/log/trivial.hpp>

#include "service/alerts.hpp"

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

Ingest::Ingest(storage::Database& db, const Config& config, const Clock& clock)
    : db_(db), store_(db), config_(config), clock_(clock) {}

FileIngest Ingest::ingest_file(const std::string& path, const ProgressFn& progress) {
  FileIngest r;
  r.path = path;
  r.format = sources::detect_file_format(path);
  auto source = sources::make_file_source(path, r.format);
  if (!source) {
    r.failure = path + ": not a recognised format (expected event XML, .evtx, SMTP protocol log or Get-Queue JSON)";
    return r;  // not logged here: the caller decides whether an unrecognised file is an error
  }
  const std::string kind(to_string(sources::source_kind_of(r.format)));
  const std::string location = fs::absolute(path).lexically_normal().string();
  try {
    db_.transaction([&] {
      auto stored = store_.find_source(kind, location);
      SourcePosition from = stored ? stored->position : SourcePosition{};
      const int64_t source_row = stored ? stored->id : store_.save_source(kind, location, from, 0, 0, "", clock_.now());
      uint64_t seen = 0;
      auto read = source->read(
          from,
          [&](TransportEvent&& event) {
            if (progress && (++seen % 1000) == 0) progress(path, seen);
            auto signal = detector_.detect(event);
            if (!signal) return;  // only events that matter are stored; the position covers the rest
            auto event_row = store_.insert_event(event, source_row);
            if (!event_row) return;  // read before (e.g. the same record in another export)
            ++r.new_events;
            if (store_.insert_signal(*signal, *event_row))
              ++(signal->signal_class == SignalClass::Fault ? r.fault_signals : r.noise_signals);
          },
          [&](sources::ReadError&& error) {
            BOOST_LOG_TRIVIAL(warning) << error.message();
            r.errors.push_back(std::move(error));
          });
      if (!read) {
        r.failure = read.error();
        return;
      }
      const auto& summary = read.value();
      r.records_read = summary.records_read;
      r.bad_records = summary.bad_records;
      r.unchanged = summary.resumed && summary.records_read == 0;
      store_.save_source(kind, location, summary.position, summary.records_read, summary.bad_records,
                         r.errors.empty() ? "" : r.errors.back().message(), clock_.now());
    });
  } catch (const std::exception& e) {
    r.failure = path + ": " + e.what();
    r.new_events = r.fault_signals = r.noise_signals = 0;  // rolled back
  }
  if (!r.failure.empty()) BOOST_LOG_TRIVIAL(error) << r.failure;
  return r;
}

IncidentPass Ingest::update_incidents() {
  IncidentPass pass;
  db_.transaction([&] {
    pass = IncidentPass{};
    IncidentTracker tracker(config_.incidents, clock_);
    tracker.restore(store_.incidents(storage::IncidentFilter::Open));
    auto apply = [&](IncidentChange& change) -> int64_t {
      auto& inc = change.incident;
      switch (change.kind) {
        case IncidentChange::Kind::Opened:
          inc.id = store_.insert_incident(inc);
          tracker.set_id(inc.direction, inc.peer, inc.id);
          break;
        case IncidentChange::Kind::Extended:
        case IncidentChange::Kind::Resolved:
        case IncidentChange::Kind::DiagnoseRequested:
          store_.update_incident(inc);
          break;
      }
      if (record_alerts_) {
        const bool opened = change.kind == IncidentChange::Kind::Opened;
        if (opened) store_.insert_alert(incident_opened_alert(inc, clock_.now()));
        if (change.kind == IncidentChange::Kind::Resolved || (opened && inc.status == IncidentStatus::Resolved))
          store_.insert_alert(incident_resolved_alert(inc, clock_.now()));
      }
      pass.changes.push_back(change);
      return inc.id;
    };
    for (auto& stored : store_.unassigned_fault_signals()) {
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
    for (auto& change : tracker.tick()) apply(change);
  });
  return pass;
}

}  // namespace authwatch::service

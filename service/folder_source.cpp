#include "service/folder_source.hpp"

#include <chrono>
#include <system_error>

#include <boost/log/trivial.hpp>

namespace authwatch::service {
namespace fs = std::filesystem;

FolderSource::FolderSource(std::vector<std::string> folders, Kind kind, const Clock& clock)
    : folders_(std::move(folders)), kind_(kind), clock_(clock) {}

std::string FolderSource::name() const {
  std::string n = kind_ == Kind::ProtocolLogs ? "protocol logs:" : "drop folder:";
  for (const auto& f : folders_) n += " " + f;
  return n;
}

void FolderSource::database_replaced() { seen_.clear(); }

// Each file in name order: what changed is read (Ingest commits it with its position). A failure
// of the database itself is thrown to the monitor's step: this pass ends, `seen_` keeps what it
// was, and the next pass reads the same files again from their stored positions.
SourcePoll FolderSource::poll(pipeline::Ingest& ingest) {
  SourcePoll out;
  std::vector<std::string> missing;
  const auto files = pipeline::expand_paths(folders_, missing);
  for (const auto& folder : folders_) {
    const bool is_missing = std::find(missing.begin(), missing.end(), folder) != missing.end();
    if (is_missing && missing_reported_.insert(folder).second) out.errors.push_back(folder + ": no such folder (watched again once it exists)");
    if (!is_missing) missing_reported_.erase(folder);
  }

  const auto now = clock_.steady_now();
  const bool recheck = now - rechecked_ >= kRecheckPositions;
  if (recheck) rechecked_ = now;

  std::map<std::string, Seen> now_seen;
  for (const auto& path : files) {
    std::error_code ec;
    Seen state;
    state.size = fs::file_size(path, ec);
    if (!ec) state.modified = fs::last_write_time(path, ec);
    if (ec || state.size == 0) continue;  // gone meanwhile, or created and not yet written
    auto before = seen_.find(path);
    const bool changed = before == seen_.end() || before->second.size != state.size || before->second.modified != state.modified;
    if (!changed && before->second.read && !(recheck && ingest.position_moved(path))) {
      now_seen[path] = before->second;
      continue;
    }
    // A file being copied into a drop folder is read once it stopped changing for one poll.
    if (kind_ == Kind::DropFolder && changed) {
      now_seen[path] = state;
      continue;
    }
    auto file = ingest.ingest_file(path);
    out.new_events += file.new_events;
    out.bad_records += file.bad_records;
    for (const auto& e : file.errors) out.errors.push_back(e.message());
    if (file.errors_not_kept) out.errors.push_back(path + ": and " + std::to_string(file.errors_not_kept) + " more bad record(s)");
    if (file.quarantined > 0) out.quarantined.push_back({path, file.quarantined, file.first_quarantine_error});
    if (!file.position_reset.empty()) out.notices.push_back(path + ": " + file.position_reset);
    const bool unrecognised = file.format == sources::FileFormat::Unknown;
    if (!file.failure) {
      state.read = true;
    } else if (unrecognised && !changed) {
      // Unrecognised and settled (not a header still being written): reported once.
      out.errors.push_back(file.failure->message);
      state.read = true;
    } else if (!unrecognised) {
      out.errors.push_back(file.failure->message);  // retried next pass
    }
    now_seen[path] = state;
  }
  // Files that were there on the last pass and are gone now: rotated away by Exchange's retention,
  // or deleted by hand. Worth a word only when they went before they were read to the end.
  for (const auto& [path, state] : seen_) {
    if (now_seen.count(path)) continue;
    const SourcePosition* read_to = ingest.committed(path);
    if (kind_ == Kind::ProtocolLogs && read_to && read_to->offset < state.size)
      out.notices.push_back(path + ": deleted before it was read to the end (read up to byte " + std::to_string(read_to->offset) + " of " +
                            std::to_string(state.size) + ")");
    else
      BOOST_LOG_TRIVIAL(info) << path << ": no longer there";
  }
  seen_ = std::move(now_seen);
  return out;
}

std::chrono::milliseconds FolderSource::wait_allowed(std::chrono::milliseconds poll, SteadyTime) const {
  for (const auto& [path, state] : seen_)
    if (!state.read) return poll;
  return kUntilNotified;
}

}  // namespace authwatch::service

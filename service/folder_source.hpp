#pragma once
// Folders the monitor watches: SMTP protocol-log folders (send and receive), whose current file
// Exchange appends to and rolls over by starting a new one, and drop folders where exported event
// XML/.evtx files and Get-Queue JSON snapshots are put (the Linux monitoring-station mode).
//
// Polling, not inotify/ReadDirectoryChangesW: protocol logs are usually read from an SMB share
// (\\ex2\d$\...\ProtocolLog), where change notifications are unreliable, and a stat of a few dozen
// files per pass costs microseconds. A file whose size and modification time have not changed
// since its last read is not opened again; files are read in name order, so a rolled-over log is
// finished before its successor is started. Every few seconds the stored positions of unchanged
// files are compared with what this process stored (a read, no transaction), so a position
// cleared or rewound behind its back is noticed, reported and read again.
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "service/source.hpp"

namespace authwatch::service {

class FolderSource final : public MonitorSource {
 public:
  enum class Kind {
    ProtocolLogs,  // files grow while they are read: every change is read at once
    DropFolder,    // files are copied in: read once they stopped changing for one poll
  };
  // `clock`: when the stored positions were last looked at (steady_now); it outlives the source.
  FolderSource(std::vector<std::string> folders, Kind kind, const Clock& clock);
  // How often the stored positions of files that did not change are looked at.
  static constexpr std::chrono::seconds kRecheckPositions{2};

  std::string name() const override;
  SourcePoll poll(pipeline::Ingest& ingest) override;
  void database_replaced() override;
  // Until the folder watch reports a change, unless a file waits for a poll: a dropped file still
  // settling, or one whose read failed and is retried.
  std::chrono::milliseconds wait_allowed(std::chrono::milliseconds poll, SteadyTime now) const override;

 private:
  struct Seen {
    uintmax_t size = 0;
    std::filesystem::file_time_type modified{};
    bool read = false;  // read (or reported unreadable) in this state: skip until it changes
  };
  std::vector<std::string> folders_;
  Kind kind_;
  const Clock& clock_;
  std::map<std::string, Seen> seen_;
  std::set<std::string> missing_reported_;  // folders reported missing (once, until they appear)
  SteadyTime rechecked_{};  // last look at the stored positions of unchanged files
};

}  // namespace authwatch::service

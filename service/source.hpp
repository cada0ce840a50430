#pragma once
// A source of the monitor: somewhere new records appear. Each keeps its own position in SQLite
// (the sources table) and commits its records, their signals and its new position in one
// transaction through Ingest, so a kill -9 between two polls loses and repeats nothing.
//
// The sources of this build: FolderSource (followed SMTP protocol logs, a drop folder of exported
// event/queue files; service/folder_source.hpp) and QueueCommandSource (Get-Queue snapshots by
// command; service/queue_command_source.hpp). The live Windows event log (wevtapi, with an
// EvtCreateBookmark position) is one more implementation of this interface in service/win/.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "pipeline/ingest.hpp"

namespace authwatch::service {

// Records of one file or channel that could not be stored and were quarantined in this poll.
struct QuarantinedRecords {
  std::string location;
  uint64_t records = 0;
  std::string first;  // the first one's error, naming the record
};

struct SourcePoll {
  uint64_t new_events = 0;
  uint64_t bad_records = 0;
  std::vector<QuarantinedRecords> quarantined;
  std::vector<std::string> errors;   // what could not be read, each naming the file/command and why
  std::vector<std::string> notices;  // worth an operator's attention but not an error (a position reset)
};

// The wait from `now` to `due`, rounded up (a wake a little early would find nothing due yet).
inline std::chrono::milliseconds wait_until(SteadyTime due, SteadyTime now) {
  return due <= now ? std::chrono::milliseconds{0} : std::chrono::ceil<std::chrono::milliseconds>(due - now);
}

class MonitorSource {
 public:
  virtual ~MonitorSource() = default;
  virtual std::string name() const = 0;
  // Called once per pass of the loop, on the loop's thread. It must not block for long: blocking
  // work (a command, a platform API) is started on the monitor's pool and its result taken by a
  // later poll.
  virtual SourcePoll poll(pipeline::Ingest& ingest) = 0;
  // After a poll: how long the loop may sleep before this source needs the next one when no
  // folder notification wakes it. `poll` is the monitor's poll interval, which a source nothing
  // notifies of a change needs (the default); a source the folder watch covers can wait for it
  // (kUntilNotified), a timed one until its next run is due.
  static constexpr std::chrono::milliseconds kUntilNotified = std::chrono::milliseconds::max();
  virtual std::chrono::milliseconds wait_allowed(std::chrono::milliseconds poll, SteadyTime /*now: Clock::steady_now()*/) const {
    return poll;
  }
  // A source that learns of new records by itself (the Windows event log's subscription signal)
  // keeps `wake` and calls it, from any thread, to have the loop pass at once; its wait_allowed
  // can then be kUntilNotified. The monitor gives it before its loop runs; nothing else calls it.
  // `wake` must not be called after stop() returned.
  virtual void wake_with(std::function<void()> /*wake*/) {}
  // The monitor is stopping: abandon running work (kill a command) without waiting for it.
  virtual void stop() {}
  // The monitor replaced a damaged database with a new, empty one: what the source remembers of
  // the old one's positions no longer holds (it reads again from where the new one says: the start).
  virtual void database_replaced() {}
};

}  // namespace authwatch::service

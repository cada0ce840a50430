#pragma once
// Get-Queue snapshots by command (docs/domain.md §4): every `interval` the configured command runs on
// the monitor's pool with a timeout; its JSON is written to a spool file beside the database
// (replaced atomically, so the last snapshot can be looked at) and read like a dropped snapshot:
// the queues' records, their signals and the spool file's position commit in one transaction.
//
// A command that is missing, fails, times out or prints something that is not Get-Queue JSON is
// a finding (probe "queue-command", stored as a probe run with trigger "queue-command"), a
// health alert and the source's last error — once when it starts failing and once when it works
// again — never a crash. The event log and the protocol logs do not depend on it: the remote
// PowerShell session itself needs Kerberos and can fail in the very outage being watched.
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "core/clock.hpp"
#include "service/command.hpp"
#include "service/source.hpp"
#include "storage/database.hpp"

namespace authwatch::service {

struct QueueCommandOptions {
  std::vector<std::string> command;
  std::chrono::seconds interval{300};
  std::chrono::seconds timeout{60};
  std::string spool;  // the file each snapshot is written to and read from
  OutputLimits limits;  // config "limits": past them the command is killed, the run a finding
};

class QueueCommandSource final : public MonitorSource {
 public:
  QueueCommandSource(QueueCommandOptions options, boost::asio::thread_pool& pool, storage::Database& db, const Clock& clock);
  ~QueueCommandSource() override;

  std::string name() const override { return "queue command: " + command_line(options_.command); }
  SourcePoll poll(pipeline::Ingest& ingest) override;
  // Until the next run is due; while a command runs, the poll interval (its result is polled).
  std::chrono::milliseconds wait_allowed(std::chrono::milliseconds poll, SteadyTime now) const override {
    return running_ ? poll : wait_until(next_run_, now);
  }
  void stop() override { *cancel_ = true; }

 private:
  void start();
  void take(const CommandResult& result, pipeline::Ingest& ingest, SourcePoll& out);
  void record_health(const std::string& problem, const CommandResult* result);

  QueueCommandOptions options_;
  boost::asio::thread_pool& pool_;
  storage::Database& db_;
  const Clock& clock_;
  std::optional<std::future<CommandResult>> running_;
  // A finished run whose snapshot or health record the database could not take (the monitor's
  // step failed): taken again on the next poll, not lost.
  std::optional<CommandResult> untaken_;
  std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);  // shared with the running task
  SteadyTime next_run_{};  // the first poll starts a run (clock_.steady_now())
  std::optional<std::string> failing_;                // the kind of the current problem, while it lasts
};

}  // namespace authwatch::service

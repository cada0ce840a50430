#pragma once
// The monitor: AuthWatch as a long-running process. One loop, readable in one place
// (Monitor::pass): poll every source (followed SMTP protocol logs, a drop folder of exported
// event/queue files, Get-Queue snapshots by command; on Windows the live event log), turn the new
// signals into incidents, start a probe run for every incident that asks for a diagnosis, store
// the finished runs with their diagnosis, and hand the alerts of all these changes to the sinks
// (or hold them back in a maintenance window). Each source's new records, their signals and its
// new position commit in one transaction (service/ingest.cpp), so a kill -9 at any moment
// neither loses nor repeats an event; alerts go through the outbox (storage alerts table).
//
// Threads: the loop runs on one io_context (a timer every `poll`, the stop signals). Blocking
// work — probe runs, commands — runs on a small pool (`pool_`) behind futures the loop polls;
// nothing on the pool touches the database.
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "probes/kerberos_logging.hpp"
#include "probes/probe.hpp"
#include "service/alerts.hpp"
#include "service/ingest.hpp"
#include "service/instance_lock.hpp"
#include "service/offline_state.hpp"
#include "service/platform.hpp"
#include "service/source.hpp"
#include "storage/database.hpp"

namespace authwatch::service {

struct MonitorOptions {
  std::string database;                     // SQLite file, created when missing
  std::vector<std::string> protocol_log_dirs;  // followed as Exchange writes them
  std::vector<std::string> drop_dirs;          // exported event XML/.evtx and queue JSON dropped in
  std::string alerts_jsonl;                 // "" = none, "-" = stdout
  bool syslog = false;
  std::chrono::milliseconds poll{250};      // how often sources nothing notifies of a change are polled
  // While every followed folder is watched and no source waits for a poll: the pass that runs
  // anyway (config monitor.safety_poll), so an idle service sleeps.
  std::chrono::milliseconds safety_poll{5000};
  bool probes = true;                       // run probes when an incident asks for a diagnosis
  probes::ProbeTargets targets;             // DCs, realm, ... (the peer comes from the incident)
  probes::ProbeSettings probe_settings;
  probes::LogLevelLocation kerberos_log_level;  // where the Kerberos LogLevel switch writes (tests: an HKCU key)
  std::vector<std::string> only;            // probe subset ("" = all)
  Config config;                            // incidents, queue command, maintenance
};

struct PassReport {
  uint64_t new_events = 0;
  uint64_t bad_records = 0;
  int opened = 0, resolved = 0, probe_runs_started = 0, probe_runs_stored = 0, alerts_delivered = 0, alerts_suppressed = 0;
  std::vector<std::string> errors;   // what could not be read or delivered, each naming what failed
  std::vector<std::string> notices;  // a position reset, a followed file deleted before its end
};

class Monitor {
 public:
  Monitor(MonitorOptions options, const Clock& clock);
  ~Monitor();
  Result<bool> open();  // opens (creates) the database and the sources; call before pass()/run()

  // One turn of the loop. Probe runs and commands started here finish on the pool and are taken
  // by a later pass (or, for probe runs, by wait_for_probes()).
  PassReport pass();
  void wait_for_probes();  // stores every running probe run and delivers its alert (tests, shutdown)

  // After a pass: how long the loop sleeps unless a change or stop() wakes it. `folders_notify`:
  // every followed folder is watched. Then the safety poll, cut short by what is due sooner (the
  // queue command's or offline check's next run, a dropped file settling); otherwise, or while a
  // probe run or command is running (polled for its result), the poll interval.
  std::chrono::milliseconds wait_after_pass(bool folders_notify, std::chrono::steady_clock::time_point now) const;

  // pass() after each wait_after_pass() until stop() (or SIGINT/SIGTERM when handle_signals); then stores
  // the running probe runs and delivers the last alerts. Returns the process exit code.
  int run(bool handle_signals);
  // From any thread (a signal, the SCM's control handler): the loop wakes and stops at once.
  void stop();

  // Why alerts are held back now ("maintenance window Sat 22:00-02:00", "ServerWideOffline is
  // Inactive"), or "".
  std::string maintenance_reason() const;

 private:
  struct PendingRun;
  void start_probe_run(const Incident& incident);
  int store_finished_runs(bool wait);
  int deliver_alerts(PassReport& report);
  void record_state(const PassReport& report);

  MonitorOptions options_;
  const Clock& clock_;
  boost::asio::thread_pool pool_{4};  // probe runs and commands
  std::unique_ptr<InstanceLock> lock_;
  std::unique_ptr<PassHook> kerberos_switch_;  // Windows, when configured  // held from open() until destruction: one monitor per database
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<Ingest> ingest_;  // one for the monitor's life: protocol-log sessions span passes
  std::vector<std::unique_ptr<MonitorSource>> sources_;
  std::unique_ptr<OfflineStateWatch> offline_;
  std::vector<std::unique_ptr<AlertSink>> sinks_;
  std::vector<std::unique_ptr<PendingRun>> running_;
  std::atomic<bool> stopping_{false};
  std::mutex wake_mutex_;
  std::function<void()> wake_;  // set while run() runs: wakes its loop
  std::string maintenance_;                              // the reason recorded last (monitor_state)
  std::chrono::steady_clock::time_point state_written_{};  // last "last_pass" write
  TimePoint started_{};
};

}  // namespace authwatch::service

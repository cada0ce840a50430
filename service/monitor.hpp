#pragma once
// The monitor: AuthWatch as a long-running process. One loop, readable in one place
// (Monitor::pass): poll every source (followed SMTP protocol logs, a drop folder of exported
// event/queue files, Get-Queue snapshots by command; on Windows the live event log), turn the new
// signals into incidents, start a probe run for every incident that asks for a diagnosis, store
// the finished runs with their diagnosis, and hand the alerts of all these changes to the sinks
// (or hold them back in a maintenance window). Each source's new records, their signals and its
// new position commit in one transaction (pipeline/ingest.cpp), so a kill -9 at any moment
// neither loses nor repeats an event; alerts go through the outbox (storage alerts table).
//
// Nothing a pass meets stops the monitor: each step of a pass runs in Monitor::step, which logs
// what it throws, counts it, raises a health alert once per kind of failure (and once when it
// works again; service/step_health.hpp) and lets the next pass try again. When the database
// itself fails, the pass's other database steps wait for the next pass (service/database_keeper.hpp
// says what is done about each kind), the sources keep their positions, and alerts go to the sinks
// straight from memory (service/alert_queue.hpp) and into the outbox once the database is back.
//
// Threads: the loop runs on one io_context (a timer every `poll`, the stop signals). Blocking
// work — probe runs, commands — runs on a small pool (`pool_`) behind futures the loop polls;
// nothing on the pool touches the database.
//
// Time: every timed decision of a pass (the heartbeat, metrics, a source's next run or recheck,
// the database retry, the quiet period) reads the Clock given to the constructor, never the
// system's, so tests move time on instead of sleeping. Only the loop's own timer (run()) and the
// commands' timeouts (service/command.hpp: real child processes) wait in real time.
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "pipeline/alerts.hpp"
#include "pipeline/ingest.hpp"
#include "probes/kerberos_logging.hpp"
#include "probes/probe.hpp"
#include "service/alert_queue.hpp"
#include "service/database_keeper.hpp"
#include "service/instance_lock.hpp"
#include "service/metrics/metrics_server.hpp"
#include "service/metrics/metrics_snapshot.hpp"
#include "service/offline_state.hpp"
#include "service/platform.hpp"
#include "service/source.hpp"
#include "service/step_health.hpp"
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
  // This server as the observer of its evidence (core/observer.hpp): the name records that do not
  // say are given, and its addresses (recorded in monitor_state "observer" for `authwatch links`).
  std::string observer;
  std::vector<std::string> observer_addresses;
  std::string metrics_listen;               // "HOST:PORT" for GET /metrics; "" = off
  std::string version;                      // authwatch_build_info
  Config config;                            // incidents, queue command, maintenance
};

struct PassReport {
  uint64_t new_events = 0;
  uint64_t bad_records = 0;
  uint64_t quarantined = 0;  // records that could not be stored (kept in the quarantine table)
  int opened = 0, resolved = 0, probe_runs_started = 0, probe_runs_stored = 0, alerts_delivered = 0, alerts_suppressed = 0;
  std::vector<std::string> errors;   // what could not be read or delivered, each naming what failed
  std::vector<std::string> notices;  // a position reset, a followed file deleted before its end
  std::vector<std::string> failed_steps;  // "<step>: <what it threw>" (each alerted once per kind: service/step_health.hpp)
};

class Monitor {
 public:
  Monitor(MonitorOptions options, const Clock& clock);
  ~Monitor();
  // Opens (creates) the database and the sources; call before pass()/run(). Fails only for what
  // no retry mends: another monitor holds the database, or it is refused (a newer schema, another
  // program's file). A database that cannot be used now (busy, full, read-only, ...) is retried
  // by the passes, which alert meanwhile; a damaged one is moved aside at once.
  Result<void> open();

  // A source besides those of the options and the platform (a test's scripted source); before run().
  void add_source(std::unique_ptr<MonitorSource> source) { sources_.push_back(std::move(source)); }

  // One turn of the loop. Probe runs and commands started here finish on the pool and are taken
  // by a later pass (or, for probe runs, by wait_for_probes()).
  PassReport pass();
  void wait_for_probes();  // stores every running probe run and delivers its alert (tests, shutdown)

  // After a pass: how long the loop sleeps unless a change, a source's wake or stop() wakes it.
  // `folders_notify`: every followed folder is watched (true when none is followed). Then the safety poll, cut short by what is due sooner (the
  // queue command's or offline check's next run, a dropped file settling); otherwise, or while a
  // probe run or command is running (polled for its result), the poll interval.
  std::chrono::milliseconds wait_after_pass(bool folders_notify, SteadyTime now) const;

  // pass() after each wait_after_pass() until stop() (or SIGINT/SIGTERM when handle_signals); then stores
  // the running probe runs and delivers the last alerts. Returns the process exit code; throws
  // nothing.
  int run(bool handle_signals);
  // From any thread (a signal, the SCM's control handler): the loop wakes and stops at once.
  void stop();
  // From any thread: the loop passes at once (a source's new records); nothing when it is not running.
  void wake();

  // Why alerts are held back now ("maintenance window Sat 22:00-02:00", "ServerWideOffline is
  // Inactive"), or "".
  std::string maintenance_reason() const;

 private:
  struct PendingRun;
  enum class Needs { Nothing, Database };
  // One step of a pass: runs fn, or skips it when it needs the database and the database failed
  // earlier in this pass. What fn throws goes to step_failed; nothing leaves.
  template <class Fn>
  void step(Needs needs, const std::string& name, PassReport& report, Fn&& fn) {
    if (needs == Needs::Database && !database_ok_) return;  // the next pass tries again
    try {
      fn();
      health_.succeeded(name);
    } catch (...) {
      step_failed(name, std::current_exception(), report);
    }
  }
  void step_failed(const std::string& name, const std::exception_ptr& thrown, PassReport& report) noexcept;
  int run_loop(bool handle_signals);
  void keep_database(PassReport& report);
  void database_event(const DatabaseKeeper::Event& event, PassReport& report);
  void read_source(MonitorSource& source, PassReport& report);
  void start_probe_run(const Incident& incident);
  int store_finished_runs(bool wait);
  void deliver_alerts(PassReport& report);
  void record_state(const PassReport& report);
  void publish_metrics(const PassReport& report);

  MonitorOptions options_;
  const Clock& clock_;
  boost::asio::thread_pool pool_{4};  // probe runs and commands
  std::unique_ptr<InstanceLock> lock_;
  std::unique_ptr<PassHook> kerberos_switch_;  // Windows, when configured  // held from open() until destruction: one monitor per database
  std::unique_ptr<storage::Database> db_;  // one for the monitor's life; reconnected by keeper_
  std::unique_ptr<DatabaseKeeper> keeper_;
  bool database_ok_ = false;               // in this pass: no database step failed yet
  std::unique_ptr<pipeline::Ingest> ingest_;  // one for the monitor's life: protocol-log sessions span passes
  std::vector<std::unique_ptr<MonitorSource>> sources_;
  std::unique_ptr<OfflineStateWatch> offline_;
  std::vector<std::unique_ptr<pipeline::AlertSink>> sinks_;
  AlertQueue alerts_;
  StepHealth health_;
  std::set<std::string> quarantine_alerted_;  // sources whose quarantined records were alerted (once each)
  std::vector<std::unique_ptr<PendingRun>> running_;
  std::atomic<bool> stopping_{false};
  std::mutex wake_mutex_;
  std::function<void()> wake_;  // set while run() runs: wakes its loop
  std::string held_back_;                                // why alerts are held back in this pass ("" = they go out)
  std::string held_back_logged_, held_back_written_;     // the reason logged / recorded last (monitor_state)
  nlohmann::json health_written_;                        // the health recorded last
  std::string database_event_;                           // what happened to the file, not recorded yet
  SteadyTime state_written_{};  // last "last_pass" write (clock_.steady_now())
  TimePoint started_{};
  std::unique_ptr<MetricsServer> metrics_;
  SteadyTime metrics_published_{};
  SteadyTime lags_measured_{};
  std::vector<SourceLag> lags_;

 public:
  // Where GET /metrics is served ("127.0.0.1:9464"), "" when off.
  std::string metrics_address() const { return metrics_ ? metrics_->address() : std::string(); }
};

}  // namespace authwatch::service

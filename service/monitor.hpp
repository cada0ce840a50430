#pragma once
// The monitor: AuthWatch as a long-running process. One loop, readable in one place
// (Monitor::pass): read what is new in every watched folder (SMTP protocol logs as they are
// written, exported event files dropped in), turn it into incidents, start a probe run for every
// incident that asks for a diagnosis, store the finished runs with their diagnosis, and hand the
// alerts of all these changes to the sinks. Each file's new records, their signals and its new
// position commit in one transaction (service/ingest.cpp), so a kill -9 at any moment neither
// loses nor repeats an event; alerts go through the outbox (storage alerts table).
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "probes/probe.hpp"
#include "service/alerts.hpp"
#include "service/ingest.hpp"
#include "storage/database.hpp"

namespace authwatch::service {

struct MonitorOptions {
  std::string database;                   // SQLite file, created when missing
  std::vector<std::string> watch;         // protocol-log folders and drop folders (formats by content)
  std::string alerts_jsonl;               // "" = none, "-" = stdout
  bool syslog = false;
  std::chrono::milliseconds poll{250};    // how often the folders are looked at
  bool probes = true;                     // run probes when an incident asks for a diagnosis
  probes::ProbeTargets targets;           // DCs, realm, ... (the peer comes from the incident)
  probes::ProbeSettings probe_settings;
  std::vector<std::string> only;          // probe subset ("" = all)
  Config config;
};

struct PassReport {
  uint64_t new_events = 0;
  uint64_t bad_records = 0;
  int opened = 0, resolved = 0, probe_runs_started = 0, probe_runs_stored = 0, alerts_delivered = 0;
  std::vector<std::string> errors;  // file or sink problems, each naming what failed
};

class Monitor {
 public:
  Monitor(MonitorOptions options, const Clock& clock);
  ~Monitor();
  Result<bool> open();  // opens (creates) the database; call before pass()/run()

  // One turn of the loop. Probe runs started here finish in the background and are stored by a
  // later pass (or by wait_for_probes()).
  PassReport pass();
  void wait_for_probes();  // stores every running probe run (tests, shutdown)

  // pass() every options.poll until stop() (or SIGINT/SIGTERM when handle_signals); then waits
  // for running probes and delivers the last alerts. Returns the process exit code.
  int run(bool handle_signals);
  void stop() { stopping_ = true; }

 private:
  struct PendingRun;
  void start_probe_run(const Incident& incident);
  int store_finished_runs(bool wait);
  int deliver_alerts(std::vector<std::string>& errors);

  MonitorOptions options_;
  const Clock& clock_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<Ingest> ingest_;  // one for the monitor's life: protocol-log sessions span passes
  std::vector<std::unique_ptr<AlertSink>> sinks_;
  std::vector<std::unique_ptr<PendingRun>> running_;
  std::atomic<bool> stopping_{false};
};

}  // namespace authwatch::service

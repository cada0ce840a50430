#include "service/monitor.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/log/trivial.hpp>

#include "core/diagnosis.hpp"
#include "probes/engine.hpp"
#include "probes/probe_set.hpp"
#include "service/ingest.hpp"

namespace authwatch::service {

// A probe run for one incident, running on its own thread until a pass stores it.
struct Monitor::PendingRun {
  Incident incident;
  probes::ProbeTargets targets;
  std::future<probes::ProbeRunResult> result;
};

Monitor::Monitor(MonitorOptions options, const Clock& clock) : options_(std::move(options)), clock_(clock) {
  if (!options_.alerts_jsonl.empty()) sinks_.push_back(make_json_lines_sink(options_.alerts_jsonl));
#ifndef _WIN32
  if (options_.syslog) sinks_.push_back(make_syslog_sink());
#endif
}

Monitor::~Monitor() {
  for (auto& r : running_)
    if (r->result.valid()) r->result.wait();
}

Result<bool> Monitor::open() {
  auto db = storage::Database::open(options_.database, storage::Database::Mode::ReadWrite);
  if (!db) return Error{db.error()};
  db_ = std::move(db).value();
  ingest_ = std::make_unique<Ingest>(*db_, options_.config, clock_);
  ingest_->record_alerts(true);
  return true;
}

PassReport Monitor::pass() {
  PassReport report;
  // 1. What is new in the watched folders: one transaction per file (events, signals, position).
  std::vector<std::string> missing;
  for (const auto& path : expand_paths(options_.watch, missing)) {
    auto file = ingest_->ingest_file(path);
    report.new_events += file.new_events;
    report.bad_records += file.bad_records;
    for (const auto& e : file.errors) report.errors.push_back(path + ": " + e.message());
    if (!file.failure.empty()) report.errors.push_back(path + ": " + file.failure);
  }
  for (const auto& m : missing) report.errors.push_back(m + ": no such folder");

  // 2. Signals become incidents; opened/resolved alerts go into the outbox in the same transaction.
  auto incidents = ingest_->update_incidents();
  report.opened = incidents.opened();
  report.resolved = incidents.resolved();

  // 3. An incident that asks for a diagnosis gets a probe run (the engine bounds it by its deadlines).
  for (const auto& change : incidents.changes) {
    if (change.kind != IncidentChange::Kind::DiagnoseRequested || !options_.probes) continue;
    start_probe_run(change.incident);
    ++report.probe_runs_started;
  }

  // 4. Finished runs are stored with their diagnosis and its alert; 5. the outbox is delivered.
  report.probe_runs_stored = store_finished_runs(false);
  report.alerts_delivered = deliver_alerts(report.errors);
  return report;
}

void Monitor::start_probe_run(const Incident& incident) {
  auto run = std::make_unique<PendingRun>();
  run->incident = incident;
  run->targets = options_.targets;
  // The peer of the incident: its IP (or name), on the SMTP ports of the config.
  run->targets.peer = incident.peer;
  if (run->targets.peer_fqdn.empty() && !incident.peer_name.empty()) run->targets.peer_fqdn = incident.peer_name;
  auto probes = probes::make_probes(options_.only);
  if (!probes) {
    BOOST_LOG_TRIVIAL(error) << "probes: " << probes.error();
    return;
  }
  using ProbeList = std::vector<std::unique_ptr<probes::Probe>>;
  auto set = std::make_shared<ProbeList>(std::move(probes).value());
  run->result = std::async(std::launch::async, [targets = run->targets, settings = options_.probe_settings, set]() {
    return probes::run_probes(std::move(*set), targets, settings);
  });
  BOOST_LOG_TRIVIAL(info) << "incident " << incident.id << ": probing " << run->targets.peer;
  running_.push_back(std::move(run));
}

int Monitor::store_finished_runs(bool wait) {
  int stored = 0;
  storage::Store store(*db_);
  for (auto it = running_.begin(); it != running_.end();) {
    auto& run = **it;
    if (!wait && run.result.wait_for(std::chrono::seconds{0}) != std::future_status::ready) {
      ++it;
      continue;
    }
    auto result = run.result.get();
    const auto diagnosis = diagnose(result.findings);
    storage::ProbeRunRecord record;
    record.incident_id = run.incident.id;
    record.started_at = result.started;
    record.finished_at = result.finished;
    record.trigger = "incident";
    record.targets = {{"dcs", run.targets.dcs}, {"realm", run.targets.realm}, {"peer", run.targets.peer}, {"peer_fqdn", run.targets.peer_fqdn}};
    record.status = std::string(to_string(probes::worst_status(result.findings)));
    db_->transaction([&] {
      const auto run_id = store.insert_probe_run(record, result.findings);
      store.insert_alert(cause_diagnosed_alert(run.incident, diagnosis, run_id, clock_.now()));
    });
    ++stored;
    it = running_.erase(it);
  }
  return stored;
}

void Monitor::wait_for_probes() {
  store_finished_runs(true);
  std::vector<std::string> errors;
  deliver_alerts(errors);
}

int Monitor::deliver_alerts(std::vector<std::string>& errors) {
  storage::Store store(*db_);
  int delivered = 0;
  for (const auto& alert : store.pending_alerts()) {
    bool all = true;
    for (auto& sink : sinks_) {
      auto ok = sink->deliver(alert);
      if (!ok) {
        errors.push_back(sink->name() + ": " + ok.error());
        all = false;
      }
    }
    if (!all) break;  // keep the order: retry from this alert on the next pass
    store.mark_alert_delivered(alert.id, clock_.now());
    ++delivered;
  }
  return delivered;
}

int Monitor::run(bool handle_signals) {
  boost::asio::io_context io;
  boost::asio::signal_set signals(io);
  if (handle_signals) {
    signals.add(SIGINT);
    signals.add(SIGTERM);
    signals.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (!ec) {
        BOOST_LOG_TRIVIAL(info) << "signal " << signal << ": stopping";
        stop();
      }
    });
  }
  boost::asio::steady_timer timer(io);
  std::function<void()> turn = [&] {
    if (stopping_) {
      signals.cancel();
      return;
    }
    auto report = pass();
    for (const auto& e : report.errors) BOOST_LOG_TRIVIAL(warning) << e;
    if (report.opened || report.resolved || report.probe_runs_stored)
      BOOST_LOG_TRIVIAL(info) << "pass: " << report.new_events << " new event(s), " << report.opened << " opened, " << report.resolved
                              << " resolved, " << report.probe_runs_stored << " probe run(s) stored, " << report.alerts_delivered
                              << " alert(s) delivered";
    timer.expires_after(options_.poll);
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) turn();
    });
  };
  turn();
  io.run();
  wait_for_probes();
  BOOST_LOG_TRIVIAL(info) << "stopped";
  return 0;
}

}  // namespace authwatch::service

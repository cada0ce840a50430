#include "service/monitor.hpp"

#include <utility>  // before Boost.Asio (GCC 12 / Boost 1.74)

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/log/trivial.hpp>
#include <nlohmann/json.hpp>

#include "core/diagnosis.hpp"
#include "core/evidence_causes.hpp"
#include "core/text.hpp"
#include "probes/engine.hpp"
#include "probes/probe_set.hpp"
#include "service/folder_source.hpp"
#include "service/folder_watch.hpp"
#include "service/platform.hpp"
#include "service/queue_command_source.hpp"

namespace authwatch::service {

// A probe run for one incident, running on the pool until a pass stores it.
struct Monitor::PendingRun {
  Incident incident;
  probes::ProbeTargets targets;
  std::future<probes::ProbeRunResult> result;
};

Monitor::Monitor(MonitorOptions options, const Clock& clock) : options_(std::move(options)), clock_(clock) {
  if (!options_.alerts_jsonl.empty()) sinks_.push_back(make_json_lines_sink(options_.alerts_jsonl));
  for (auto& sink : make_platform_sinks(options_)) sinks_.push_back(std::move(sink));
}

Monitor::~Monitor() {
  for (auto& source : sources_) source->stop();
  if (offline_) offline_->stop();
  for (auto& r : running_)
    if (r->result.valid()) r->result.wait();
  pool_.join();
}

Result<bool> Monitor::open() {
  auto lock = InstanceLock::acquire(options_.database);
  if (!lock) return Error{lock.error()};
  lock_ = std::make_unique<InstanceLock>(std::move(lock).value());
  auto db = storage::Database::open(options_.database, storage::Database::Mode::ReadWrite);
  if (!db) return Error{db.error()};
  db_ = std::move(db).value();
  ingest_ = std::make_unique<Ingest>(*db_, options_.config, clock_);
  ingest_->record_alerts(true);

  if (!options_.protocol_log_dirs.empty())
    sources_.push_back(std::make_unique<FolderSource>(options_.protocol_log_dirs, FolderSource::Kind::ProtocolLogs));
  if (!options_.drop_dirs.empty()) sources_.push_back(std::make_unique<FolderSource>(options_.drop_dirs, FolderSource::Kind::DropFolder));
  const auto& queue = options_.config.queue;
  if (queue.enabled)
    sources_.push_back(std::make_unique<QueueCommandSource>(
        QueueCommandOptions{queue.command, queue.interval, queue.timeout, options_.database + "-queue.json"}, pool_, *db_, clock_));
  for (auto& source : make_platform_sources(options_)) sources_.push_back(std::move(source));
  const auto& maintenance = options_.config.maintenance;
  if (!maintenance.offline_state_command.empty())
    offline_ = std::make_unique<OfflineStateWatch>(maintenance.offline_state_command, maintenance.check_interval,
                                                   options_.config.queue.timeout, pool_);
  kerberos_switch_ = make_kerberos_logging_switch(options_, clock_);
  started_ = clock_.now();
  return true;
}

// The loop. Everything the monitor does happens in this order, once per poll.
PassReport Monitor::pass() {
  PassReport report;
  // 1. What is new at every source: each commits its records, their signals and its position
  //    in one transaction.
  for (auto& source : sources_) {
    auto got = source->poll(*ingest_);
    report.new_events += got.new_events;
    report.bad_records += got.bad_records;
    report.errors.insert(report.errors.end(), got.errors.begin(), got.errors.end());
    report.notices.insert(report.notices.end(), got.notices.begin(), got.notices.end());
  }

  // 2. Signals become incidents; opened/resolved alerts go into the outbox in the same transaction.
  auto incidents = ingest_->update_incidents();
  report.opened = incidents.opened();
  report.resolved = incidents.resolved();
  if (kerberos_switch_)  // Kerberos logging on for a new incident; back off when its window ends
    for (auto& problem : kerberos_switch_->on_pass(*db_, report.opened > 0)) report.errors.push_back(std::move(problem));

  // 3. An incident that asks for a diagnosis (on open, then at most once per cooldown) gets a
  //    probe run on the pool; the engine bounds it by its deadlines.
  for (const auto& change : incidents.changes) {
    if (change.kind != IncidentChange::Kind::DiagnoseRequested || !options_.probes) continue;
    start_probe_run(change.incident);
    ++report.probe_runs_started;
  }

  // 4. Finished runs are stored with their diagnosis and its alert.
  report.probe_runs_stored = store_finished_runs(false);

  // 5. Maintenance (a window, or ServerWideOffline Inactive) holds alerts back; else the outbox
  //    goes to the sinks, in order.
  if (offline_) offline_->poll(report.errors);
  report.alerts_delivered = deliver_alerts(report);

  // 6. What `authwatch status` shows: that the monitor is alive, its last error.
  record_state(report);
  return report;
}

void Monitor::start_probe_run(const Incident& incident) {
  auto run = std::make_unique<PendingRun>();
  run->incident = incident;
  run->targets = options_.targets;
  // The peer of the incident: its IP (or name), on the SMTP ports of the config. No probe targets
  // a name that is not a host (docs/domain.md §10): an incident whose server is unknown (a queue
  // whose next hop is a site) gets the domain's probes only.
  const bool host = incident.peer != kUnknownPeer && (looks_like_ip(incident.peer) || is_host_name(incident.peer));
  run->targets.peer = host ? incident.peer : std::string();
  if (run->targets.peer_fqdn.empty() && is_host_name(incident.peer_name)) run->targets.peer_fqdn = incident.peer_name;
  auto probes = probes::make_probes(options_.only);
  if (!probes) {
    BOOST_LOG_TRIVIAL(error) << "probes: " << probes.error();
    return;
  }
  using ProbeList = std::vector<std::unique_ptr<probes::Probe>>;
  auto task = std::make_shared<std::packaged_task<probes::ProbeRunResult()>>(
      [targets = run->targets, settings = options_.probe_settings, set = std::make_shared<ProbeList>(std::move(probes).value())] {
        return probes::run_probes(std::move(*set), targets, settings);
      });
  run->result = task->get_future();
  boost::asio::post(pool_, [task] { (*task)(); });
  BOOST_LOG_TRIVIAL(info) << "incident " << incident.id << ": probing "
                          << (host ? run->targets.peer : "the domain (the peer server is not known)");
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
    // The probes' causes and those the incident's own evidence names (core/evidence_causes.hpp).
    auto diagnosis = diagnose(result.findings);
    storage::SignalQuery faults;
    faults.incident_id = run.incident.id;
    std::vector<Signal> signals;
    for (auto& s : store.signals(faults)) signals.push_back(std::move(s.signal));
    add_named_causes(diagnosis, causes_named_by_signals(signals));
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
  PassReport report;
  deliver_alerts(report);
}

std::string Monitor::maintenance_reason() const {
  if (const auto* window = active_maintenance_window(options_.config.maintenance.windows, clock_.now()))
    return "maintenance window " + window->text;
  if (offline_ && offline_->offline()) return "ServerWideOffline is Inactive";
  return "";
}

int Monitor::deliver_alerts(PassReport& report) {
  storage::Store store(*db_);
  const std::string held = maintenance_reason();
  if (held != maintenance_) {
    BOOST_LOG_TRIVIAL(info) << (held.empty() ? "maintenance over: alerts go out again" : "alerts held back: " + held);
    db_->transaction([&] { store.set_monitor_state("maintenance", held, clock_.now()); });
    maintenance_ = held;
  }
  int delivered = 0;
  for (const auto& alert : store.pending_alerts()) {
    if (!held.empty()) {  // recorded, marked, never sent: no flood of stale alerts when it ends
      store.mark_alert_delivered(alert.id, clock_.now(), "suppressed: " + held);
      ++report.alerts_suppressed;
      continue;
    }
    bool all = true;
    for (auto& sink : sinks_) {
      auto ok = sink->deliver(alert);
      if (!ok) {
        report.errors.push_back(sink->name() + ": " + ok.error());
        all = false;
      }
    }
    if (!all) break;  // keep the order: retry from this alert on the next pass
    store.mark_alert_delivered(alert.id, clock_.now());
    ++delivered;
  }
  return delivered;
}

std::chrono::milliseconds Monitor::wait_after_pass(bool folders_notify, std::chrono::steady_clock::time_point now) const {
  if (!folders_notify || !running_.empty()) return options_.poll;
  auto wait = std::max(options_.safety_poll, options_.poll);
  for (const auto& source : sources_) wait = std::min(wait, source->wait_allowed(options_.poll, now));
  if (offline_) wait = std::min(wait, offline_->wait_allowed(options_.poll, now));
  return wait;
}

void Monitor::record_state(const PassReport& report) {
  const auto now = std::chrono::steady_clock::now();
  const bool news = !report.errors.empty() || !report.notices.empty();
  if (!news && now - state_written_ < std::chrono::seconds{2}) return;  // a heartbeat, not a write per pass
  state_written_ = now;
  storage::Store store(*db_);
  const nlohmann::json alive = {{"pid", current_process_id()}, {"started", format_iso8601(started_)},
                                {"poll_ms", options_.poll.count()}, {"probe_runs_running", running_.size()}};
  db_->transaction([&] {
    store.set_monitor_state("last_pass", alive.dump(), clock_.now());
    if (!report.errors.empty()) store.set_monitor_state("last_error", report.errors.back(), clock_.now());
    if (!report.notices.empty()) store.set_monitor_state("last_notice", report.notices.back(), clock_.now());
  });
}

void Monitor::stop() {
  stopping_ = true;
  std::lock_guard lock(wake_mutex_);
  if (wake_) wake_();
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
  // A change in a watched folder wakes the loop at once (after a short settle, so a burst of lines
  // is one pass); the poll stays as the safety net and is all there is for the other sources.
  std::vector<std::string> folders = options_.protocol_log_dirs;
  folders.insert(folders.end(), options_.drop_dirs.begin(), options_.drop_dirs.end());
  FolderWatch watch(io, folders);
  for (const auto& problem : watch.problems())
    BOOST_LOG_TRIVIAL(warning) << problem << ": polled every " << options_.poll.count() << " ms instead";
  // One timer for everything timed: the next pass comes at the soonest thing due (wait_after_pass).
  const bool folders_notify = !folders.empty() && watch.watching() && watch.problems().empty();
  constexpr std::chrono::milliseconds kSettle{10};
  std::function<void()> turn;
  auto wait_for = [&](std::chrono::milliseconds delay) {
    timer.expires_after(delay);  // cancels the wait in progress, if any
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      watch.cancel();
      turn();
    });
  };
  turn = [&] {
    if (stopping_) {
      signals.cancel();
      watch.cancel();
      return;
    }
    auto report = pass();
    for (const auto& e : report.errors) BOOST_LOG_TRIVIAL(warning) << e;
    for (const auto& n : report.notices) BOOST_LOG_TRIVIAL(warning) << n;
    if (report.opened || report.resolved || report.probe_runs_stored || report.alerts_suppressed)
      BOOST_LOG_TRIVIAL(info) << "pass: " << report.new_events << " new event(s), " << report.opened << " opened, " << report.resolved
                              << " resolved, " << report.probe_runs_stored << " probe run(s) stored, " << report.alerts_delivered
                              << " alert(s) delivered, " << report.alerts_suppressed << " held back";
    wait_for(wait_after_pass(folders_notify, std::chrono::steady_clock::now()));
    watch.async_wait([&] { wait_for(kSettle); });
  };
  {
    std::lock_guard lock(wake_mutex_);
    wake_ = [&] { boost::asio::post(io, [&] { wait_for(std::chrono::milliseconds{0}); }); };
  }
  turn();
  io.run();
  {
    std::lock_guard lock(wake_mutex_);
    wake_ = nullptr;
  }
  for (auto& source : sources_) source->stop();  // a running command is killed, not waited for
  wait_for_probes();
  storage::Store store(*db_);
  db_->transaction([&] { store.set_monitor_state("stopped", "", clock_.now()); });
  BOOST_LOG_TRIVIAL(info) << "stopped";
  return 0;
}

}  // namespace authwatch::service

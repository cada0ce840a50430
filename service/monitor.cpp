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
#include "service/metrics/exposition.hpp"
#include "service/platform.hpp"
#include "service/queue_command_source.hpp"

namespace authwatch::service {

// A probe run for one incident, running on the pool until a pass stores it.
struct Monitor::PendingRun {
  Incident incident;
  probes::ProbeRunResult result;
  probes::ProbeTargets targets;
  std::future<probes::ProbeRunResult> running;
  bool done = false;  // `result` holds the finished run (kept until the database takes it)
};

Monitor::Monitor(MonitorOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), health_(options_.database) {
  if (!options_.alerts_jsonl.empty()) sinks_.push_back(pipeline::make_json_lines_sink(options_.alerts_jsonl));
  for (auto& sink : make_platform_sinks(options_)) sinks_.push_back(std::move(sink));
}

Monitor::~Monitor() {
  metrics_.reset();  // no scrape reads this monitor's last snapshot after it is gone
  for (auto& source : sources_) source->stop();
  if (offline_) offline_->stop();
  for (auto& r : running_)
    if (r->running.valid()) r->running.wait();
  pool_.join();
}

Result<void> Monitor::open() {
  auto lock = InstanceLock::acquire(options_.database);
  if (!lock) return lock.failure();
  lock_ = std::make_unique<InstanceLock>(std::move(lock).value());
  db_ = storage::Database::unconnected(options_.database,
                                       storage::OpenOptions{std::chrono::milliseconds{options_.config.database.busy_timeout_ms}});
  keeper_ = std::make_unique<DatabaseKeeper>(*db_, clock_);
  std::optional<DatabaseKeeper::Event> event;
  if (auto failure = keeper_->open(event)) {
    if (failure->kind == storage::DatabaseFailure::Refused) return Error{failure->kind, failure->message};
    BOOST_LOG_TRIVIAL(error) << failure->message << ": the monitor starts anyway, alerts, and opens it again every "
                             << DatabaseKeeper::kRetry.count() << " s";
  }
  ingest_ = std::make_unique<pipeline::Ingest>(*db_, options_.config, clock_, options_.observer);
  ingest_->record_alerts(true);
  if (!options_.observer.empty()) {
    // Who this monitor is, for `authwatch links` across databases: its name and its addresses.
    storage::Store store(*db_);
    const nlohmann::json me = {{"name", options_.observer}, {"addresses", options_.observer_addresses}};
    try {
      db_->transaction([&] { store.set_monitor_state("observer", me.dump(), clock_.now()); });
    } catch (const std::exception& e) {  // the database failed at start: status lacks the name, the monitor goes on
      BOOST_LOG_TRIVIAL(warning) << "observer not recorded: " << e.what();
    }
  }
  if (!options_.metrics_listen.empty()) {
    auto at = parse_listen_endpoint(options_.metrics_listen);
    if (!at) return Error{"metrics: '" + options_.metrics_listen + "' is not HOST:PORT"};
    auto server = MetricsServer::start(*at);
    if (!server) return server.failure();
    metrics_ = std::move(server).value();
    storage::Store store(*db_);
    try {
      db_->transaction([&] { store.set_monitor_state("metrics", "http://" + metrics_->address() + "/metrics", clock_.now()); });
    } catch (const std::exception& e) {
      BOOST_LOG_TRIVIAL(warning) << "metrics address not recorded: " << e.what();
    }
    BOOST_LOG_TRIVIAL(info) << "metrics: serving http://" << metrics_->address() << "/metrics";
  }

  if (!options_.protocol_log_dirs.empty())
    sources_.push_back(std::make_unique<FolderSource>(options_.protocol_log_dirs, FolderSource::Kind::ProtocolLogs, clock_));
  if (!options_.drop_dirs.empty()) sources_.push_back(std::make_unique<FolderSource>(options_.drop_dirs, FolderSource::Kind::DropFolder, clock_));
  const auto& queue = options_.config.queue;
  if (queue.enabled)
    sources_.push_back(std::make_unique<QueueCommandSource>(
        QueueCommandOptions{queue.command, queue.interval, queue.timeout, options_.database + "-queue.json",
                            {options_.config.limits.command_stdout_bytes, options_.config.limits.command_stderr_bytes}}, pool_, *db_, clock_));
  for (auto& source : make_platform_sources(options_, clock_)) sources_.push_back(std::move(source));
  const auto& maintenance = options_.config.maintenance;
  if (!maintenance.offline_state_command.empty())
    offline_ = std::make_unique<OfflineStateWatch>(maintenance.offline_state_command, maintenance.check_interval,
                                                   options_.config.queue.timeout, pool_, clock_);
  kerberos_switch_ = make_kerberos_logging_switch(options_, clock_);
  started_ = clock_.now();
  if (event) {
    PassReport ignored;
    database_event(*event, ignored);
  }
  return {};
}

// The loop. Everything the monitor does happens in this order, once per poll. Each step is
// contained (Monitor::step): what fails is logged, alerted once per kind and tried again by the
// next pass; a step that needs the database waits for the next pass when the database failed.
PassReport Monitor::pass() {
  PassReport report;
  database_ok_ = true;
  // 0. The database: opened again after a failure, written back when it was deleted under us.
  //    Alerts it could not take are written first, so they keep their place in the order.
  step(Needs::Nothing, "open the database", report, [&] { keep_database(report); });
  step(Needs::Database, "store held alerts", report, [&] { alerts_.store(*db_); });

  // 1. What is new at every source: each commits its records, their signals and its position
  //    in one transaction.
  for (auto& source : sources_) step(Needs::Database, "read " + source->name(), report, [&] { read_source(*source, report); });

  // 2. Signals become incidents; opened/resolved alerts go into the outbox in the same transaction.
  pipeline::IncidentPass incidents;
  step(Needs::Database, "update incidents", report, [&] {
    incidents = ingest_->update_incidents();
    report.opened = incidents.opened();
    report.resolved = incidents.resolved();
  });
  if (kerberos_switch_)  // Kerberos logging on for a new incident; back off when its window ends
    step(Needs::Database, "Kerberos logging switch", report, [&] {
      for (auto& problem : kerberos_switch_->on_pass(*db_, report.opened > 0)) report.errors.push_back(std::move(problem));
    });

  // 3. An incident that asks for a diagnosis (on open, then at most once per cooldown) gets a
  //    probe run on the pool; the engine bounds it by its deadlines.
  step(Needs::Nothing, "start probe runs", report, [&] {
    for (const auto& change : incidents.changes) {
      if (change.kind != IncidentChange::Kind::DiagnoseRequested || !options_.probes) continue;
      start_probe_run(change.incident);
      ++report.probe_runs_started;
    }
  });

  // 4. Finished runs are stored with their diagnosis and its alert (kept in memory until then).
  step(Needs::Database, "store probe runs", report, [&] { report.probe_runs_stored = store_finished_runs(false); });

  // 5. Maintenance (a window, or ServerWideOffline Inactive) holds alerts back; else the alerts
  //    go to the sinks in order: the outbox's, and those held in memory.
  step(Needs::Nothing, "maintenance check", report, [&] {
    if (offline_) offline_->poll(report.errors);
    held_back_ = maintenance_reason();
    if (held_back_ != held_back_logged_)
      BOOST_LOG_TRIVIAL(info) << (held_back_.empty() ? "maintenance over: alerts go out again" : "alerts held back: " + held_back_);
    held_back_logged_ = held_back_;
  });
  deliver_alerts(report);

  // 6. What `authwatch status` shows: that the monitor is alive, its last error, its health.
  for (auto& alert : health_.pass_over(clock_.now())) {
    BOOST_LOG_TRIVIAL(info) << pipeline::alert_message(alert);
    alerts_.hold(std::move(alert));
  }
  step(Needs::Database, "record delivery and state", report, [&] {
    alerts_.store(*db_);
    record_state(report);
  });
  // What Prometheus scrapes (the metrics server only reads what this publishes).
  step(Needs::Database, "publish metrics", report, [&] { publish_metrics(report); });
  return report;
}

void Monitor::step_failed(const std::string& name, const std::exception_ptr& thrown, PassReport& report) noexcept {
  try {
    StepFailure failure;
    failure.step = name;
    try {
      std::rethrow_exception(thrown);
    } catch (const nlohmann::json::exception& e) {
      failure.error = e.what();
      failure.thrown = "JSON error";
    } catch (const std::bad_alloc&) {
      failure.error = "out of memory";
      failure.thrown = "out of memory";
    } catch (const std::exception& e) {
      failure.error = e.what();
      failure.database = storage::database_failure(e);
      failure.thrown = "error";
    } catch (...) {
      failure.error = "an exception of unknown type";
      failure.thrown = "unknown exception";
    }
    if (failure.database == storage::DatabaseFailure::OutOfMemory) {  // SQLite's own: memory, not the file
      failure.database = storage::DatabaseFailure::None;
      failure.thrown = "out of memory";
    }
    report.failed_steps.push_back(name + ": " + failure.error);
    if (failure.database != storage::DatabaseFailure::None) {
      database_ok_ = false;  // the pass's other database steps wait for the next pass
      if (failure.database == storage::DatabaseFailure::Corrupt) {
        try {  // before a damaged file goes aside: the alerts it holds that were not read yet
          storage::Store store(*db_);
          alerts_.load(store);
        } catch (const std::exception& e) {
          BOOST_LOG_TRIVIAL(error) << "the outbox of the damaged database cannot be read: " << e.what();
        }
      }
      if (auto event = keeper_->failed(failure.database, failure.error)) database_event(*event, report);
    }
    // Logged once per kind (and when it ends, by its alert); each pass it goes on failing at debug level.
    if (auto alert = health_.failed(failure, clock_.now())) {
      BOOST_LOG_TRIVIAL(error) << name << ": " << failure.error << " (tried again every pass; logged again when it works)";
      alerts_.hold(std::move(*alert));
    } else {
      BOOST_LOG_TRIVIAL(debug) << name << ": " << failure.error;
    }
  } catch (...) {
    // Out of memory while reporting a failure: the next pass tries again.
  }
}

void Monitor::keep_database(PassReport& report) {
  if (auto event = keeper_->keep()) database_event(*event, report);
  keeper_->check_usable();  // throws the database's failure while it cannot be used
}

// Something happened to the database file itself (moved aside, written back, replaced).
void Monitor::database_event(const DatabaseKeeper::Event& event, PassReport& report) {
  report.notices.push_back(event.message);
  auto alert = pipeline::health_alert(event.message, event.details, clock_.now());
  alert.windows_event_id = kEventDatabaseReplaced;
  if (event.new_database) {
    // A new, empty database: positions, sessions and outbox rows of the old one are gone with it.
    ingest_->forget_database_state();
    for (auto& source : sources_) source->database_replaced();
    alerts_.database_replaced();
    held_back_written_.clear();
    health_written_ = nullptr;
  }
  alerts_.hold(std::move(alert));
  database_event_ = event.message;
}

void Monitor::read_source(MonitorSource& source, PassReport& report) {
  auto got = source.poll(*ingest_);
  report.new_events += got.new_events;
  report.bad_records += got.bad_records;
  report.errors.insert(report.errors.end(), got.errors.begin(), got.errors.end());
  report.notices.insert(report.notices.end(), got.notices.begin(), got.notices.end());
  for (const auto& q : got.quarantined) {
    report.quarantined += q.records;
    if (!quarantine_alerted_.insert(q.location).second) continue;  // once per source: `status` lists them all
    auto alert = pipeline::health_alert(std::to_string(q.records) + " record(s) of " + q.location +
                                  " could not be stored and were quarantined (the rest was stored; `authwatch status` lists "
                                  "them): " + q.first,
                              {{"source", "quarantine"}, {"location", q.location}, {"records", q.records}, {"ok", false}}, clock_.now());
    alert.windows_event_id = kEventRecordsQuarantined;
    alerts_.hold(std::move(alert));
  }
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
  run->running = task->get_future();
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
    if (!run.done) {
      if (!wait && run.running.wait_for(std::chrono::seconds{0}) != std::future_status::ready) {
        ++it;
        continue;
      }
      run.result = run.running.get();
      run.done = true;  // from here on in memory until the database takes it
    }
    const auto& result = run.result;
    db_->transaction([&] {
      // The incident may be gone meanwhile: merged into another, or the database was replaced.
      std::optional<int64_t> incident_id;
      if (store.incident(run.incident.id)) incident_id = run.incident.id;
      // The probes' causes and those the incident's own evidence names (core/evidence_causes.hpp).
      auto diagnosis = diagnose(result.findings);
      std::vector<Signal> signals;
      if (incident_id) {
        storage::SignalQuery faults;
        faults.incident_id = incident_id;
        for (auto& s : store.signals(faults)) signals.push_back(std::move(s.signal));
      }
      add_named_causes(diagnosis, causes_named_by_signals(signals));
      storage::ProbeRunRecord record;
      record.incident_id = incident_id;
      record.started_at = result.started;
      record.finished_at = result.finished;
      record.trigger = "incident";
      record.targets = {{"dcs", run.targets.dcs}, {"realm", run.targets.realm}, {"peer", run.targets.peer}, {"peer_fqdn", run.targets.peer_fqdn}};
      record.status = std::string(to_string(probes::worst_status(result.findings)));
      const auto run_id = store.insert_probe_run(record, result.findings);
      auto alert = pipeline::cause_diagnosed_alert(run.incident, diagnosis, run_id, clock_.now());
      alert.incident_id = incident_id;
      store.insert_alert(alert);
    });
    ++stored;
    it = running_.erase(it);
  }
  return stored;
}

// At shutdown: every running probe run is waited for, stored and its alert delivered.
void Monitor::wait_for_probes() {
  PassReport report;
  database_ok_ = keeper_ && keeper_->usable();
  for (auto& run : running_)
    if (!run->done && run->running.valid()) run->running.wait();
  step(Needs::Database, "store probe runs", report, [&] { store_finished_runs(true); });
  deliver_alerts(report);
  step(Needs::Database, "record delivery", report, [&] { alerts_.store(*db_); });
  if (!running_.empty())
    BOOST_LOG_TRIVIAL(error) << running_.size() << " probe run(s) could not be stored (the database failed); their findings are lost";
}

std::string Monitor::maintenance_reason() const {
  if (const auto* window = active_maintenance_window(options_.config.maintenance.windows, clock_.now()))
    return "maintenance window " + window->text;
  if (offline_ && offline_->offline()) return "ServerWideOffline is Inactive";
  return "";
}

// The outbox's new alerts join those held in memory; all go to the sinks in order. Delivery
// itself needs no database: alerts raised while it fails go out all the same.
void Monitor::deliver_alerts(PassReport& report) {
  step(Needs::Database, "read the outbox", report, [&] {
    storage::Store store(*db_);
    alerts_.load(store);
  });
  step(Needs::Nothing, "deliver alerts", report, [&] {
    auto delivery = alerts_.deliver(sinks_, held_back_, clock_.now());
    report.alerts_delivered += delivery.delivered;
    report.alerts_suppressed += delivery.suppressed;
    report.errors.insert(report.errors.end(), delivery.errors.begin(), delivery.errors.end());
  });
}

std::chrono::milliseconds Monitor::wait_after_pass(bool folders_notify, SteadyTime now) const {
  if (!folders_notify || !running_.empty()) return options_.poll;
  auto wait = std::max(options_.safety_poll, options_.poll);
  for (const auto& source : sources_) wait = std::min(wait, source->wait_allowed(options_.poll, now));
  if (offline_) wait = std::min(wait, offline_->wait_allowed(options_.poll, now));
  return wait;
}

void Monitor::record_state(const PassReport& report) {
  const auto now = clock_.steady_now();
  const nlohmann::json health = {{"failing", health_.to_json()}, {"alerts_held", alerts_.held()}, {"alerts_dropped", alerts_.dropped()}};
  const bool news = !report.errors.empty() || !report.failed_steps.empty() || !report.notices.empty() || held_back_ != held_back_written_ ||
                    health != health_written_ || !database_event_.empty();
  if (!news && now - state_written_ < std::chrono::seconds{2}) return;  // a heartbeat, not a write per pass
  storage::Store store(*db_);
  const nlohmann::json alive = {{"pid", current_process_id()}, {"started", format_iso8601(started_)},
                                {"poll_ms", options_.poll.count()}, {"probe_runs_running", running_.size()}};
  db_->transaction([&] {
    store.set_monitor_state("last_pass", alive.dump(), clock_.now());
    if (!report.failed_steps.empty()) store.set_monitor_state("last_error", report.failed_steps.back(), clock_.now());
    else if (!report.errors.empty()) store.set_monitor_state("last_error", report.errors.back(), clock_.now());
    if (!report.notices.empty()) store.set_monitor_state("last_notice", report.notices.back(), clock_.now());
    if (held_back_ != held_back_written_) store.set_monitor_state("maintenance", held_back_, clock_.now());
    if (health != health_written_) store.set_monitor_state("health", health.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), clock_.now());
    if (!database_event_.empty()) store.set_monitor_state("database_event", database_event_, clock_.now());
  });
  state_written_ = now;
  held_back_written_ = held_back_;
  health_written_ = health;
  database_event_.clear();
}

void Monitor::publish_metrics(const PassReport& report) {
  if (!metrics_) return;
  const auto now = clock_.steady_now();
  const bool news = report.opened || report.resolved || report.probe_runs_stored || report.alerts_delivered || report.alerts_suppressed;
  if (!news && now - metrics_published_ < std::chrono::seconds{1}) return;  // at most once a second when nothing changed
  metrics_published_ = now;
  storage::Store store(*db_);
  if (now - lags_measured_ >= std::chrono::seconds{5}) {  // a stat per followed file: not every pass
    lags_ = measure_source_lags(store, options_.protocol_log_dirs);
    lags_measured_ = now;
  }
  try {
    MetricsSnapshot m = collect_metrics(store);
    m.version = options_.version;
    m.fault_signals = ingest_->stored_signals().fault;
    m.noise_signals = ingest_->stored_signals().noise;
    m.context_signals = ingest_->stored_signals().context;
    m.source_lags = lags_;
    m.last_pass = clock_.now();
    metrics_->publish(render_exposition(m));
  } catch (const std::exception& e) {
    BOOST_LOG_TRIVIAL(warning) << "metrics: " << e.what();  // the last snapshot stays served
  }
}

void Monitor::stop() {
  stopping_ = true;
  wake();
}

void Monitor::wake() {
  std::lock_guard lock(wake_mutex_);
  if (wake_) wake_();
}

int Monitor::run(bool handle_signals) {
  try {
    return run_loop(handle_signals);
  } catch (const std::exception& e) {  // the loop's own machinery (io_context, the folder watch): nothing a pass throws
    BOOST_LOG_TRIVIAL(fatal) << "the monitor stopped: " << e.what();
  } catch (...) {
    BOOST_LOG_TRIVIAL(fatal) << "the monitor stopped: an exception of unknown type";
  }
  return 1;
}

int Monitor::run_loop(bool handle_signals) {
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
  // With no folder to follow, nothing is left unwatched: the sources' own waits decide (the event
  // log's subscription wakes the loop itself, the queue command is timed).
  const bool folders_notify = folders.empty() || (watch.watching() && watch.problems().empty());
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
    try {
      auto report = pass();
      for (const auto& e : report.errors) BOOST_LOG_TRIVIAL(warning) << e;
      for (const auto& n : report.notices) BOOST_LOG_TRIVIAL(warning) << n;
      if (report.opened || report.resolved || report.probe_runs_stored || report.alerts_suppressed)
        BOOST_LOG_TRIVIAL(info) << "pass: " << report.new_events << " new event(s), " << report.opened << " opened, " << report.resolved
                                << " resolved, " << report.probe_runs_stored << " probe run(s) stored, " << report.alerts_delivered
                                << " alert(s) delivered, " << report.alerts_suppressed << " held back";
    } catch (const std::exception& e) {  // outside any step (out of memory for the report): the next pass
      BOOST_LOG_TRIVIAL(error) << "pass: " << e.what();
    }
    wait_for(wait_after_pass(folders_notify, clock_.steady_now()));
    watch.async_wait([&] { wait_for(kSettle); });
  };
  {
    std::lock_guard lock(wake_mutex_);
    wake_ = [&] { boost::asio::post(io, [&] { wait_for(std::chrono::milliseconds{0}); }); };
  }
  for (auto& source : sources_) source->wake_with([this] { wake(); });
  turn();
  io.run();
  {
    std::lock_guard lock(wake_mutex_);
    wake_ = nullptr;
  }
  for (auto& source : sources_) source->stop();  // a running command is killed, not waited for
  wait_for_probes();
  PassReport report;
  step(Needs::Database, "record the stop", report, [&] {
    storage::Store store(*db_);
    db_->transaction([&] { store.set_monitor_state("stopped", "", clock_.now()); });
  });
  BOOST_LOG_TRIVIAL(info) << "stopped";
  return 0;
}

}  // namespace authwatch::service

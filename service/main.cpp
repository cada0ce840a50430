// authwatch-service: the monitor. On Linux it runs in the foreground until SIGINT/SIGTERM (the
// systemd unit in installer/linux). On Windows it is a service: the SCM starts it without
// arguments but those `install` registered (--config FILE), and `install`, `uninstall`, `start`,
// `stop` manage it; `--console` runs it in the foreground instead (Ctrl+C stops it).
// The config file (--config) holds every setting; the flags override it for the common cases.
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/logging.hpp"
#include "core/clock.hpp"
#include "core/time.hpp"
#include "service/monitor.hpp"
#include "service/trusted_file.hpp"
#include "service/platform.hpp"

#ifndef AUTHWATCH_VERSION
#define AUTHWATCH_VERSION "0.0.0"
#endif
#ifdef _WIN32
#include "cli/platform.hpp"
#include "service/win/data_folder.hpp"
#include "service/win/eventlog_sink.hpp"
#include "service/win/windows_service.hpp"
#endif

namespace {

using namespace authwatch;

// A config file is a few kilobytes; a larger one is not one.
constexpr std::size_t kMostConfigBytes = 4 << 20;

std::optional<std::chrono::seconds> duration_option(const std::string& text, const char* flag) {
  if (text.empty()) return std::nullopt;
  auto d = parse_duration(text);
  if (!d || d->count() == 0) throw CLI::ValidationError(flag, "'" + text + "' is not a duration like 90s, 30m, 1h");
  return d;
}

// A command line given on the command line runs through the system's shell.
std::vector<std::string> shell_command(const std::string& line) {
#ifdef _WIN32
  return {"cmd.exe", "/d", "/c", line};
#else
  return {"/bin/sh", "-c", line};
#endif
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"authwatch-service: watches SMTP protocol logs, exported events and Get-Queue snapshots for Exchange "
               "authentication failures (454 4.7.0), opens incidents, probes their causes and raises alerts"};
  service::MonitorOptions options;
  std::string config_path, quiet, cooldown, queue_command, queue_interval, alerts_jsonl, realm, observer, metrics_listen;
  std::vector<std::string> log_dirs, drop_dirs, dcs, windows;
  int poll_ms = 0, verbosity = 0;
  bool console = false, no_probes = false, syslog = false;
#ifdef _WIN32
  app.add_flag("--console", console, "Run in the foreground instead of as the Windows service (Ctrl+C stops it)");
  app.add_option("--config", config_path, "Configuration file (JSON; `authwatch config` prints the default; the service's: %ProgramData%\\AuthWatch\\authwatch.json)");
  app.add_option("--db", options.database, "SQLite database (default: database.path, else %ProgramData%\\AuthWatch\\authwatch.db)");
#else
  app.add_flag("--console", console, "Run in the foreground (always so on Linux)");
  app.add_option("--config", config_path, "Configuration file (JSON; `authwatch config` prints the default)");
  app.add_option("--db", options.database, "SQLite database (default: database.path, $AUTHWATCH_DB or ./authwatch.db)");
#endif
  app.add_option("--protocol-log-dir", log_dirs, "SMTP send/receive protocol-log folder to follow (repeatable)");
  app.add_option("--drop-dir", drop_dirs, "Folder where exported event XML/.evtx/queue JSON files are dropped (repeatable)");
  app.add_option("--alerts-jsonl", alerts_jsonl, "Append alerts as JSON lines to this file ('-' = stdout)");
#ifdef _WIN32
  app.add_flag("--eventlog,--syslog", syslog, "Also write alerts to the Application event log (always so as a service)");
#else
  app.add_flag("--syslog", syslog, "Also send alerts to syslog/journald");
#endif
  app.add_option("--dc", dcs, "Domain controller to probe (repeatable)");
  app.add_option("--realm", realm, "Kerberos realm");
  app.add_option("--domain", options.targets.domain, "AD DNS domain (DC discovery when no --dc)");
  app.add_option("--ccache", options.targets.ccache, "Kerberos credential cache for the directory and ticket probes");
  app.add_flag("--no-probes", no_probes, "Record incidents and alerts, but run no probes");
  app.add_option("--poll-ms", poll_ms,
                 "How often sources nothing notifies of a change are polled (default 250: the event log, a folder that "
                 "cannot be watched, a running command); watched folders are polled every monitor.safety_poll (5s)")->check(CLI::Range(10, 60000));
  app.add_option("--quiet-period", quiet, "Resolve an incident after this long without failures (overrides the config; e.g. 30m)");
  app.add_option("--diagnose-cooldown", cooldown, "At most one probe run per incident per this long (overrides the config)");
  app.add_option("--queue-command", queue_command, "Take Get-Queue snapshots with this shell command (enables queue polling)");
  app.add_option("--queue-interval", queue_interval, "How often the queue command runs (default 5m)");
  app.add_option("--maintenance-window", windows, "Hold alerts back in this window (repeatable): 'Sat 22:00-02:00' or START/END (UTC)");
  app.add_option("--observer", observer,
                 "This server's name as the observer of its evidence, where a record does not say whose it is (default: "
                 "monitor.observer, else this server's FQDN, detected)");
  app.add_option("--metrics-listen", metrics_listen,
                 "Serve Prometheus metrics (GET /metrics) on HOST:PORT; a bare PORT listens on 127.0.0.1 only (default: "
                 "monitor.metrics_listen; off)")
      ->check([](const std::string& text) { return parse_listen_endpoint(text) ? std::string() : "expected HOST:PORT, [IPv6]:PORT or PORT"; });
  app.add_flag("-v,--verbose", verbosity, "More logging (twice: trace)");
#ifdef _WIN32
  // The Windows service's own commands. The service runs with --config FILE (the MSI's: the
  // default config in %ProgramData%\AuthWatch); everything else is in that file.
  std::string service_config;
  int timeout_s = 60;
  auto* install = app.add_subcommand("install", "Register the AuthWatch service (automatic, delayed start; LocalSystem; restarted after a failure) "
                                                "and the AuthWatch event source, or update them; needs an administrator");
  install->add_option("--config", service_config, "The configuration file the service runs with (default %ProgramData%\\AuthWatch\\authwatch.json)");
  auto* uninstall = app.add_subcommand("uninstall", "Stop and remove the service and its event source (the database and config stay)");
  auto* start = app.add_subcommand("start", "Start the service and wait until it runs");
  auto* stop = app.add_subcommand("stop", "Stop the service and wait until it has stopped cleanly");
  for (auto* command : {uninstall, start, stop})
    command->add_option("--timeout", timeout_s, "Seconds to wait (default 60)")->check(CLI::Range(1, 3600));
  app.require_subcommand(0, 1);
  app.footer("Exit codes: 0 stopped cleanly (or the command did what it says); 1 the database or config is unusable; 2 usage "
             "error (or not started by the Service Control Manager: use --console); 3 a service command failed.");
#else
  app.footer("Exit codes: 0 stopped cleanly; 1 the database or config is unusable; 2 usage error.");
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  cli::init_logging(std::cerr, std::max(verbosity, 1), false);
#ifdef _WIN32
  const std::chrono::seconds timeout{timeout_s};
  auto done = [](const char* what, const Result<bool>& r) {
    if (!r) {
      std::cerr << "authwatch-service " << what << ": " << r.error() << '\n';
      return 3;
    }
    std::cout << "authwatch-service " << what << ": done\n";
    return 0;
  };
  if (install->parsed()) {
    const std::string data_folder = service::win::data_folder_path();
    const std::string file = !service_config.empty() ? service_config : (std::filesystem::path(data_folder) / "authwatch.json").string();
    auto installed = service::install_service({{"--config", file}, data_folder, file});
    if (!installed) {
      std::cerr << "authwatch-service install: " << installed.error() << '\n';
      return 3;
    }
    for (const auto& refused : installed.value()) std::cerr << "authwatch-service install: warning: " << refused << '\n';
    std::cout << "authwatch-service install: the AuthWatch service runs `" << service::this_executable() << " --config " << file
              << "`; start it with `authwatch-service start`\n";
    return 0;
  }
  if (uninstall->parsed()) return done("uninstall", service::uninstall_service(timeout));
  if (start->parsed()) return done("start", service::start_service(timeout));
  if (stop->parsed()) return done("stop", service::stop_service(timeout));
#endif

  Config& config = options.config;
  if (!config_path.empty()) {
    // The config names the commands the service runs: one that someone else could have changed
    // is refused (service/trusted_file.hpp).
    auto text = service::read_trusted_file(config_path, kMostConfigBytes);
    if (!text) {
      std::cerr << "authwatch-service: the config file: " << text.error() << '\n';
      return 1;
    }
    auto parsed = parse_config(text.value(), config_path);
    if (!parsed.problems.empty()) {
      for (const auto& p : parsed.problems) std::cerr << "authwatch-service: " << config_path << ": " << p.message() << '\n';
      return 1;
    }
    config = parsed.config;
  }
  // Flags override the file.
  try {
    if (auto q = duration_option(quiet, "--quiet-period")) config.incidents.quiet_period = *q;
    if (auto c = duration_option(cooldown, "--diagnose-cooldown")) config.incidents.diagnose_cooldown = *c;
    if (auto i = duration_option(queue_interval, "--queue-interval")) config.queue.interval = *i;
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (const auto& text : windows) {
    auto w = parse_maintenance_window(text);
    if (!w) {
      std::cerr << "authwatch-service: --maintenance-window: " << w.error() << '\n';
      return 2;
    }
    config.maintenance.windows.push_back(std::move(w).value());
  }
  if (!queue_command.empty()) {
    config.queue.command = shell_command(queue_command);
    config.queue.enabled = true;
  }
  auto& monitor_config = config.monitor;
  options.protocol_log_dirs = !log_dirs.empty() ? log_dirs : monitor_config.protocol_log_dirs;
  options.drop_dirs = !drop_dirs.empty() ? drop_dirs : monitor_config.drop_dirs;
  options.alerts_jsonl = !alerts_jsonl.empty() ? alerts_jsonl : monitor_config.alerts_jsonl;
  options.syslog = syslog || monitor_config.syslog;
  options.targets.dcs = !dcs.empty() ? dcs : monitor_config.dcs;
  options.targets.realm = !realm.empty() ? realm : monitor_config.realm;
  if (options.targets.domain.empty()) options.targets.domain = monitor_config.domain;
  options.poll = std::chrono::milliseconds{poll_ms > 0 ? poll_ms : monitor_config.poll_ms};
  options.safety_poll = monitor_config.safety_poll;
  options.probes = !no_probes;
  // Who this server is (core/observer.hpp): configured, else detected.
  const service::HostIdentity host = service::this_host();
  options.observer = !observer.empty() ? observer : !monitor_config.observer.empty() ? monitor_config.observer : host.fqdn;
  options.observer_addresses = host.addresses;
  options.metrics_listen = !metrics_listen.empty() ? metrics_listen : monitor_config.metrics_listen;
  options.version = AUTHWATCH_VERSION;
  options.probe_settings.deadline = std::chrono::milliseconds{config.probes.deadline_ms};
  options.probe_settings.slow_retry = std::chrono::milliseconds{config.probes.slow_retry_ms};
#ifdef _WIN32
  if (options.database.empty() && config.database.path.empty()) {
    // %ProgramData%\AuthWatch, made on first use with its locked permissions when neither the MSI
    // nor `install` made it (service/win/data_folder.hpp).
    options.database = cli::default_database_path();
    if (auto created = service::win::create_data_folder(std::filesystem::path(options.database).parent_path().string()); !created) {
      std::cerr << "authwatch-service: " << created.error() << '\n';
      return 1;
    }
  } else if (options.database.empty()) {
    options.database = config.database.path;
  }
#else
  if (options.database.empty()) options.database = !config.database.path.empty() ? config.database.path
                                                   : std::getenv("AUTHWATCH_DB")  ? std::getenv("AUTHWATCH_DB")
                                                                                   : "authwatch.db";
#endif
  if (options.protocol_log_dirs.empty() && options.drop_dirs.empty() && !config.queue.enabled) {
    std::cerr << "authwatch-service: nothing to watch: give --protocol-log-dir, --drop-dir or --queue-command "
                 "(or monitor.protocol_log_dirs/drop_dirs, queue.enabled in the config)\n";
    return 2;
  }
  SystemClock clock;
#ifdef _WIN32
  if (!console) {
    // Started by the SCM: the Application log is where an administrator looks.
    options.syslog = true;
    auto ran = service::run_as_service([&](const std::function<void(std::function<void()>)>& on_stop) {
      // A service has no console: why it could not start or stopped goes to the Application log (event 1950).
      auto tell = [&](const std::string& what) {
        try {
          (void)service::make_event_log_sink()->deliver(service::health_alert(what, {{"ok", false}}, clock.now()));
        } catch (...) {
        }
      };
      try {
        service::Monitor monitor(options, clock);
        if (auto opened = monitor.open(); !opened) {
          tell("AuthWatch could not start: " + opened.error());
          return 1;
        }
        on_stop([&monitor] { monitor.stop(); });
        return monitor.run(/*handle_signals=*/false);
      } catch (const std::exception& e) {
        tell(std::string("AuthWatch stopped: ") + e.what());
        return 1;
      }
    });
    if (ran) return ran.value();
    if (service::started_from_console(ran.error())) {
      std::cerr << "authwatch-service: not started by the Service Control Manager. Use `authwatch-service --console ...` to run in "
                   "this window, or `authwatch-service install` and `start` for the service.\n";
      return 2;
    }
    std::cerr << "authwatch-service: " << ran.error() << '\n';
    return 1;
  }
#endif
  try {
    service::Monitor monitor(options, clock);
    if (auto opened = monitor.open(); !opened) {
      std::cerr << "authwatch-service: " << opened.error() << '\n';
      return 1;
    }
    (void)console;
    return monitor.run(/*handle_signals=*/true);
  } catch (const std::exception& e) {  // setting up the monitor (its sources, sinks); run() itself throws nothing
    std::cerr << "authwatch-service: " << e.what() << '\n';
    return 1;
  }
}

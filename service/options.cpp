#include "service/options.hpp"

#include <algorithm>
#include <sstream>

#include <CLI/CLI.hpp>

#include "app/config_file.hpp"
#include "core/time.hpp"
#include "service/trusted_file.hpp"

namespace authwatch::service {
namespace {

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

// What CLI11 says about a parse error (or the help it was asked for), with the documented exit
// code: 0 for help, 2 for any usage error (CLI11's own codes, 105 and up, are not in the footer).
OptionsExit cli11_exit(CLI::App& app, const CLI::ParseError& e) {
  std::ostringstream out, err;
  OptionsExit exit;
  exit.exit_code = app.exit(e, out, err) == 0 ? 0 : 2;
  exit.out = out.str();
  exit.err = err.str();
  return exit;
}

OptionsExit problem(int exit_code, const std::string& text) { return {exit_code, {}, "authwatch-service: " + text + '\n'}; }

}  // namespace

std::variant<ServiceOptions, OptionsExit> resolve_options(int argc, const char* const* argv, const OptionsInputs& inputs) {
  CLI::App app{"authwatch-service: watches SMTP protocol logs, exported events and Get-Queue snapshots for Exchange "
               "authentication failures (454 4.7.0), opens incidents, probes their causes and raises alerts"};
  ServiceOptions resolved;
  MonitorOptions& options = resolved.monitor;
  std::string config_path, quiet, cooldown, queue_command, queue_interval, alerts_jsonl, realm, observer, metrics_listen;
  std::vector<std::string> log_dirs, drop_dirs, dcs, windows;
  int poll_ms = 0, verbosity = 0;
  bool no_probes = false, syslog = false;
#ifdef _WIN32
  app.add_flag("--console", resolved.console, "Run in the foreground instead of as the Windows service (Ctrl+C stops it)");
  app.add_option("--config", config_path, "Configuration file (JSON; `authwatch config` prints the default; the service's: %ProgramData%\\AuthWatch\\authwatch.json)");
  app.add_option("--db", options.database, "SQLite database (default: database.path, else %ProgramData%\\AuthWatch\\authwatch.db)");
#else
  app.add_flag("--console", resolved.console, "Run in the foreground (always so on Linux)");
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
  int timeout_s = 60;
  auto* install = app.add_subcommand("install", "Register the AuthWatch service (automatic, delayed start; LocalSystem; restarted after a failure) "
                                                "and the AuthWatch event source, or update them; needs an administrator");
  install->add_option("--config", resolved.install_config, "The configuration file the service runs with (default %ProgramData%\\AuthWatch\\authwatch.json)");
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
    return cli11_exit(app, e);
  }
  resolved.verbosity = std::max(verbosity, 1);
#ifdef _WIN32
  resolved.timeout = std::chrono::seconds{timeout_s};
  if (install->parsed()) resolved.action = ServiceAction::Install;
  if (uninstall->parsed()) resolved.action = ServiceAction::Uninstall;
  if (start->parsed()) resolved.action = ServiceAction::Start;
  if (stop->parsed()) resolved.action = ServiceAction::Stop;
  if (resolved.action != ServiceAction::Run) return resolved;
#endif

  Config& config = options.config;
  if (!config_path.empty()) {
    // The config names the commands the service runs: one that someone else could have changed
    // is refused (service/trusted_file.hpp).
    auto text = inputs.read_config ? inputs.read_config(config_path) : read_trusted_file(config_path, app::kMostConfigBytes);
    if (!text) return problem(1, "the config file: " + text.error());
    auto loaded = app::parse_config_file(config_path, text.value());
    if (!loaded.ok()) {
      OptionsExit exit{1, {}, {}};
      for (const auto& p : loaded.problems) exit.err += "authwatch-service: " + p + '\n';
      return exit;
    }
    config = std::move(loaded.config);
  }
  // Flags override the file.
  try {
    if (auto q = duration_option(quiet, "--quiet-period")) config.incidents.quiet_period = *q;
    if (auto c = duration_option(cooldown, "--diagnose-cooldown")) config.incidents.diagnose_cooldown = *c;
    if (auto i = duration_option(queue_interval, "--queue-interval")) config.queue.interval = *i;
  } catch (const CLI::ParseError& e) {
    return cli11_exit(app, e);
  }
  for (const auto& text : windows) {
    auto w = parse_maintenance_window(text);
    if (!w) return problem(2, "--maintenance-window: " + w.error());
    config.maintenance.windows.push_back(std::move(w).value());
  }
  if (!queue_command.empty()) {
    config.queue.command = shell_command(queue_command);
    config.queue.enabled = true;
  }
  const auto& monitor_config = config.monitor;
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
  const HostIdentity host = inputs.host ? inputs.host() : HostIdentity{};
  options.observer = !observer.empty() ? observer : !monitor_config.observer.empty() ? monitor_config.observer : host.fqdn;
  options.observer_addresses = host.addresses;
  options.metrics_listen = !metrics_listen.empty() ? metrics_listen : monitor_config.metrics_listen;
  options.version = inputs.version;
  options.probe_settings.deadline = std::chrono::milliseconds{config.probes.deadline_ms};
  options.probe_settings.slow_retry = std::chrono::milliseconds{config.probes.slow_retry_ms};
  // The same rule as `authwatch` (app/paths.hpp), so the CLI finds the database the service writes.
  resolved.database_is_default = options.database.empty() && config.database.path.empty();
  options.database = app::database_path(options.database, config.database.path, inputs.environment);
  if (options.protocol_log_dirs.empty() && options.drop_dirs.empty() && !config.queue.enabled)
    return problem(2, "nothing to watch: give --protocol-log-dir, --drop-dir or --queue-command "
                      "(or monitor.protocol_log_dirs/drop_dirs, queue.enabled in the config)");
  return resolved;
}

}  // namespace authwatch::service

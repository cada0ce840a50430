// authwatch-service: the monitor. On Linux (and with --console on Windows) it runs in the
// foreground until SIGINT/SIGTERM; the Windows service glue (SCM) belongs to the Windows build.
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "cli/logging.hpp"
#include "core/clock.hpp"
#include "core/time.hpp"
#include "service/monitor.hpp"

namespace {

using namespace authwatch;

std::optional<std::chrono::seconds> duration_option(const std::string& text, const char* flag) {
  if (text.empty()) return std::nullopt;
  auto d = parse_duration(text);
  if (!d) throw CLI::ValidationError(flag, "'" + text + "' is not a duration like 90s, 30m, 1h");
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"authwatch-service: watches SMTP protocol logs and exported events for Exchange authentication failures "
               "(454 4.7.0), opens incidents, probes their causes and raises alerts"};
  service::MonitorOptions options;
  std::string config_path, quiet, cooldown;
  std::vector<std::string> log_dirs, drop_dirs;
  int poll_ms = 250, verbosity = 0;
  bool console = false, no_probes = false;
  app.add_flag("--console", console, "Run in the foreground (always so on Linux)");
  app.add_option("--config", config_path, "Configuration file (JSON; `authwatch config` prints the default)");
  app.add_option("--db", options.database, "SQLite database (default: $AUTHWATCH_DB or ./authwatch.db)");
  app.add_option("--protocol-log-dir", log_dirs, "SMTP send/receive protocol-log folder to follow (repeatable)");
  app.add_option("--drop-dir", drop_dirs, "Folder where exported event XML/.evtx/queue JSON files are dropped (repeatable)");
  app.add_option("--alerts-jsonl", options.alerts_jsonl, "Append alerts as JSON lines to this file ('-' = stdout)");
  app.add_flag("--syslog", options.syslog, "Also send alerts to syslog/journald");
  app.add_option("--dc", options.targets.dcs, "Domain controller to probe (repeatable)");
  app.add_option("--realm", options.targets.realm, "Kerberos realm");
  app.add_option("--domain", options.targets.domain, "AD DNS domain (DC discovery when no --dc)");
  app.add_option("--ccache", options.targets.ccache, "Kerberos credential cache for the directory and ticket probes");
  app.add_flag("--no-probes", no_probes, "Record incidents and alerts, but run no probes");
  app.add_option("--poll-ms", poll_ms, "How often the folders are looked at (default 250)")->check(CLI::Range(10, 60000));
  app.add_option("--quiet-period", quiet, "Resolve an incident after this long without failures (overrides the config; e.g. 30m)");
  app.add_option("--diagnose-cooldown", cooldown, "At most one probe run per incident per this long (overrides the config)");
  app.add_flag("-v,--verbose", verbosity, "More logging (twice: trace)");
  app.footer("Exit codes: 0 stopped cleanly; 1 the database or config is unusable; 2 usage error.");
  try {
    app.parse(argc, argv);
    if (auto q = duration_option(quiet, "--quiet-period")) options.config.incidents.quiet_period = *q;
    if (auto c = duration_option(cooldown, "--diagnose-cooldown")) options.config.incidents.diagnose_cooldown = *c;
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  cli::init_logging(std::cerr, std::max(verbosity, 1), false);
  if (!config_path.empty()) {
    std::ifstream in(config_path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      std::cerr << "authwatch-service: " << config_path << ": cannot read the config file\n";
      return 1;
    }
    auto parsed = parse_config(text.str(), config_path);
    if (!parsed.problems.empty()) {
      for (const auto& p : parsed.problems) std::cerr << "authwatch-service: " << config_path << ": " << p.message() << '\n';
      return 1;
    }
    const auto overrides = options.config.incidents;
    options.config = parsed.config;
    if (!quiet.empty()) options.config.incidents.quiet_period = overrides.quiet_period;
    if (!cooldown.empty()) options.config.incidents.diagnose_cooldown = overrides.diagnose_cooldown;
  }
  if (options.database.empty()) options.database = !options.config.database.path.empty() ? options.config.database.path
                                                   : std::getenv("AUTHWATCH_DB")          ? std::getenv("AUTHWATCH_DB")
                                                                                           : "authwatch.db";
  options.watch = log_dirs;
  options.watch.insert(options.watch.end(), drop_dirs.begin(), drop_dirs.end());
  if (options.watch.empty()) {
    std::cerr << "authwatch-service: nothing to watch: give --protocol-log-dir and/or --drop-dir\n";
    return 2;
  }
  options.poll = std::chrono::milliseconds{poll_ms};
  options.probes = !no_probes;
  SystemClock clock;
  service::Monitor monitor(options, clock);
  if (auto opened = monitor.open(); !opened) {
    std::cerr << "authwatch-service: " << opened.error() << '\n';
    return 1;
  }
  (void)console;
  return monitor.run(/*handle_signals=*/true);
}

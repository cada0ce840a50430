#pragma once
// AuthWatch's configuration: one JSON file, every key optional with a default. Validation names
// the key path and the problem ("incidents.quiet_period_minutes: must be an integer >= 1, got \"x\"").
// Parsing is pure; reading the file is the caller's job.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.hpp"
#include "core/local_time.hpp"
#include "core/kerberos_logging_switch.hpp"
#include "core/maintenance.hpp"
#include "core/result.hpp"

namespace authwatch {

struct Config {
  struct Database {
    std::string path;         // "" = the platform default
    int retention_days = 90;  // `authwatch prune` without --days
  } database;
  IncidentPolicy incidents;
  struct Logging {
    std::string level = "info";  // trace|debug|info|warning|error
  } logging;
  // authwatch-service; its flags (--protocol-log-dir, --drop-dir, --alerts-jsonl, --dc, --realm)
  // override these.
  struct Monitor {
    std::vector<std::string> protocol_log_dirs;  // followed SMTP send/receive protocol-log folders
    std::vector<std::string> drop_dirs;          // exported event XML/.evtx and queue JSON dropped in
    std::string alerts_jsonl;                    // "" = none, "-" = stdout
    bool syslog = false;
    // The live Application and System event logs (wevtapi; Windows only).
#ifdef _WIN32
    bool event_log = true;
#else
    bool event_log = false;
#endif
    int poll_ms = 250;  // sources nothing notifies of a change (the live event log, an unwatchable folder)
    // While every followed folder is watched (inotify, FindFirstChangeNotificationW), the pass that
    // runs anyway, for a change the system did not report: an idle service sleeps this long.
    std::chrono::seconds safety_poll{5};
    std::vector<std::string> dcs;
    std::string realm, domain;
  } monitor;
  // Get-Queue snapshots taken by running a command (DOMAIN.md §4).
  struct Queue {
#ifdef _WIN32
    bool enabled = true;
#else
    bool enabled = false;  // a monitoring station needs PowerShell and a route to Exchange first
#endif
    std::vector<std::string> command = default_queue_command();
    std::chrono::seconds interval{5 * 60};
    std::chrono::seconds timeout{60};
    // How to read times a snapshot writes in the server's local time and culture (LastRetryTime,
    // LRT=; core/local_time.hpp): the server's UTC offset ("+01:00"; empty: UTC) and date order.
    LocalTimeRules times;
  } queue;
  // Alerts are held back (incidents still recorded) inside a window, or while the server's
  // ServerWideOffline component is Inactive (the command prints the state).
  struct Maintenance {
    std::vector<MaintenanceWindow> windows;
    std::vector<std::string> offline_state_command;  // empty = not asked
    std::chrono::seconds check_interval{60};
  } maintenance;

  // Windows: Kerberos event logging (LogLevel=1) while an incident is young (core/kerberos_logging_switch.hpp).
  KerberosLoggingSettings kerberos_logging;

  // The probe engine (probes/probe.hpp ProbeSettings): `authwatch probe` (its --deadline-ms and
  // --slow-retry-ms override these) and the service's probe runs.
  struct Probes {
    int deadline_ms = 3000;     // per probe
    int slow_retry_ms = 10000;  // silence is tried once more with this deadline before it is concluded on; 0 = never
  } probes;

  // Exchange's remote PowerShell: Get-Queue on this server as compressed JSON, times in UTC ISO 8601.
  static std::vector<std::string> default_queue_command();
  // Exchange's remote PowerShell: the State of this server's ServerWideOffline component.
  static std::vector<std::string> default_offline_state_command();
};

struct ConfigProblem {
  std::string key;      // dotted path, e.g. "incidents.quiet_period_minutes"
  std::string problem;
  std::string message() const { return key + ": " + problem; }
};

struct ConfigParse {
  Config config;                       // defaults where the text had problems
  std::vector<ConfigProblem> problems;  // empty when valid
  bool ok() const { return problems.empty(); }
};

// `origin` names the text in messages (the file path).
ConfigParse parse_config(std::string_view json_text, const std::string& origin = "config");

// The documented defaults as JSON (for `authwatch config --defaults` and the installer).
std::string default_config_json();

}  // namespace authwatch

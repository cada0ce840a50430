#pragma once
// AuthWatch's configuration: one JSON file, every key optional with a default. Validation names
// the key path and the problem ("incidents.quiet_period_minutes: must be an integer >= 1, got \"x\"").
// Parsing is pure; reading the file is the caller's job.
#include <chrono>
#include <cstdint>
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
    // How long a write waits for another writer (a scan, a prune) before the monitor calls the
    // database busy for this pass and tries again on the next.
    int busy_timeout_ms = 5000;
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
    // This server's name as its evidence's observer (core/observer.hpp) where a record does not
    // say; "" = its FQDN, detected.
    std::string observer;
    // Prometheus metrics (GET /metrics) on this HOST:PORT; "" = off. A bare port or ":PORT"
    // listens on loopback only (127.0.0.1): another address must be configured on purpose.
    std::string metrics_listen;
  } monitor;
  // Get-Queue snapshots taken by running a command (docs/domain.md §4).
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

  // Bounds on what outside input may cost (README "Limits"): over one, the input is cut off or
  // skipped and named, never held in memory.
  struct Limits {
    uint64_t command_stdout_bytes = 64ull << 20;  // a command printing more is killed ("output over N bytes")
    uint64_t command_stderr_bytes = 1ull << 20;
    uint64_t line_bytes = 1ull << 20;             // a longer protocol-log / JSON line is a bad record, skipped
    uint64_t bad_records_kept = 100;              // per file: the first N are kept and named, the rest counted
  } limits;

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

// A listening endpoint as written in monitor.metrics_listen / --metrics-listen: "HOST:PORT",
// "[IPv6]:PORT", ":PORT" or "PORT" (the last two: loopback). The host is not resolved here.
struct ListenEndpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
};
std::optional<ListenEndpoint> parse_listen_endpoint(std::string_view text);

// `origin` names the text in messages (the file path).
ConfigParse parse_config(std::string_view json_text, const std::string& origin = "config");

// The documented defaults as JSON (for `authwatch config --defaults` and the installer).
std::string default_config_json();

}  // namespace authwatch

#include "core/config.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "core/json_input.hpp"
#include "core/utf8.hpp"

namespace authwatch {
namespace {

using nlohmann::json;

std::string shown(const json& v) {
  auto s = v.dump();
  return s.size() > 60 ? std::string(utf8_prefix(s, 57)) + "..." : s;  // dump() writes UTF-8
}

// One setter per key: the schema is this table, so unknown keys (typos) are caught uniformly.
using Setter = std::function<std::optional<std::string>(const json&, Config&)>;

Setter minutes_to(std::chrono::seconds IncidentPolicy::*field) {
  return [field](const json& v, Config& c) -> std::optional<std::string> {
    if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 7 * 24 * 60)
      return "must be an integer number of minutes from 1 to 10080, got " + shown(v);
    c.incidents.*field = std::chrono::minutes{v.get<long long>()};
    return std::nullopt;
  };
}

template <class Field>
Setter string_to(Field field) {
  return [field](const json& v, Config& c) -> std::optional<std::string> {
    if (!v.is_string()) return "must be a string, got " + shown(v);
    field(c) = v.get<std::string>();
    return std::nullopt;
  };
}

template <class Field>
Setter strings_to(Field field) {
  return [field](const json& v, Config& c) -> std::optional<std::string> {
    if (!v.is_array()) return "must be an array of strings, got " + shown(v);
    std::vector<std::string> out;
    for (const auto& item : v) {
      if (!item.is_string() || item.get<std::string>().empty()) return "must be an array of non-empty strings, got " + shown(v);
      out.push_back(item.get<std::string>());
    }
    field(c) = std::move(out);
    return std::nullopt;
  };
}

// A command as its argument vector: ["pwsh", "-NoProfile", "-Command", "..."] (no shell between).
template <class Field>
Setter command_to(Field field) {
  return [field](const json& v, Config& c) -> std::optional<std::string> {
    const bool ok = v.is_array() && !v.empty() && std::all_of(v.begin(), v.end(), [](const json& a) { return a.is_string(); }) &&
                    !v[0].get<std::string>().empty();
    if (!ok) return "must be the command as an array of strings, program first (e.g. [\"pwsh\", \"-Command\", \"...\"]), got " + shown(v);
    field(c) = v.get<std::vector<std::string>>();
    return std::nullopt;
  };
}

template <class Field>
Setter duration_to(Field field, std::chrono::seconds min, std::chrono::seconds max) {
  return [field, min, max](const json& v, Config& c) -> std::optional<std::string> {
    auto d = v.is_string() ? parse_duration(v.get<std::string>()) : std::nullopt;
    if (!d || *d < min || *d > max)
      return "must be a duration like \"90s\", \"30m\", \"2h\" from " + std::to_string(min.count()) + " s to " + std::to_string(max.count()) +
             " s, got " + shown(v);
    field(c) = *d;
    return std::nullopt;
  };
}

template <class Field>
Setter milliseconds_to(Field field, int min, int max) {
  return [field, min, max](const json& v, Config& c) -> std::optional<std::string> {
    if (!v.is_number_integer() || v.get<long long>() < min || v.get<long long>() > max)
      return "must be an integer number of milliseconds from " + std::to_string(min) + " to " + std::to_string(max) + ", got " + shown(v);
    field(c) = v.get<int>();
    return std::nullopt;
  };
}

Setter count_to(uint64_t Config::Limits::*field, uint64_t min, uint64_t max, const char* unit) {
  return [field, min, max, unit](const json& v, Config& c) -> std::optional<std::string> {
    const bool ok = v.is_number_unsigned() || (v.is_number_integer() && v.get<long long>() >= 0);
    if (!ok || v.get<uint64_t>() < min || v.get<uint64_t>() > max)
      return "must be an integer number of " + std::string(unit) + " from " + std::to_string(min) + " to " + std::to_string(max) + ", got " + shown(v);
    c.limits.*field = v.get<uint64_t>();
    return std::nullopt;
  };
}

const std::map<std::string, std::map<std::string, Setter>>& schema() {
  static const std::map<std::string, std::map<std::string, Setter>> s = {
      {"database",
       {{"path",
         [](const json& v, Config& c) -> std::optional<std::string> {
           if (!v.is_string()) return "must be a string (a file path), got " + shown(v);
           c.database.path = v.get<std::string>();
           return std::nullopt;
         }},
        {"retention_days",
         [](const json& v, Config& c) -> std::optional<std::string> {
           if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 36500)
             return "must be an integer number of days from 1 to 36500, got " + shown(v);
           c.database.retention_days = v.get<int>();
           return std::nullopt;
         }},
        {"busy_timeout_ms", milliseconds_to([](Config& c) -> auto& { return c.database.busy_timeout_ms; }, 1, 600000)}}},
      {"incidents",
       {{"quiet_period_minutes", minutes_to(&IncidentPolicy::quiet_period)},
        {"diagnose_cooldown_minutes", minutes_to(&IncidentPolicy::diagnose_cooldown)},
        // The same as durations ("90s", "30m"): tests and labs want seconds.
        {"quiet_period", duration_to([](Config& c) -> auto& { return c.incidents.quiet_period; }, std::chrono::seconds{1}, std::chrono::days{7})},
        {"diagnose_cooldown",
         duration_to([](Config& c) -> auto& { return c.incidents.diagnose_cooldown; }, std::chrono::seconds{1}, std::chrono::days{7})}}},
      {"monitor",
       {{"protocol_log_dirs", strings_to([](Config& c) -> auto& { return c.monitor.protocol_log_dirs; })},
        {"drop_dirs", strings_to([](Config& c) -> auto& { return c.monitor.drop_dirs; })},
        {"dcs", strings_to([](Config& c) -> auto& { return c.monitor.dcs; })},
        {"alerts_jsonl", string_to([](Config& c) -> auto& { return c.monitor.alerts_jsonl; })},
        {"realm", string_to([](Config& c) -> auto& { return c.monitor.realm; })},
        {"domain", string_to([](Config& c) -> auto& { return c.monitor.domain; })},
        {"observer", string_to([](Config& c) -> auto& { return c.monitor.observer; })},
        {"metrics_listen",
         [](const json& v, Config& c) -> std::optional<std::string> {
           if (!v.is_string()) return "must be a string \"HOST:PORT\" (or \"\" for off), got " + shown(v);
           if (!v.get<std::string>().empty() && !parse_listen_endpoint(v.get<std::string>()))
             return "must be \"HOST:PORT\", \"[IPv6]:PORT\" or a port (loopback), port 0-65535, got " + shown(v);
           c.monitor.metrics_listen = v.get<std::string>();
           return std::nullopt;
         }},
        {"syslog",
         [](const json& v, Config& c) -> std::optional<std::string> {
           if (!v.is_boolean()) return "must be true or false, got " + shown(v);
           c.monitor.syslog = v.get<bool>();
           return std::nullopt;
         }},
        {"event_log",
         [](const json& v, Config& c) -> std::optional<std::string> {
           if (!v.is_boolean()) return "must be true or false, got " + shown(v);
           c.monitor.event_log = v.get<bool>();
           return std::nullopt;
         }},
        {"poll_ms",
         [](const json& v, Config& c) -> std::optional<std::string> {
           if (!v.is_number_integer() || v.get<long long>() < 10 || v.get<long long>() > 60000)
             return "must be an integer number of milliseconds from 10 to 60000, got " + shown(v);
           c.monitor.poll_ms = v.get<int>();
           return std::nullopt;
         }},
        {"safety_poll", duration_to([](Config& c) -> auto& { return c.monitor.safety_poll; }, std::chrono::seconds{1}, std::chrono::hours{1})}}},
      {"queue",
       {{"enabled",
         [](const json& v, Config& c) -> std::optional<std::string> {
           if (!v.is_boolean()) return "must be true or false, got " + shown(v);
           c.queue.enabled = v.get<bool>();
           return std::nullopt;
         }},
        {"command", command_to([](Config& c) -> auto& { return c.queue.command; })},
        {"interval", duration_to([](Config& c) -> auto& { return c.queue.interval; }, std::chrono::seconds{5}, std::chrono::hours{24})},
        {"timeout", duration_to([](Config& c) -> auto& { return c.queue.timeout; }, std::chrono::seconds{1}, std::chrono::hours{1})},
        {"time_zone",
         [](const json& v, Config& c) -> std::optional<std::string> {
           if (v.is_string() && v.get<std::string>().empty()) {
             c.queue.times.offset.reset();
             return std::nullopt;
           }
           auto offset = v.is_string() ? parse_utc_offset(v.get<std::string>()) : std::nullopt;
           if (!offset) return "must be the servers' UTC offset like \"+01:00\", \"-05:00\" or \"UTC\" (\"\" reads local times as UTC), got " + shown(v);
           c.queue.times.offset = offset;
           c.queue.times.offset_from = "queue.time_zone";
           return std::nullopt;
         }},
        {"date_order",
         [](const json& v, Config& c) -> std::optional<std::string> {
           if (!v.is_string() || !parse_date_order(v.get<std::string>(), c.queue.times.order))
             return "must be \"auto\", \"mdy\", \"dmy\" or \"ymd\", got " + shown(v);
           return std::nullopt;
         }}}},
      {"maintenance",
       {{"windows",
         [](const json& v, Config& c) -> std::optional<std::string> {
           if (!v.is_array()) return "must be an array of windows (\"Sat 22:00-02:00\", \"START/END\"), got " + shown(v);
           c.maintenance.windows.clear();
           for (const auto& item : v) {
             if (!item.is_string()) return "each window must be a string, got " + shown(item);
             auto w = parse_maintenance_window(item.get<std::string>());
             if (!w) return w.error();
             c.maintenance.windows.push_back(std::move(w).value());
           }
           return std::nullopt;
         }},
        {"offline_state_command", command_to([](Config& c) -> auto& { return c.maintenance.offline_state_command; })},
        {"check_interval",
         duration_to([](Config& c) -> auto& { return c.maintenance.check_interval; }, std::chrono::seconds{5}, std::chrono::hours{24})}}},
      {"kerberos_logging",
       {{"on_incident",
         [](const json& v, Config& c) -> std::optional<std::string> {
           if (!v.is_boolean()) return "must be true or false, got " + shown(v);
           c.kerberos_logging.on_incident = v.get<bool>();
           return std::nullopt;
         }},
        {"window", duration_to([](Config& c) -> auto& { return c.kerberos_logging.window; }, std::chrono::minutes{1}, std::chrono::hours{24})}}},
      {"probes",
       {{"deadline_ms", milliseconds_to([](Config& c) -> auto& { return c.probes.deadline_ms; }, 100, 60000)},
        {"slow_retry_ms", milliseconds_to([](Config& c) -> auto& { return c.probes.slow_retry_ms; }, 0, 120000)}}},
      {"limits",
       {{"command_stdout_bytes", count_to(&Config::Limits::command_stdout_bytes, 4096, 1ull << 32, "bytes")},
        {"command_stderr_bytes", count_to(&Config::Limits::command_stderr_bytes, 4096, 1ull << 30, "bytes")},
        {"line_bytes", count_to(&Config::Limits::line_bytes, 1024, 1ull << 30, "bytes")},
        {"bad_records_kept", count_to(&Config::Limits::bad_records_kept, 0, 1000000, "records")}}},
      {"logging",
       {{"level", [](const json& v, Config& c) -> std::optional<std::string> {
           static const std::vector<std::string> levels = {"trace", "debug", "info", "warning", "error"};
           if (!v.is_string() || std::find(levels.begin(), levels.end(), v.get<std::string>()) == levels.end())
             return "must be one of trace, debug, info, warning, error, got " + shown(v);
           c.logging.level = v.get<std::string>();
           return std::nullopt;
         }}}},
  };
  return s;
}

}  // namespace

std::optional<ListenEndpoint> parse_listen_endpoint(std::string_view text) {
  ListenEndpoint out;
  std::string_view port = text;
  if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    std::string_view host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    else if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs brackets
    if (!host.empty()) out.host = std::string(host);
  }
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return std::nullopt;
  const int n = std::stoi(std::string(port));
  if (n > 65535) return std::nullopt;  // 0: a free port (the service logs it; `authwatch status` shows it)
  out.port = static_cast<uint16_t>(n);
  return out;
}

namespace {
// A key as problems name it: an empty one as "" (a problem's key is never blank).
std::string key_name(const std::string& key) { return key.empty() ? "\"\"" : key; }
}  // namespace

ConfigParse parse_config(std::string_view text, const std::string& origin) {
  ConfigParse out;
  json root;
  try {
    root = parse_untrusted_json(text, /*ignore_comments=*/true);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number such as 1e400
    out.problems.push_back({origin, std::string("not valid JSON: ") + e.what()});
    return out;
  } catch (const JsonTooDeep& e) {
    out.problems.push_back({origin, std::string("not valid JSON: ") + e.what()});
    return out;
  }
  if (!root.is_object()) {
    out.problems.push_back({origin, "must be a JSON object, got " + shown(root)});
    return out;
  }
  for (const auto& [section, value] : root.items()) {
    auto sec = schema().find(section);
    if (sec == schema().end()) {
      out.problems.push_back({key_name(section), "unknown key"});
      continue;
    }
    if (!value.is_object()) {
      out.problems.push_back({section, "must be an object, got " + shown(value)});
      continue;
    }
    for (const auto& [key, v] : value.items()) {
      auto setter = sec->second.find(key);
      if (setter == sec->second.end()) {
        out.problems.push_back({section + "." + key_name(key), "unknown key"});
        continue;
      }
      if (auto problem = setter->second(v, out.config)) out.problems.push_back({section + "." + key, *problem});
    }
  }
  if (out.config.incidents.diagnose_cooldown > out.config.incidents.quiet_period * 48)
    out.problems.push_back({"incidents.diagnose_cooldown_minutes", "is longer than 48 quiet periods; probes would never rerun"});
  return out;
}

namespace {

// Windows PowerShell 5.1 on the Exchange server, through Exchange's remote PowerShell endpoint
// (the supported way; the snap-in is not). docs/domain.md §4: times as UTC ISO 8601 text and enums as
// their names, so the JSON does not depend on the PowerShell version or culture.
constexpr const char* kQueueScript =
    "$ErrorActionPreference='Stop';"
    "$fqdn=[System.Net.Dns]::GetHostEntry($env:COMPUTERNAME).HostName;"
    "$s=New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri \"http://$fqdn/PowerShell/\" -Authentication Kerberos;"
    "try{Import-PSSession $s -CommandName Get-Queue -DisableNameChecking -AllowClobber|Out-Null;"
    "$t={param($d)if($d){([datetime]$d).ToUniversalTime().ToString('o')}};"
    "@(Get-Queue -Server $env:COMPUTERNAME -ResultSize 1000|Select-Object "
    "@{n='Identity';e={\"$($_.Identity)\"}},@{n='DeliveryType';e={\"$($_.DeliveryType)\"}},@{n='Status';e={\"$($_.Status)\"}},"
    "MessageCount,@{n='NextHopDomain';e={\"$($_.NextHopDomain)\"}},LastError,"
    "@{n='FirstRetryTime';e={&$t $_.FirstRetryTime}},@{n='LastRetryTime';e={&$t $_.LastRetryTime}},"
    "@{n='NextRetryTime';e={&$t $_.NextRetryTime}})|ConvertTo-Json -Compress}"
    "finally{Remove-PSSession $s}";

constexpr const char* kOfflineStateScript =
    "$ErrorActionPreference='Stop';"
    "$fqdn=[System.Net.Dns]::GetHostEntry($env:COMPUTERNAME).HostName;"
    "$s=New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri \"http://$fqdn/PowerShell/\" -Authentication Kerberos;"
    "try{Import-PSSession $s -CommandName Get-ServerComponentState -DisableNameChecking -AllowClobber|Out-Null;"
    "(Get-ServerComponentState -Identity $env:COMPUTERNAME -Component ServerWideOffline).State}"
    "finally{Remove-PSSession $s}";

}  // namespace

std::vector<std::string> Config::default_queue_command() {
  return {"powershell.exe", "-NoProfile", "-NonInteractive", "-Command", kQueueScript};
}

std::vector<std::string> Config::default_offline_state_command() {
  return {"powershell.exe", "-NoProfile", "-NonInteractive", "-Command", kOfflineStateScript};
}

std::string default_config_json() {
  Config c;
  json j = {
      {"database", {{"path", c.database.path}, {"retention_days", c.database.retention_days}, {"busy_timeout_ms", c.database.busy_timeout_ms}}},
      {"incidents",
       {{"quiet_period_minutes", std::chrono::duration_cast<std::chrono::minutes>(c.incidents.quiet_period).count()},
        {"diagnose_cooldown_minutes", std::chrono::duration_cast<std::chrono::minutes>(c.incidents.diagnose_cooldown).count()}}},
      {"logging", {{"level", c.logging.level}}},
      {"monitor",
       {{"protocol_log_dirs", c.monitor.protocol_log_dirs}, {"drop_dirs", c.monitor.drop_dirs}, {"alerts_jsonl", c.monitor.alerts_jsonl},
        {"syslog", c.monitor.syslog}, {"event_log", c.monitor.event_log}, {"poll_ms", c.monitor.poll_ms},
        {"safety_poll", std::to_string(c.monitor.safety_poll.count()) + "s"}, {"dcs", c.monitor.dcs}, {"realm", c.monitor.realm},
        {"domain", c.monitor.domain}, {"observer", c.monitor.observer}, {"metrics_listen", c.monitor.metrics_listen}}},
      {"queue",
       {{"enabled", c.queue.enabled}, {"command", c.queue.command}, {"interval", std::to_string(c.queue.interval.count()) + "s"},
        {"timeout", std::to_string(c.queue.timeout.count()) + "s"},
        {"time_zone", c.queue.times.offset ? format_utc_offset(*c.queue.times.offset) : ""},
        {"date_order", to_string(c.queue.times.order)}}},
      {"maintenance",
       {{"windows", json::array()}, {"check_interval", std::to_string(c.maintenance.check_interval.count()) + "s"}}},
      {"kerberos_logging",
       {{"on_incident", c.kerberos_logging.on_incident}, {"window", std::to_string(c.kerberos_logging.window.count()) + "s"}}},
      {"probes", {{"deadline_ms", c.probes.deadline_ms}, {"slow_retry_ms", c.probes.slow_retry_ms}}},
      {"limits",
       {{"command_stdout_bytes", c.limits.command_stdout_bytes}, {"command_stderr_bytes", c.limits.command_stderr_bytes},
        {"line_bytes", c.limits.line_bytes}, {"bad_records_kept", c.limits.bad_records_kept}}},
  };
  return j.dump(2);
}

}  // namespace authwatch

// authwatch status: what the monitor is doing, read from its database: each source with its
// position and how far behind the file it is, the open incidents, the last probe run, the alert
// outbox, and the last errors the sources reported.
#include <filesystem>
#include <system_error>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "core/clock.hpp"
#include "pipeline/alerts.hpp"

namespace authwatch::cli {
namespace {

// Bytes the file holds beyond the stored position (a growing protocol log); -1 when the file is gone.
int64_t lag_bytes(const storage::SourceRecord& s) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(s.location, ec);
  if (ec) return -1;
  return static_cast<int64_t>(size) - static_cast<int64_t>(s.position.offset);
}

// The monitor's own record (storage monitor_state): running when its heartbeat (written every few
// seconds while it runs) is fresh, stopped when it said so on its way out.
nlohmann::json monitor_json(const std::map<std::string, storage::Store::MonitorStateValue>& state, TimePoint now) {
  nlohmann::json m = {{"state", "never ran"}, {"pid", nullptr},         {"last_pass", nullptr},
                      {"maintenance", ""},    {"last_error", nullptr}, {"last_notice", nullptr}};
  if (auto alive = state.find("last_pass"); alive != state.end()) {
    const auto details = nlohmann::json::parse(alive->second.value, nullptr, false);
    const auto stopped = state.find("stopped");
    const bool said_stopped = stopped != state.end() && stopped->second.updated_at >= alive->second.updated_at;
    const bool fresh = now - alive->second.updated_at < std::chrono::seconds{15};
    // A monitor whose database cannot be written (full, read-only) runs on but cannot say so here.
    m["state"] = said_stopped ? "stopped"
                 : fresh      ? "running"
                              : "not running, or running without being able to write its database (no heartbeat since " +
                               format_iso8601(alive->second.updated_at) + "; its log and alerts say which)";
    m["pid"] = details.is_object() ? details.value("pid", nlohmann::json(nullptr)) : nlohmann::json(nullptr);
    m["last_pass"] = format_iso8601(alive->second.updated_at);
  }
  if (auto held = state.find("maintenance"); held != state.end()) m["maintenance"] = held->second.value;
  // Who it is (the observer its evidence is recorded under) and where Prometheus scrapes it.
  m["observer"] = nullptr;
  if (auto me = state.find("observer"); me != state.end()) {
    const auto identity = nlohmann::json::parse(me->second.value, nullptr, false);
    if (identity.is_object()) m["observer"] = identity;
  }
  m["metrics"] = nullptr;
  if (auto metrics = state.find("metrics"); metrics != state.end()) m["metrics"] = metrics->second.value;
  for (const char* name : {"last_error", "last_notice", "database_event"}) {
    m[name] = nullptr;
    if (auto it = state.find(name); it != state.end()) m[name] = {{"message", it->second.value}, {"at", format_iso8601(it->second.updated_at)}};
  }
  // What keeps failing now (service/step_health.hpp), and alerts the database has not taken yet.
  m["failing"] = nlohmann::json::object();
  m["alerts_held"] = 0;
  m["alerts_dropped"] = 0;
  if (auto it = state.find("health"); it != state.end()) {
    const auto health = nlohmann::json::parse(it->second.value, nullptr, false);
    if (health.is_object()) {
      if (health.contains("failing") && health["failing"].is_object()) m["failing"] = health["failing"];
      m["alerts_held"] = health.value("alerts_held", 0);
      m["alerts_dropped"] = health.value("alerts_dropped", 0);
    }
  }
  return m;
}

nlohmann::json quarantine_json(const storage::QuarantineRecord& q) {
  return {{"source_kind", q.source_kind}, {"location", q.location}, {"locator", q.locator}, {"key", q.key},
          {"error", q.error},             {"excerpt", q.excerpt},   {"first_seen", format_iso8601(q.first_seen)},
          {"last_seen", format_iso8601(q.last_seen)}, {"count", q.count}};
}

constexpr int kQuarantineShown = 20;

void run_status(Context& ctx) {
  auto db = ctx.open_database(storage::Database::Mode::ReadOnly);
  if (!db) return;
  storage::Store store(*db);
  const auto sources = store.sources();
  const auto open = store.incidents(storage::IncidentFilter::Open);
  const auto runs = store.probe_runs(std::nullopt, 1);
  const auto pending = store.pending_alerts();
  const auto recent = store.alerts(5);
  const auto state = store.monitor_state();
  const auto quarantined = store.quarantined(kQuarantineShown);
  const auto quarantined_count = store.count_quarantined();
  const auto now = SystemClock{}.now();

  nlohmann::json json = {{"sources", nlohmann::json::array()}, {"open_incidents", nlohmann::json::array()},
                         {"last_probe_run", nullptr},         {"alerts_pending", pending.size()},
                         {"recent_alerts", nlohmann::json::array()}};
  Rows source_rows{{"source", "kind", "offset", "behind (bytes)", "records", "bad", "updated (UTC)", "last error"}, {}};
  for (const auto& s : sources) {
    // Only a followed protocol log grows under its position; exported files are read whole.
    const bool followed = s.kind == "protocol-log";
    const int64_t lag = followed ? lag_bytes(s) : 0;
    source_rows.rows.push_back({s.location, s.kind, std::to_string(s.position.offset), !followed ? "-" : lag < 0 ? "gone" : std::to_string(lag),
                                std::to_string(s.records_read), std::to_string(s.bad_records), format_iso8601(s.updated_at), s.last_error});
    json["sources"].push_back({{"location", s.location}, {"kind", s.kind}, {"offset", s.position.offset}, {"record", s.position.record},
                               {"behind_bytes", lag < 0 ? nlohmann::json(nullptr) : nlohmann::json(lag)}, {"records_read", s.records_read},
                               {"bad_records", s.bad_records}, {"updated_at", format_iso8601(s.updated_at)}, {"last_error", s.last_error}});
  }
  json["monitor"] = monitor_json(state, now);
  for (const auto& i : open) json["open_incidents"].push_back(pipeline::incident_json(i));
  if (!runs.empty()) {
    const auto& r = runs.front();
    json["last_probe_run"] = {{"id", r.id}, {"incident_id", r.incident_id ? nlohmann::json(*r.incident_id) : nlohmann::json(nullptr)},
                              {"started", format_iso8601(r.started_at)}, {"status", r.status}, {"trigger", r.trigger}};
  }
  for (const auto& a : recent)
    json["recent_alerts"].push_back({{"id", a.id}, {"kind", a.kind}, {"event_id", a.windows_event_id}, {"created", format_iso8601(a.created_at)},
                                     {"delivered", a.delivered_at ? nlohmann::json(format_iso8601(*a.delivered_at)) : nlohmann::json(nullptr)},
                                     {"suppressed", a.sink.starts_with("suppressed: ") ? nlohmann::json(a.sink.substr(12)) : nlohmann::json(nullptr)}});
  json["quarantine"] = {{"count", quarantined_count}, {"dropped", store.quarantine_dropped()}, {"records", nlohmann::json::array()}};
  for (const auto& q : quarantined) json["quarantine"]["records"].push_back(quarantine_json(q));
  if (ctx.format() == OutputFormat::Json) {
    // replace: a quarantined record is often there for a byte that is not UTF-8.
    ctx.out << json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return;
  }
  const auto& m = json["monitor"];
  ctx.out << "Monitor: " << m["state"].get<std::string>();
  if (!m["pid"].is_null()) ctx.out << " (pid " << m["pid"] << ", last pass " << m["last_pass"].get<std::string>() << ")";
  ctx.out << '\n';
  if (m["observer"].is_object() && m["observer"].value("name", nlohmann::json("")).is_string())
    ctx.out << "Observer: " << printable(m["observer"].value("name", std::string())) << '\n';
  if (m["metrics"].is_string()) ctx.out << "Metrics: " << m["metrics"].get<std::string>() << '\n';
  if (!m["maintenance"].get<std::string>().empty()) ctx.out << "Alerts held back: " << m["maintenance"].get<std::string>() << '\n';
  if (!m["last_error"].is_null()) ctx.out << "Last error: " << m["last_error"]["message"].get<std::string>() << " (" << m["last_error"]["at"].get<std::string>() << ")\n";
  if (!m["last_notice"].is_null())
    ctx.out << "Last notice: " << m["last_notice"]["message"].get<std::string>() << " (" << m["last_notice"]["at"].get<std::string>() << ")\n";
  for (const auto& [kind, f] : m["failing"].items())
    ctx.out << "Failing: " << printable(kind) << " since " << f.value("since", "") << " (" << f.value("failures", 0) << " failed step(s)): "
            << printable(f.value("last_error", "")) << '\n';
  if (m["alerts_held"].get<int64_t>() > 0 || m["alerts_dropped"].get<int64_t>() > 0)
    ctx.out << "Alerts not in the database yet: " << m["alerts_held"] << " (dropped at the memory bound: " << m["alerts_dropped"] << ")\n";
  if (!m["database_event"].is_null())
    ctx.out << "Database: " << printable(m["database_event"]["message"].get<std::string>()) << " ("
            << m["database_event"]["at"].get<std::string>() << ")\n";
  ctx.out << "\nSources\n";
  write_table(ctx.out, source_rows);
  ctx.out << "\nOpen incidents: " << open.size() << '\n';
  if (!open.empty()) {
    Rows rows{{"id", "direction", "peer", "peer name", "signals", "first seen (UTC)", "last seen (UTC)"}, {}};
    for (const auto& i : open)
      rows.rows.push_back({std::to_string(i.id), std::string(to_string(i.direction)), i.peer, i.peer_name, std::to_string(i.signal_count),
                           format_iso8601(i.first_seen), format_iso8601(i.last_seen)});
    write_table(ctx.out, rows);
  }
  ctx.out << "\nLast probe run: ";
  if (runs.empty()) ctx.out << "none\n";
  else ctx.out << runs.front().id << " at " << format_iso8601(runs.front().started_at) << " (" << runs.front().status << ")\n";
  ctx.out << "Alerts waiting for delivery: " << pending.size() << '\n';
  ctx.out << "\nQuarantined records (could not be stored; the rest of their source was): " << quarantined_count;
  if (const auto dropped = store.quarantine_dropped(); dropped > 0) ctx.out << " (and " << dropped << " older ones dropped at the bound)";
  ctx.out << '\n';
  if (!quarantined.empty()) {
    Rows rows{{"source", "record", "error", "first seen (UTC)", "times"}, {}};
    for (const auto& q : quarantined)
      rows.rows.push_back({printable(q.location), printable(q.locator.empty() ? q.key : q.locator), printable(q.error),
                           format_iso8601(q.first_seen), std::to_string(q.count)});
    write_table(ctx.out, rows);
    if (quarantined_count > kQuarantineShown) ctx.out << "(the " << kQuarantineShown << " met last; --format json has the excerpts)\n";
  }
}

}  // namespace

Command add_status_command(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("status", "What the monitor is doing: sources and how far behind they are, open incidents, last probe run, alerts");
  add_format_option(*sub, ctx, /*csv=*/false);
  return {sub, [&ctx] { run_status(ctx); }};
}

}  // namespace authwatch::cli

// authwatch status: what the monitor is doing, read from its database: each source with its
// position and how far behind the file it is, the open incidents, the last probe run, the alert
// outbox, and the last errors the sources reported.
#include <filesystem>
#include <system_error>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

namespace authwatch::cli {
namespace {

// Bytes the file holds beyond the stored position (a growing protocol log); -1 when the file is gone.
int64_t lag_bytes(const storage::SourceRecord& s) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(s.location, ec);
  if (ec) return -1;
  return static_cast<int64_t>(size) - static_cast<int64_t>(s.position.offset);
}

void run_status(Context& ctx) {
  auto db = ctx.open_database(storage::Database::Mode::ReadOnly);
  if (!db) return;
  storage::Store store(*db);
  const auto sources = store.sources();
  const auto open = store.incidents(storage::IncidentFilter::Open);
  const auto runs = store.probe_runs(std::nullopt, 1);
  const auto pending = store.pending_alerts();
  const auto recent = store.alerts(5);

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
  for (const auto& i : open) json["open_incidents"].push_back(incident_json(i));
  if (!runs.empty()) {
    const auto& r = runs.front();
    json["last_probe_run"] = {{"id", r.id}, {"incident_id", r.incident_id ? nlohmann::json(*r.incident_id) : nlohmann::json(nullptr)},
                              {"started", format_iso8601(r.started_at)}, {"status", r.status}, {"trigger", r.trigger}};
  }
  for (const auto& a : recent)
    json["recent_alerts"].push_back({{"id", a.id}, {"kind", a.kind}, {"event_id", a.windows_event_id}, {"created", format_iso8601(a.created_at)},
                                     {"delivered", a.delivered_at ? nlohmann::json(format_iso8601(*a.delivered_at)) : nlohmann::json(nullptr)}});
  if (ctx.format() == OutputFormat::Json) {
    ctx.out << json.dump(2) << '\n';
    return;
  }
  ctx.out << "Sources\n";
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
}

}  // namespace

Command add_status_command(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("status", "What the monitor is doing: sources and how far behind they are, open incidents, last probe run, alerts");
  add_format_option(*sub, ctx, /*csv=*/false);
  return {sub, [&ctx] { run_status(ctx); }};
}

}  // namespace authwatch::cli

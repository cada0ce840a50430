// authwatch incidents: the incident list.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "pipeline/alerts.hpp"

namespace authwatch::cli {
namespace {

void run_incidents(Context& ctx, const std::string& status) {
  auto db = ctx.open_database(storage::Database::Mode::ReadOnly);
  if (!db) return;
  storage::Store store(*db);
  auto filter = status == "open" ? storage::IncidentFilter::Open
                : status == "resolved" ? storage::IncidentFilter::Resolved
                                       : storage::IncidentFilter::All;
  // observer: the server whose evidence it is (an inbound incident is its rejection of the peer,
  // an outbound one its failure to reach the peer).
  Rows rows{{"id", "status", "observer", "direction", "peer", "peer name", "signals", "first seen (UTC)", "last seen (UTC)"}, {}};
  nlohmann::json json = nlohmann::json::array();
  for (const auto& i : store.incidents(filter)) {
    // An unknown peer is shown with where its failure was seen (a queue and its next hop).
    const std::string name = i.peer_context.empty() ? i.peer_name : "seen at " + i.peer_context;
    // People read seconds; scripts (CSV) keep the ISO 8601 milliseconds.
    auto time = [&](TimePoint t) {
      std::string text = format_iso8601(t);
      if (ctx.format() == OutputFormat::Table) {
        text = text.substr(0, 19);
        text[10] = ' ';
      }
      return text;
    };
    rows.rows.push_back({std::to_string(i.id), std::string(to_string(i.status)), i.observer.empty() ? "?" : i.observer,
                         std::string(to_string(i.direction)), i.peer,
                         name, std::to_string(i.signal_count), time(i.first_seen), time(i.last_seen)});
    json.push_back(pipeline::incident_json(i));
  }
  write(ctx.out, ctx.format(), rows, json);
}

}  // namespace

Command add_incidents_command(CLI::App& app, Context& ctx) {
  auto status = std::make_shared<std::string>("all");
  auto* sub = app.add_subcommand("incidents", "List incidents: one per direction and peer and fault episode");
  sub->add_option("--status", *status, "open, resolved or all (default)")->check(CLI::IsMember({"open", "resolved", "all"}));
  add_format_option(*sub, ctx);
  return {sub, [&ctx, status] { run_incidents(ctx, *status); }};
}

}  // namespace authwatch::cli

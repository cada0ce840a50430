// authwatch prune / authwatch config: retention and configuration.
#include <fstream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "core/clock.hpp"

namespace authwatch::cli {
namespace {

void run_prune(Context& ctx, int days) {
  const Config* cfg = ctx.config();
  if (!cfg) return;
  if (days <= 0) days = cfg->database.retention_days;
  auto db = ctx.open_database(storage::Database::Mode::ReadWrite);
  if (!db) return;
  storage::Store store(*db);
  const TimePoint cutoff = SystemClock{}.now() - std::chrono::hours{24} * days;
  storage::PruneCounts counts;
  db->transaction([&] { counts = store.prune(cutoff); });
  Rows rows{{"deleted", "count"},
            {{"incidents", std::to_string(counts.incidents)},
             {"signals", std::to_string(counts.signals)},
             {"events", std::to_string(counts.events)},
             {"probe runs", std::to_string(counts.probe_runs)},
             {"alerts", std::to_string(counts.alerts)}}};
  nlohmann::json json = {{"cutoff", format_iso8601(cutoff)}, {"incidents", counts.incidents}, {"signals", counts.signals},
                         {"events", counts.events}, {"probe_runs", counts.probe_runs}, {"alerts", counts.alerts}};
  write(ctx.out, ctx.format(), rows, json);
}

void run_config(Context& ctx, const std::string& check) {
  if (check.empty()) {
    ctx.out << default_config_json() << '\n';
    return;
  }
  ctx.config_path = check;
  if (ctx.config()) ctx.out << check << ": valid\n";
}

}  // namespace

Command add_prune_command(CLI::App& app, Context& ctx) {
  auto days = std::make_shared<int>(0);
  auto* sub = app.add_subcommand("prune", "Delete history older than N days (open incidents are kept)");
  sub->add_option("--days", *days, "Keep this many days (default: database.retention_days, 90)")->check(CLI::PositiveNumber);
  add_format_option(*sub, ctx);
  return {sub, [&ctx, days] { run_prune(ctx, *days); }};
}

Command add_config_command(CLI::App& app, Context& ctx) {
  auto check = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("config", "Print the default configuration, or check a config file");
  sub->add_option("--check", *check, "Validate this JSON config file; problems name the key");
  return {sub, [&ctx, check] { run_config(ctx, *check); }};
}

}  // namespace authwatch::cli

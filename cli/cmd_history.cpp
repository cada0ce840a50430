// authwatch history: the signals, oldest first.
#include <chrono>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/signal_rows.hpp"
#include "core/clock.hpp"

namespace authwatch::cli {
namespace {

struct HistoryOptions {
  std::string since;
  std::string peer;
  bool faults_only = false;
  int limit = 0;
};

void run_history(Context& ctx, const HistoryOptions& opt) {
  storage::SignalQuery query;
  if (!opt.since.empty()) {
    if (auto d = parse_duration(opt.since)) {
      query.since = SystemClock{}.now() - std::chrono::duration_cast<std::chrono::microseconds>(*d);
    } else if (auto t = parse_iso8601(opt.since)) {
      query.since = *t;
    } else {
      ctx.err << "authwatch: --since " << opt.since << ": expected a duration (90m, 24h, 7d) or an ISO 8601 time\n";
      ctx.exit_code = kUsage;
      return;
    }
  }
  query.peer = opt.peer;
  query.include_noise = !opt.faults_only;
  query.limit = opt.limit;
  auto db = ctx.open_database(storage::Database::Mode::ReadOnly);
  if (!db) return;
  storage::Store store(*db);
  auto signals = store.signals(query);
  nlohmann::json json = nlohmann::json::array();
  for (const auto& s : signals) json.push_back(signal_json(s, false));
  write(ctx.out, ctx.format(), signal_rows(signals, ctx.format() == OutputFormat::Table), json);
}

}  // namespace

Command add_history_command(CLI::App& app, Context& ctx) {
  auto opt = std::make_shared<HistoryOptions>();
  auto* sub = app.add_subcommand("history", "List the detected signals (authentication failures), oldest first");
  sub->add_option("--since", opt->since, "Only signals after this: a duration back from now (90m, 24h, 7d) or an ISO 8601 UTC time");
  sub->add_option("--peer", opt->peer, "Only this peer (IP address or host name, case-insensitive)");
  sub->add_flag("--faults-only", opt->faults_only, "Leave out client logon noise");
  sub->add_option("--limit", opt->limit, "At most this many")->check(CLI::NonNegativeNumber);
  add_format_option(*sub, ctx);
  return {sub, [&ctx, opt] { run_history(ctx, *opt); }};
}

}  // namespace authwatch::cli

// authwatch report: one self-contained HTML file with the links, the incidents, their time lines,
// diagnoses and findings (cli/report/report_html.hpp), from one or more servers' databases.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/fleet.hpp"
#include "cli/report/report_html.hpp"
#include "cli/report/report_model.hpp"
#include "core/clock.hpp"

namespace authwatch::cli {
namespace {

struct ReportCommandOptions {
  std::vector<std::string> databases;
  std::string since;
  int64_t incident = 0;
  std::string output;
};

void run_report(Context& ctx, const ReportCommandOptions& opt) {
  const auto now = SystemClock{}.now();
  ReportOptions options;
  if (!opt.since.empty()) {
    if (auto d = parse_duration(opt.since)) options.since = now - std::chrono::duration_cast<std::chrono::microseconds>(*d);
    else if (auto t = parse_iso8601(opt.since)) options.since = *t;
    else {
      ctx.err << "authwatch: --since " << opt.since << ": expected a duration (90m, 24h, 7d) or an ISO 8601 time\n";
      ctx.exit_code = kUsage;
      return;
    }
  }
  if (opt.incident > 0) options.incident = opt.incident;
  auto fleet = open_fleet(ctx, opt.databases);
  if (fleet.empty()) return;
  const ReportModel model = load_report(fleet, options, now);
  if (options.incident && model.incidents.empty()) {
    ctx.err << "authwatch: no incident " << opt.incident << " in the database(s) given\n";
    ctx.exit_code = kNotFound;
    return;
  }
  const std::string html = render_report_html(model);
  // Written beside the target and renamed over it: a reader never sees half a report.
  namespace fs = std::filesystem;
  const fs::path target = fs::absolute(opt.output);
  const fs::path partial = target.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out.write(html.data(), static_cast<std::streamsize>(html.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      fs::remove(partial, ignored);
      ctx.err << "authwatch: " << opt.output << ": cannot write the report\n";
      ctx.exit_code = kFailure;
      return;
    }
  }
  std::error_code ec;
  fs::rename(partial, target, ec);
  if (ec) {
    fs::remove(partial, ec);
    ctx.err << "authwatch: " << opt.output << ": cannot write the report (" << ec.message() << ")\n";
    ctx.exit_code = kFailure;
    return;
  }
  if (ctx.format() == OutputFormat::Json) {
    ctx.out << nlohmann::json{{"report", target.string()}, {"incidents", model.incidents.size()}, {"links", model.links.size()},
                              {"bytes", html.size()}}.dump(2)
            << '\n';
  } else {
    ctx.out << "Report: " << target.string() << " (" << model.incidents.size() << " incident(s), " << model.links.size() << " link(s), "
            << html.size() / 1024 << " KiB; open it in a browser, or print it)\n";
  }
}

}  // namespace

Command add_report_command(CLI::App& app, Context& ctx) {
  auto opt = std::make_shared<ReportCommandOptions>();
  auto* sub = app.add_subcommand("report",
                                 "Write one self-contained HTML report (no scripts, no network resources; prints well): links, incidents "
                                 "with a time line of their signals, the latest diagnosis and findings");
  sub->add_option("--db", opt->databases,
                  "A server's database (repeatable: several servers' databases in one report; default: the global --db, the "
                  "config's or the default one)");
  sub->add_option("--since", opt->since, "Only incidents active after this: a duration back from now (24h, 7d) or an ISO 8601 UTC time");
  sub->add_option("--incident", opt->incident, "Only this incident")->check(CLI::PositiveNumber);
  sub->add_option("--output,-o", opt->output, "The HTML file to write")->required();
  add_format_option(*sub, ctx, /*csv=*/false);
  return {sub, [&ctx, opt] { run_report(ctx, *opt); }};
}

}  // namespace authwatch::cli

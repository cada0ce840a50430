#include "cli/app.hpp"

#include <cstdlib>
#include <iostream>

#include "app/logging.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "cli/platform.hpp"

#ifndef AUTHWATCH_VERSION
#define AUTHWATCH_VERSION "0.0.0"
#endif

namespace authwatch::cli {

void add_format_option(CLI::App& sub, Context& ctx, bool csv) {
  auto* opt = sub.add_option("--format", ctx.format_name, csv ? "Output: table (default), json or csv" : "Output: table (default) or json");
  opt->check(csv ? CLI::IsMember({"table", "json", "csv"}) : CLI::IsMember({"table", "json"}));
}

namespace {

// Tables fit the terminal they are printed on: $COLUMNS when set (shells export it, tests set it),
// else the terminal on standard output; no limit for a file or a pipe.
size_t columns_for(const std::ostream& out) {
  if (const char* env = std::getenv("COLUMNS"); env && *env) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end && *end == '\0' && n >= 20 && n <= 10000) return static_cast<size_t>(n);
  }
  return &out == &std::cout ? stdout_terminal_columns() : 0;
}

}  // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  Context ctx{out, err};
  set_table_width(columns_for(out));
  CLI::App app{"AuthWatch: finds why Exchange servers fail to authenticate to each other (454 4.7.0, event 1035)", "authwatch"};
  app.footer(kExitCodeHelp);
  app.set_version_flag("--version", AUTHWATCH_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--db", ctx.db_path, "Database file (default: %ProgramData%\\AuthWatch\\authwatch.db on Windows; $AUTHWATCH_DB or ./authwatch.db elsewhere)");
  app.add_option("--config", ctx.config_path, "JSON config file (defaults for every key; see `authwatch config`)");
  app.add_flag("-v,--verbose", ctx.verbosity, "More log output on stderr (twice for trace)");
  app.add_flag("-q,--quiet", ctx.quiet, "Only errors on stderr");

  const std::vector<Command> commands = {add_scan_command(app, ctx),    add_incidents_command(app, ctx),
                                         add_history_command(app, ctx), add_show_command(app, ctx),
                                         add_prune_command(app, ctx),   add_config_command(app, ctx),
                                         add_probe_command(app, ctx),   add_status_command(app, ctx),
                                         add_links_command(app, ctx),   add_report_command(app, ctx)};

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);
    return kUsage;
  }
  app::init_logging(err, ctx.verbosity, ctx.quiet);
  try {
    for (const auto& command : commands)
      if (command.sub->parsed()) command.run();
  } catch (const std::exception& e) {
    err << "authwatch: " << e.what() << '\n';
    return kFailure;
  }
  return ctx.exit_code;
}

}  // namespace authwatch::cli

#pragma once
// One function per subcommand; each registers its options on the app and returns what to run
// when that subcommand was given (run after the whole command line is parsed, logging set up).
#include <functional>

#include <CLI/CLI.hpp>

#include "cli/context.hpp"

namespace authwatch::cli {

struct Command {
  CLI::App* sub;
  std::function<void()> run;
};

Command add_scan_command(CLI::App& app, Context& ctx);
Command add_incidents_command(CLI::App& app, Context& ctx);
Command add_history_command(CLI::App& app, Context& ctx);
Command add_show_command(CLI::App& app, Context& ctx);
Command add_prune_command(CLI::App& app, Context& ctx);
Command add_config_command(CLI::App& app, Context& ctx);
Command add_probe_command(CLI::App& app, Context& ctx);
Command add_status_command(CLI::App& app, Context& ctx);
Command add_links_command(CLI::App& app, Context& ctx);
Command add_report_command(CLI::App& app, Context& ctx);

// --format table|json|csv on a subcommand.
void add_format_option(CLI::App& sub, Context& ctx, bool csv = true);

}  // namespace authwatch::cli

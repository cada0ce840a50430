#pragma once
// authwatch-service's options: the command line over the config file over the defaults, resolved
// once, before anything runs, so every rule of it is unit-tested (tests/service/options_test.cpp)
// and main() only acts on the result.
#include <chrono>
#include <functional>
#include <string>
#include <variant>

#include "app/paths.hpp"
#include "core/result.hpp"
#include "service/monitor.hpp"
#include "service/platform.hpp"

namespace authwatch::service {

// What authwatch-service was asked to do. The last four are the Windows service's own commands.
enum class ServiceAction { Run, Install, Uninstall, Start, Stop };

struct ServiceOptions {
  ServiceAction action = ServiceAction::Run;
  MonitorOptions monitor;  // Run: everything the monitor runs with
  bool console = false;    // Windows: run in the foreground instead of under the SCM
  int verbosity = 1;       // the log level: 1 info (the service logs at least that), 2 trace
  // Neither --db nor database.path named the database (app::default_database_path()). On Windows
  // main() then creates its folder, %ProgramData%\AuthWatch, with the data folder's locked
  // permissions when neither the MSI nor `install` made it (service/win/data_folder.hpp).
  bool database_is_default = false;
  std::string install_config;        // install --config; "" = authwatch.json in the data folder
  std::chrono::seconds timeout{60};  // uninstall, start, stop: how long to wait
};

// Nothing to run: --help (exit code 0, the text for standard output), a usage error (CLI11's exit
// code, or 2) or a config that cannot be used (1), with the text for standard error, each line
// naming the option or the file and the problem.
struct OptionsExit {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// What the options are resolved from besides the command line.
struct OptionsInputs {
  app::EnvironmentLookup environment = app::process_environment;  // AUTHWATCH_DB
  std::function<HostIdentity()> host = this_host;  // the observer, when neither --observer nor monitor.observer names it
  // The config file's text; the service reads only a file nobody else could have changed.
  std::function<Result<std::string>(const std::string& path)> read_config;  // empty: read_trusted_file
  std::string version = "0.0.0";  // authwatch_build_info
};

// The rules, in order: the command line is parsed (a usage error ends here); a Windows service
// command needs nothing else; the config file (--config) is read and checked, any problem ends here
// (exit code 1); the flags override the config, which overrides the defaults; the database is
// --db, else database.path, else app::default_database_path() ($AUTHWATCH_DB when set and not
// empty); with nothing to watch (no protocol-log folder, drop folder or queue command) it is a
// usage error (2).
std::variant<ServiceOptions, OptionsExit> resolve_options(int argc, const char* const* argv, const OptionsInputs& inputs = {});

}  // namespace authwatch::service

// authwatch-service: the monitor. On Linux it runs in the foreground until SIGINT/SIGTERM (the
// systemd unit in installer/linux). On Windows it is a service: the SCM starts it without
// arguments but those `install` registered (--config FILE), and `install`, `uninstall`, `start`,
// `stop` manage it; `--console` runs it in the foreground instead (Ctrl+C stops it).
// The config file (--config) holds every setting; the flags override it for the common cases:
// service/options.hpp resolves them, this file only acts on the result.
#include <filesystem>
#include <iostream>

#include "app/logging.hpp"
#include "core/clock.hpp"
#include "service/monitor.hpp"
#include "service/options.hpp"
#include "service/platform.hpp"

#ifndef AUTHWATCH_VERSION
#define AUTHWATCH_VERSION "0.0.0"
#endif
#ifdef _WIN32
#include "service/win/data_folder.hpp"
#include "service/win/eventlog_sink.hpp"
#include "service/win/windows_service.hpp"
#endif

namespace {

using namespace authwatch;

#ifdef _WIN32
// install, uninstall, start, stop: exit code 0 done, 3 failed.
int run_service_command(const service::ServiceOptions& resolved) {
  auto done = [](const char* what, const Result<void>& r) {
    if (!r) {
      std::cerr << "authwatch-service " << what << ": " << r.error() << '\n';
      return 3;
    }
    std::cout << "authwatch-service " << what << ": done\n";
    return 0;
  };
  switch (resolved.action) {
    case service::ServiceAction::Install: {
      const std::string data_folder = service::win::data_folder_path();
      const std::string file =
          !resolved.install_config.empty() ? resolved.install_config : (std::filesystem::path(data_folder) / "authwatch.json").string();
      auto installed = service::install_service({{"--config", file}, data_folder, file});
      if (!installed) {
        std::cerr << "authwatch-service install: " << installed.error() << '\n';
        return 3;
      }
      for (const auto& refused : installed.value()) std::cerr << "authwatch-service install: warning: " << refused << '\n';
      std::cout << "authwatch-service install: the AuthWatch service runs `" << service::this_executable() << " --config " << file
                << "`; start it with `authwatch-service start`\n";
      return 0;
    }
    case service::ServiceAction::Uninstall: return done("uninstall", service::uninstall_service(resolved.timeout));
    case service::ServiceAction::Start: return done("start", service::start_service(resolved.timeout));
    case service::ServiceAction::Stop: return done("stop", service::stop_service(resolved.timeout));
    case service::ServiceAction::Run: break;
  }
  return 2;
}

// Started by the SCM: the Application log is where an administrator looks.
int run_under_scm(service::MonitorOptions options, const Clock& clock) {
  options.syslog = true;
  auto ran = service::run_as_service([&](const std::function<void(std::function<void()>)>& on_stop) {
    // A service has no console: why it could not start or stopped goes to the Application log (event 1950).
    auto tell = [&](const std::string& what) {
      try {
        (void)service::make_event_log_sink()->deliver(pipeline::health_alert(what, {{"ok", false}}, clock.now()));
      } catch (...) {
      }
    };
    try {
      service::Monitor monitor(options, clock);
      if (auto opened = monitor.open(); !opened) {
        tell("AuthWatch could not start: " + opened.error());
        return 1;
      }
      on_stop([&monitor] { monitor.stop(); });
      return monitor.run(/*handle_signals=*/false);
    } catch (const std::exception& e) {
      tell(std::string("AuthWatch stopped: ") + e.what());
      return 1;
    }
  });
  if (ran) return ran.value();
  if (service::started_from_console(ran.failure())) {
    std::cerr << "authwatch-service: not started by the Service Control Manager. Use `authwatch-service --console ...` to run in "
                 "this window, or `authwatch-service install` and `start` for the service.\n";
    return 2;
  }
  std::cerr << "authwatch-service: " << ran.error() << '\n';
  return 1;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  service::OptionsInputs inputs;
  inputs.version = AUTHWATCH_VERSION;
  auto options = service::resolve_options(argc, argv, inputs);
  if (auto* exit = std::get_if<service::OptionsExit>(&options)) {
    std::cout << exit->out;
    std::cerr << exit->err;
    return exit->exit_code;
  }
  auto& resolved = std::get<service::ServiceOptions>(options);
  app::init_logging(std::cerr, resolved.verbosity, false);
#ifdef _WIN32
  if (resolved.action != service::ServiceAction::Run) return run_service_command(resolved);
  if (resolved.database_is_default) {
    // %ProgramData%\AuthWatch, made on first use with its locked permissions when neither the MSI
    // nor `install` made it (service/win/data_folder.hpp).
    if (auto created = service::win::create_data_folder(std::filesystem::path(resolved.monitor.database).parent_path().string()); !created) {
      std::cerr << "authwatch-service: " << created.error() << '\n';
      return 1;
    }
  }
#endif
  SystemClock clock;
#ifdef _WIN32
  if (!resolved.console) return run_under_scm(resolved.monitor, clock);
#endif
  try {
    service::Monitor monitor(resolved.monitor, clock);
    if (auto opened = monitor.open(); !opened) {
      std::cerr << "authwatch-service: " << opened.error() << '\n';
      return 1;
    }
    return monitor.run(/*handle_signals=*/true);
  } catch (const std::exception& e) {  // setting up the monitor (its sources, sinks); run() itself throws nothing
    std::cerr << "authwatch-service: " << e.what() << '\n';
    return 1;
  }
}

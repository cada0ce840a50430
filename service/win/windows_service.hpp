#pragma once
// authwatch-service as a Windows service: the SCM's ServiceMain and control handler around the
// monitor, and the install/uninstall/start/stop commands. Windows only (service/main.cpp includes
// it under _WIN32).
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace authwatch::service {

inline constexpr wchar_t kServiceName[] = L"AuthWatch";

// What the service's main does: open the monitor and run it until `stop` has been asked for.
// `on_stop` registers the call that stops it (Monitor::stop), which the control handler makes on
// STOP, SHUTDOWN and PRESHUTDOWN. Returns the exit code (0 = clean stop).
using ServiceBody = std::function<int(const std::function<void(std::function<void()>)>& on_stop)>;

// Hands this process to the SCM (StartServiceCtrlDispatcherW) and runs `body` as the service.
// Returns the body's exit code, or an error when the process was not started by the SCM
// (ERROR_FAILED_SERVICE_CONTROLLER_CONNECT in Error::os: someone ran it from a console).
Result<int> run_as_service(ServiceBody body);
// True when run_as_service's error says the SCM did not start this process (by its code).
bool started_from_console(const Error& dispatcher_error);

struct InstallOptions {
  std::vector<std::string> arguments;  // what the SCM passes to the service run (--config FILE ...)
  std::string data_folder;             // locked (service/win/data_folder.hpp); "" = left alone
  std::string config_file;             // checked as the service will check it, when it exists
};
// Refuses when this exe or its folder can be changed by anyone but the administrators (the SCM
// runs it as LocalSystem), naming the folder and who. Locks the data folder. Then CreateServiceW
// (own process, automatic delayed start, LocalSystem), its description, restart on failure (60 s,
// twice; reset after a day), and the "AuthWatch" event source with this exe as its message file.
// Returns warnings: the settings Windows (or Wine) refused, which do not stop the install, what
// lock_data_folder reports, and a config file the service would refuse.
Result<std::vector<std::string>> install_service(const InstallOptions& options);
// Stops it if it runs, deletes it and the event source: nothing of it is left in the registry.
Result<void> uninstall_service(std::chrono::seconds stop_timeout);
Result<void> start_service(std::chrono::seconds timeout);  // returns once RUNNING
Result<void> stop_service(std::chrono::seconds timeout);   // returns once STOPPED

std::string this_executable();

}  // namespace authwatch::service

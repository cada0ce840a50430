// The SCM side of authwatch-service. ServiceMain runs on the dispatcher's thread; the control
// handler on the dispatcher's main thread: it only reports STOP_PENDING and calls the monitor's
// stop(), which wakes the loop; the loop then finishes its pass, stores running probe runs and
// returns, and ServiceMain reports STOPPED with the exit code.
#include "service/win/windows_service.hpp"

#include <filesystem>
#include <mutex>
#include <thread>

#include "platform/win/wide_text.hpp"
#include "platform/win/win_error.hpp"
#include "service/trusted_file.hpp"
#include "service/win/data_folder.hpp"
#include "service/win/eventlog_sink.hpp"
#include "service/win/file_security.hpp"

// After the project's headers (Boost.Asio's winsock2.h must come before windows.h).
#include <windows.h>

namespace authwatch::service {
namespace {

using platform::win::call_failed;
using platform::win::failed_call;
using platform::win::narrow;
using platform::win::widen;

constexpr wchar_t kEventSourceKey[] = L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\AuthWatch";
constexpr wchar_t kDescription[] =
    L"Watches this Exchange server for Exchange authentication (X-EXPS, Kerberos) failures between servers "
    L"(454 4.7.0, event 1035), probes the causes (clock skew, replication, SPNs, ports, connectors) and "
    L"reports them in the Application log.";

struct ScHandle {
  SC_HANDLE h = nullptr;
  explicit ScHandle(SC_HANDLE handle) : h(handle) {}
  ~ScHandle() {
    if (h) CloseServiceHandle(h);
  }
  ScHandle(const ScHandle&) = delete;
  ScHandle& operator=(const ScHandle&) = delete;
  explicit operator bool() const { return h != nullptr; }
};

// The state shared by ServiceMain and the control handler.
struct ServiceState {
  ServiceBody* body = nullptr;
  SERVICE_STATUS_HANDLE handle = nullptr;
  SERVICE_STATUS status{};
  DWORD checkpoint = 1;
  int exit_code = 0;
  std::mutex mutex;  // guards stop and stop_requested
  std::function<void()> stop;
  bool stop_requested = false;
};
ServiceState g_service;

// `win32_exit_code`: what the SCM shows; ERROR_SERVICE_SPECIFIC_ERROR carries `exit_code`.
void report(DWORD state, DWORD wait_hint = 0, int exit_code = 0, DWORD win32_exit_code = NO_ERROR) {
  auto& s = g_service.status;
  s.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  s.dwCurrentState = state;
  s.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PRESHUTDOWN : 0;
  s.dwWin32ExitCode = win32_exit_code != NO_ERROR ? win32_exit_code : exit_code ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
  s.dwServiceSpecificExitCode = static_cast<DWORD>(exit_code);
  s.dwWaitHint = wait_hint;
  s.dwCheckPoint = state == SERVICE_RUNNING || state == SERVICE_STOPPED ? 0 : g_service.checkpoint++;
  SetServiceStatus(g_service.handle, &s);
}

DWORD WINAPI control_handler(DWORD control, DWORD, void*, void*) {
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
    case SERVICE_CONTROL_PRESHUTDOWN: {
      report(SERVICE_STOP_PENDING, 30000);
      std::lock_guard lock(g_service.mutex);
      g_service.stop_requested = true;
      if (g_service.stop) g_service.stop();
      return NO_ERROR;
    }
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

void WINAPI service_main(DWORD, LPWSTR*) {
  g_service.handle = RegisterServiceCtrlHandlerExW(kServiceName, control_handler, nullptr);
  if (!g_service.handle) return;
  report(SERVICE_START_PENDING, 30000);
  // The body registers its stop once the monitor is open: the service is running from then on.
  auto on_stop = [](std::function<void()> stop) {
    std::lock_guard lock(g_service.mutex);
    g_service.stop = std::move(stop);
    if (g_service.stop_requested) g_service.stop();
    else report(SERVICE_RUNNING);
  };
  // The SCM must see STOPPED however the body ends: nothing it throws leaves this function (an
  // exception escaping ServiceMain would end the process with the SCM still waiting).
  DWORD win32_exit_code = NO_ERROR;
  try {
    g_service.exit_code = (*g_service.body)(on_stop);
  } catch (...) {
    g_service.exit_code = 1;
    win32_exit_code = ERROR_EXCEPTION_IN_SERVICE;
  }
  {
    std::lock_guard lock(g_service.mutex);
    g_service.stop = nullptr;
  }
  report(SERVICE_STOPPED, 0, g_service.exit_code, win32_exit_code);
}

std::wstring quoted(const std::wstring& arg) {
  if (!arg.empty() && arg.find_first_of(L" \t\"") == std::wstring::npos) return arg;
  std::wstring out = L"\"";
  for (wchar_t c : arg) {
    if (c == L'"') out += L'\\';
    out += c;
  }
  return out + L"\"";
}

Result<DWORD> wait_for_state(SC_HANDLE service, DWORD wanted, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  SERVICE_STATUS_PROCESS s{};
  DWORD needed = 0;
  while (true) {
    if (!QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO, reinterpret_cast<BYTE*>(&s), sizeof s, &needed))
      return call_failed("QueryServiceStatusEx", GetLastError());
    if (s.dwCurrentState == wanted) return s.dwCurrentState;
    if (wanted == SERVICE_RUNNING && s.dwCurrentState == SERVICE_STOPPED) {
      const DWORD code = s.dwWin32ExitCode == ERROR_SERVICE_SPECIFIC_ERROR ? s.dwServiceSpecificExitCode : s.dwWin32ExitCode;
      return Error{"the AuthWatch service stopped while starting (exit code " + std::to_string(code) +
                   "); the Application log and `authwatch status` say why"};
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return Error{"the AuthWatch service did not reach the " + std::string(wanted == SERVICE_RUNNING ? "running" : "stopped") +
                   " state within " + std::to_string(timeout.count()) + " s (state " + std::to_string(s.dwCurrentState) + ")"};
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Result<void> register_event_source() {
  HKEY key = nullptr;
  LSTATUS rc = RegCreateKeyExW(HKEY_LOCAL_MACHINE, kEventSourceKey, 0, nullptr, 0, KEY_SET_VALUE, nullptr, &key, nullptr);
  if (rc != ERROR_SUCCESS) return call_failed("RegCreateKeyExW(HKLM\\...\\EventLog\\Application\\AuthWatch)", rc);
  const std::wstring exe = widen(this_executable());
  const DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
  rc = RegSetValueExW(key, L"EventMessageFile", 0, REG_EXPAND_SZ, reinterpret_cast<const BYTE*>(exe.c_str()),
                      static_cast<DWORD>((exe.size() + 1) * sizeof(wchar_t)));
  if (rc == ERROR_SUCCESS)
    rc = RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD, reinterpret_cast<const BYTE*>(&types), sizeof types);
  RegCloseKey(key);
  if (rc != ERROR_SUCCESS) return call_failed("RegSetValueExW(EventMessageFile/TypesSupported)", rc);
  return {};
}

// The SCM runs the registered program as LocalSystem: a folder or file that anyone but the
// administrators can change would let them replace it and run their code as SYSTEM.
Result<void> check_program_location(const std::string& exe) {
  const std::string folder = std::filesystem::path(exe).parent_path().string();
  const std::pair<std::string, win::ObjectKind> checked[] = {{folder, win::ObjectKind::Folder}, {exe, win::ObjectKind::File}};
  for (const auto& [path, kind] : checked) {
    auto access = win::who_can_change(path, kind);
    if (!access) return Error{"refusing to register " + exe + ": " + access.error()};
    if (!access.value().only_administrators())
      return Error{"refusing to register " + exe + ": " + (kind == win::ObjectKind::Folder ? "its folder " : "the program file ") + path + ": " +
                   access.value().describe() +
                   ". The service runs this program as LocalSystem, so whoever can change it could run their own code as SYSTEM. "
                   "Install AuthWatch in a folder only administrators can change (the MSI and Install-AuthWatch.ps1 use "
                   "%ProgramFiles%\\AuthWatch), or remove those rights"};
  }
  return {};
}

}  // namespace

Result<int> run_as_service(ServiceBody body) {
  g_service.body = &body;
  SERVICE_TABLE_ENTRYW table[] = {{const_cast<LPWSTR>(kServiceName), service_main}, {nullptr, nullptr}};
  if (!StartServiceCtrlDispatcherW(table)) return call_failed("StartServiceCtrlDispatcherW", GetLastError());
  return g_service.exit_code;
}

bool started_from_console(const Error& dispatcher_error) {
  return dispatcher_error.os == std::error_code(ERROR_FAILED_SERVICE_CONTROLLER_CONNECT, std::system_category());
}

Result<std::vector<std::string>> install_service(const InstallOptions& options) {
  if (auto location = check_program_location(this_executable()); !location) return Error{location.error()};
  std::vector<std::string> refused;
  if (!options.data_folder.empty()) {
    auto locked = win::lock_data_folder(options.data_folder);
    if (!locked) return Error{locked.error()};
    refused = std::move(locked).value();
  }
  if (!options.config_file.empty() && std::filesystem::exists(options.config_file))
    if (auto config = TrustedFile::open(options.config_file); !config) refused.push_back("the service will refuse its config: " + config.error());

  ScHandle scm(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE));
  if (!scm) return call_failed("OpenSCManagerW (run as an administrator)", GetLastError());
  std::wstring command = quoted(widen(this_executable()));
  for (const auto& arg : options.arguments) command += L" " + quoted(widen(arg));

  ScHandle service(CreateServiceW(scm.h, kServiceName, L"AuthWatch", SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                                  SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, command.c_str(), nullptr, nullptr, nullptr,
                                  nullptr /* LocalSystem */, nullptr));
  if (!service) {
    const DWORD error = GetLastError();
    if (error != ERROR_SERVICE_EXISTS) return call_failed("CreateServiceW(AuthWatch)", error);
    // Installed before: take the new command line and start type (an upgrade, a changed --config).
    service.h = OpenServiceW(scm.h, kServiceName, SERVICE_ALL_ACCESS);
    if (!service || !ChangeServiceConfigW(service.h, SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL,
                                          command.c_str(), nullptr, nullptr, nullptr, nullptr, nullptr, L"AuthWatch"))
      return call_failed("ChangeServiceConfigW(AuthWatch)", GetLastError());
  }

  // The rest are refinements: what Windows (or Wine: it stores no failure actions and knows no
  // delayed start, error 124) refuses is reported and does not undo the install.
  auto configure = [&](DWORD level, void* info, const char* what) {
    if (!ChangeServiceConfig2W(service.h, level, info)) refused.push_back(failed_call(what, GetLastError()));
  };
  SERVICE_DESCRIPTIONW description{const_cast<LPWSTR>(kDescription)};
  configure(SERVICE_CONFIG_DESCRIPTION, &description, "ChangeServiceConfig2W(description)");
  SERVICE_DELAYED_AUTO_START_INFO delayed{TRUE};  // after the boot's rush: the DCs and Exchange first
  configure(SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed, "ChangeServiceConfig2W(delayed automatic start)");
  SC_ACTION actions[] = {{SC_ACTION_RESTART, 60000}, {SC_ACTION_RESTART, 60000}, {SC_ACTION_NONE, 0}};
  SERVICE_FAILURE_ACTIONSW failure{24 * 60 * 60, nullptr, nullptr, 3, actions};
  configure(SERVICE_CONFIG_FAILURE_ACTIONS, &failure, "ChangeServiceConfig2W(restart on failure)");
  SERVICE_FAILURE_ACTIONS_FLAG on_error_exit{TRUE};  // also when it stops with an error code, not only on a crash
  configure(SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &on_error_exit, "ChangeServiceConfig2W(failure actions on error exits)");
  SERVICE_PRESHUTDOWN_INFO preshutdown{30000};
  configure(SERVICE_CONFIG_PRESHUTDOWN_INFO, &preshutdown, "ChangeServiceConfig2W(preshutdown timeout)");

  if (auto registered = register_event_source(); !registered) return registered.failure();
  return refused;
}

Result<void> uninstall_service(std::chrono::seconds stop_timeout) {
  ScHandle scm(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (!scm) return call_failed("OpenSCManagerW (run as an administrator)", GetLastError());
  ScHandle service(OpenServiceW(scm.h, kServiceName, DELETE | SERVICE_STOP | SERVICE_QUERY_STATUS));
  if (service) {
    SERVICE_STATUS status{};
    if (ControlService(service.h, SERVICE_CONTROL_STOP, &status)) {
      if (auto stopped = wait_for_state(service.h, SERVICE_STOPPED, stop_timeout); !stopped) return stopped.failure();
    }
    if (!DeleteService(service.h) && GetLastError() != ERROR_SERVICE_MARKED_FOR_DELETE)
      return call_failed("DeleteService(AuthWatch)", GetLastError());
  } else if (GetLastError() != ERROR_SERVICE_DOES_NOT_EXIST) {
    return call_failed("OpenServiceW(AuthWatch)", GetLastError());
  }
  const LSTATUS rc = RegDeleteTreeW(HKEY_LOCAL_MACHINE, kEventSourceKey);
  if (rc == ERROR_SUCCESS || rc == ERROR_FILE_NOT_FOUND) RegDeleteKeyW(HKEY_LOCAL_MACHINE, kEventSourceKey);
  else return call_failed("RegDeleteTreeW(HKLM\\...\\EventLog\\Application\\AuthWatch)", rc);
  return {};
}

Result<void> start_service(std::chrono::seconds timeout) {
  ScHandle scm(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (!scm) return call_failed("OpenSCManagerW", GetLastError());
  ScHandle service(OpenServiceW(scm.h, kServiceName, SERVICE_START | SERVICE_QUERY_STATUS));
  if (!service) return call_failed("OpenServiceW(AuthWatch) (is it installed?)", GetLastError());
  if (!StartServiceW(service.h, 0, nullptr) && GetLastError() != ERROR_SERVICE_ALREADY_RUNNING)
    return call_failed("StartServiceW(AuthWatch)", GetLastError());
  if (auto running = wait_for_state(service.h, SERVICE_RUNNING, timeout); !running) return running.failure();
  return {};
}

Result<void> stop_service(std::chrono::seconds timeout) {
  ScHandle scm(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (!scm) return call_failed("OpenSCManagerW", GetLastError());
  ScHandle service(OpenServiceW(scm.h, kServiceName, SERVICE_STOP | SERVICE_QUERY_STATUS));
  if (!service) return call_failed("OpenServiceW(AuthWatch) (is it installed?)", GetLastError());
  SERVICE_STATUS status{};
  if (!ControlService(service.h, SERVICE_CONTROL_STOP, &status) && GetLastError() != ERROR_SERVICE_NOT_ACTIVE)
    return call_failed("ControlService(AuthWatch, STOP)", GetLastError());
  if (auto stopped = wait_for_state(service.h, SERVICE_STOPPED, timeout); !stopped) return stopped.failure();
  return {};
}

std::string this_executable() {
  std::wstring path(32768, L'\0');
  const DWORD n = GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
  path.resize(n);
  return narrow(path);
}

}  // namespace authwatch::service

#pragma once
// Programs of the operating system that a command names bare, resolved to where the system keeps
// them instead of through PATH. On Windows the service runs as LocalSystem: a PATH search would
// run the first powershell.exe found in any folder on the machine's PATH (some installers add
// folders users can write to), so powershell.exe (the default queue and ServerWideOffline
// commands) and cmd.exe (--queue-command's shell) always come from the real system folder.
// Implementations: service/win/system_program.cpp, service/posix/system_program.cpp.
#include <optional>
#include <string>

namespace authwatch::service {

// Windows: "powershell"/"powershell.exe" (any case) -> GetSystemDirectoryW()\WindowsPowerShell\v1.0\powershell.exe,
// "cmd"/"cmd.exe" -> GetSystemDirectoryW()\cmd.exe; anything else (also any name with a folder in it): nullopt.
// POSIX: always nullopt (a command names /bin/sh or is looked up in the service's PATH).
std::optional<std::string> system_program(const std::string& name);

}  // namespace authwatch::service

#include "cli/platform.hpp"

#include <io.h>
#include <shlobj.h>
#include <windows.h>

#include <cstdlib>
#include <filesystem>

namespace authwatch::cli {

std::string default_database_path() {
  if (const char* env = std::getenv("AUTHWATCH_DB"); env && *env) return env;
  // The known folder, not %ProgramData%: a service's environment need not carry it (Wine gives
  // services C:\users\Public there), and the CLI must find the database the service writes.
  std::filesystem::path folder = "C:\\ProgramData";
  wchar_t* known = nullptr;
  if (SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &known) == S_OK && known) folder = known;
  CoTaskMemFree(known);
  return (folder / "AuthWatch" / "authwatch.db").string();
}

bool stderr_is_terminal() { return _isatty(_fileno(stderr)) != 0; }

size_t stdout_terminal_columns() {
  CONSOLE_SCREEN_BUFFER_INFO info{};
  if (_isatty(_fileno(stdout)) == 0 || !GetConsoleScreenBufferInfo(GetStdHandle(STD_OUTPUT_HANDLE), &info)) return 0;
  return static_cast<size_t>(info.srWindow.Right - info.srWindow.Left + 1);
}

}  // namespace authwatch::cli

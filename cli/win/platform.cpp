#include "cli/platform.hpp"

#include <io.h>
#include <windows.h>

#include <cstdio>

namespace authwatch::cli {

bool stderr_is_terminal() { return _isatty(_fileno(stderr)) != 0; }

size_t stdout_terminal_columns() {
  CONSOLE_SCREEN_BUFFER_INFO info{};
  if (_isatty(_fileno(stdout)) == 0 || !GetConsoleScreenBufferInfo(GetStdHandle(STD_OUTPUT_HANDLE), &info)) return 0;
  return static_cast<size_t>(info.srWindow.Right - info.srWindow.Left + 1);
}

}  // namespace authwatch::cli

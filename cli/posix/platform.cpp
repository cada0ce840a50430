#include "cli/platform.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

namespace authwatch::cli {

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

size_t stdout_terminal_columns() {
  winsize size{};
  if (::isatty(STDOUT_FILENO) != 1 || ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

}  // namespace authwatch::cli

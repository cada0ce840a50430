#include "cli/platform.hpp"

#include <unistd.h>

#include <cstdlib>

namespace authwatch::cli {

std::string default_database_path() {
  if (const char* env = std::getenv("AUTHWATCH_DB"); env && *env) return env;
  return "authwatch.db";
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace authwatch::cli

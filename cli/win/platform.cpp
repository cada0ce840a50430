#include "cli/platform.hpp"

#include <io.h>
#include <windows.h>

#include <cstdlib>

namespace authwatch::cli {

std::string default_database_path() {
  if (const char* env = std::getenv("AUTHWATCH_DB"); env && *env) return env;
  const char* program_data = std::getenv("ProgramData");
  return std::string(program_data && *program_data ? program_data : "C:\\ProgramData") + "\\AuthWatch\\authwatch.db";
}

bool stderr_is_terminal() { return _isatty(_fileno(stderr)) != 0; }

}  // namespace authwatch::cli

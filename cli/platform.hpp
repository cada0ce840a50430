#pragma once
// What the CLI needs from the OS, one header; implementations in posix/ and win/.
#include <string>

namespace authwatch::cli {

// %ProgramData%\AuthWatch\authwatch.db on Windows; $AUTHWATCH_DB or ./authwatch.db elsewhere.
std::string default_database_path();

// Progress lines are drawn only for a person watching.
bool stderr_is_terminal();

}  // namespace authwatch::cli

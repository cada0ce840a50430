#pragma once
// What the CLI needs from the OS, one header; implementations in posix/ and win/.
#include <cstddef>
#include <string>

namespace authwatch::cli {

// %ProgramData%\AuthWatch\authwatch.db on Windows; $AUTHWATCH_DB or ./authwatch.db elsewhere.
std::string default_database_path();

// Progress lines are drawn only for a person watching.
bool stderr_is_terminal();

// The width of the terminal standard output is, or 0 when it is not a terminal.
size_t stdout_terminal_columns();

}  // namespace authwatch::cli

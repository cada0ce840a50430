#pragma once
// What the CLI needs from the terminal, one header; implementations in posix/ and win/. (The
// default database path, which the service shares, is app/paths.hpp.)
#include <cstddef>
#include <string>

namespace authwatch::cli {

// Progress lines are drawn only for a person watching.
bool stderr_is_terminal();

// The width of the terminal standard output is, or 0 when it is not a terminal.
size_t stdout_terminal_columns();

}  // namespace authwatch::cli

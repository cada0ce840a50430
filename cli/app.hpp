#pragma once
#include <ostream>

namespace authwatch::cli {

// The whole CLI as a function, so tests run it in-process with their own streams.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace authwatch::cli

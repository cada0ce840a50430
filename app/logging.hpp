#pragma once
#include <ostream>

namespace authwatch::app {

// Boost.Log to `err`: warnings and errors by default, info/debug with --verbose (twice: trace),
// errors only with --quiet.
void init_logging(std::ostream& err, int verbosity, bool quiet);

}  // namespace authwatch::app

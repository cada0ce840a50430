// POSIX: a reader never stops a writer from renaming or deleting; "e" is O_CLOEXEC, so a command
// the monitor runs does not inherit the descriptor.
#include <cstdio>

#include "sources/shared_file.hpp"

namespace authwatch::sources {

FilePtr open_shared(const std::string& path) { return FilePtr(std::fopen(path.c_str(), "rbe")); }

}  // namespace authwatch::sources

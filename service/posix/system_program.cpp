// POSIX: no program is special; the service's PATH is the one its unit or init system sets.
#include "service/system_program.hpp"

namespace authwatch::service {

std::optional<std::string> system_program(const std::string&) { return std::nullopt; }

}  // namespace authwatch::service

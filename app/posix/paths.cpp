#include "app/paths.hpp"

namespace authwatch::app {

std::string platform_database_path() { return "authwatch.db"; }

}  // namespace authwatch::app

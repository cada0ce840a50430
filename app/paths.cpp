#include "app/paths.hpp"

#include <cstdlib>

namespace authwatch::app {

const char* process_environment(const char* name) { return std::getenv(name); }

std::string default_database_path(const EnvironmentLookup& env) {
  if (const char* value = env("AUTHWATCH_DB"); value && *value) return value;
  return platform_database_path();
}

std::string database_path(const std::string& flag, const std::string& configured, const EnvironmentLookup& env) {
  if (!flag.empty()) return flag;
  if (!configured.empty()) return configured;
  return default_database_path(env);
}

}  // namespace authwatch::app

// The database path rule both executables follow (app/paths.hpp): --db, else database.path, else
// $AUTHWATCH_DB when set and not empty, else the platform's place. Until issue 13 the service
// took an empty AUTHWATCH_DB as the database's name while the CLI ignored it.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "app/paths.hpp"

using namespace authwatch;

namespace {

// An environment of our own: the process's is left alone, so tests may run in parallel.
app::EnvironmentLookup environment(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(DatabasePath, TheFlagWinsOverTheConfigAndTheEnvironment) {
  EXPECT_EQ(app::database_path("flag.db", "config.db", environment({{"AUTHWATCH_DB", "env.db"}})), "flag.db");
}

TEST(DatabasePath, TheConfigWinsOverTheEnvironment) {
  EXPECT_EQ(app::database_path("", "config.db", environment({{"AUTHWATCH_DB", "env.db"}})), "config.db");
}

TEST(DatabasePath, TheEnvironmentWhenNothingElseNamesOne) {
  EXPECT_EQ(app::database_path("", "", environment({{"AUTHWATCH_DB", "/var/lib/authwatch/env.db"}})), "/var/lib/authwatch/env.db");
}

TEST(DatabasePath, AnEmptyAuthwatchDbCountsAsUnset) {
  EXPECT_EQ(app::database_path("", "", environment({{"AUTHWATCH_DB", ""}})), app::platform_database_path());
  EXPECT_EQ(app::default_database_path(environment({{"AUTHWATCH_DB", ""}})), app::platform_database_path());
}

TEST(DatabasePath, ThePlatformsPlaceWithoutAuthwatchDb) {
  EXPECT_EQ(app::database_path("", "", environment({})), app::platform_database_path());
#ifdef _WIN32
  EXPECT_NE(app::platform_database_path().find("\\AuthWatch\\authwatch.db"), std::string::npos) << app::platform_database_path();
#else
  EXPECT_EQ(app::platform_database_path(), "authwatch.db");
#endif
}

TEST(DatabasePath, TheProcessEnvironmentIsTheDefault) {
  // process_environment is std::getenv: a variable every test runner sets.
  ASSERT_NE(app::process_environment("PATH"), nullptr);
  EXPECT_EQ(app::process_environment("AUTHWATCH_NO_SUCH_VARIABLE_SET_ANYWHERE"), nullptr);
}

}  // namespace

#pragma once
// Where the database is, for both executables: one rule, so `authwatch` finds the database
// `authwatch-service` writes. Implementations of the platform's place: app/posix, app/win.
#include <functional>
#include <string>

namespace authwatch::app {

// Reads one environment variable; nullptr when it is not set (std::getenv; tests pass their own).
using EnvironmentLookup = std::function<const char*(const char* name)>;
const char* process_environment(const char* name);

// The platform's place for the database: ./authwatch.db on POSIX; on Windows
// %ProgramData%\AuthWatch\authwatch.db, the known folder (SHGetKnownFolderPath), not the
// environment variable, which a service's environment need not carry.
std::string platform_database_path();

#ifdef _WIN32
// %ProgramData%\AuthWatch by the known folder: the service's data folder, which it locks down
// (service/win/data_folder.hpp), and the database's folder.
std::string data_folder();
#endif

// The database when no --db and no database.path name one: $AUTHWATCH_DB when it is set and not
// empty (an empty AUTHWATCH_DB counts as unset), else platform_database_path().
std::string default_database_path(const EnvironmentLookup& env = process_environment);

// The database file: --db (`flag`), else the config's database.path (`configured`), else
// default_database_path(env). Empty values count as not given.
std::string database_path(const std::string& flag, const std::string& configured,
                          const EnvironmentLookup& env = process_environment);

}  // namespace authwatch::app

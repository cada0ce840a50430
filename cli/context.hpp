#pragma once
// What every command shares: streams, global options, and the database/config they name.
#include <memory>
#include <ostream>
#include <string>

#include "cli/output.hpp"
#include "core/config.hpp"
#include "core/incident.hpp"
#include "storage/database.hpp"
#include "storage/store.hpp"

namespace authwatch::cli {

struct Context {
  Context(std::ostream& out_stream, std::ostream& err_stream) : out(out_stream), err(err_stream) {}

  std::ostream& out;
  std::ostream& err;
  std::string db_path;      // --db, else config, else the platform default
  std::string config_path;  // --config
  std::string format_name = "table";
  int verbosity = 0;
  bool quiet = false;
  int exit_code = 0;

  OutputFormat format() const;
  // Reads and validates --config (defaults without one); problems are printed, nullptr returned.
  const Config* config();
  // Opens the database; on failure prints the reason and returns nullptr.
  std::unique_ptr<storage::Database> open_database(storage::Database::Mode mode);
  // The database --db names, else the config's, else the platform default.
  std::string database_path();
  std::unique_ptr<storage::Database> open_database_at(const std::string& path, storage::Database::Mode mode);

 private:
  std::unique_ptr<Config> config_;
};

}  // namespace authwatch::cli

#pragma once
// The AuthWatch database: one SQLite file (WAL), schema created and upgraded by numbered
// migrations. pimpl keeps SQLiteCpp out of every other part's headers.
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace SQLite { class Database; }

namespace authwatch::storage {

// The schema version this binary writes. A database with a newer version is refused.
int latest_schema_version();

class Database {
 public:
  enum class Mode { ReadWrite, ReadOnly };

  // ReadWrite creates the file (and its folder) and applies pending migrations.
  // ReadOnly never writes: a missing file, or a schema older or newer than this binary's, is an Error.
  static Result<std::unique_ptr<Database>> open(const std::string& path, Mode mode);
  ~Database();

  int schema_version() const;
  const std::string& path() const;
  bool read_only() const;

  // Runs fn in one transaction (BEGIN IMMEDIATE ... COMMIT); rolls back when fn throws.
  void transaction(const std::function<void()>& fn);

  SQLite::Database& sqlite();  // for the stores in this folder only

 private:
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace authwatch::storage

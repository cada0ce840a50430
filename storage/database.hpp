#pragma once
// The AuthWatch database: one SQLite file (WAL), schema created and upgraded by numbered
// migrations. pimpl keeps SQLiteCpp out of every other part's headers.
//
// The monitor keeps one Database for its whole life and lives through its failures: connect()
// (re)opens the file, disconnect() drops a connection that failed, and while it is not connected
// every use throws DatabaseError (storage/database_failure.hpp) with the kind of failure that left it so, so the stores and the
// references to this object stay valid across a reconnect.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "storage/database_failure.hpp"

namespace SQLite { class Database; }

namespace authwatch::storage {

// The schema version this binary writes. A database with a newer version is refused.
int latest_schema_version();

struct OpenOptions {
  // How long a write waits for another connection's write lock before SQLITE_BUSY
  // (config database.busy_timeout_ms).
  std::chrono::milliseconds busy_timeout{5000};
};

// Why connect() failed.
struct ConnectFailure {
  DatabaseFailure kind = DatabaseFailure::Unavailable;
  std::string message;  // names the file
};

class Database {
 public:
  enum class Mode { ReadWrite, ReadOnly };

  // ReadWrite creates the file (and its folder) and applies pending migrations.
  // ReadOnly never writes: a missing file, or a schema older or newer than this binary's, is an Error.
  static Result<std::unique_ptr<Database>> open(const std::string& path, Mode mode, OpenOptions options = {});
  // A read-write database not connected yet: connect() opens it.
  static std::unique_ptr<Database> unconnected(const std::string& path, OpenOptions options = {});
  ~Database();

  // (Re)opens the file as open() does (ReadWrite: created when missing, migrations applied).
  // nullopt when connected; else it stays unconnected and says why.
  std::optional<ConnectFailure> connect();
  // Drops the connection (after a failure that a fresh connection may not have); `kind` and `why`
  // are what every use throws until connect() succeeds.
  void disconnect(DatabaseFailure kind, const std::string& why);
  bool connected() const;

  int schema_version() const;
  const std::string& path() const;
  bool read_only() const;

  // Runs fn in one transaction (BEGIN IMMEDIATE ... COMMIT); rolls back when fn throws. Inside a
  // transaction: a savepoint, so fn's writes go back alone when it throws.
  void transaction(const std::function<void()>& fn);

  // True when the file at path() is no longer the one this connection has open: deleted, or
  // replaced by another file (POSIX; SQLite does not notice that by itself in WAL mode and goes
  // on writing to the unlinked file).
  bool file_moved();
  // Writes a consistent copy of everything committed (the backup API) to a new file at `path`.
  // Works while the open file is unlinked. Throws on failure.
  void save_copy(const std::string& path);
  // PRAGMA quick_check: "" when the file is sound, else the first problems SQLite names. Throws
  // when the check itself cannot run (a damaged header).
  std::string integrity_problems();

  SQLite::Database& sqlite();  // for the stores in this folder only; throws DatabaseError when not connected

 private:
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace authwatch::storage

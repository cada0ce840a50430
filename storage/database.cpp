#include "storage/database.hpp"

#include <filesystem>
#include <optional>
#include <system_error>

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include "core/utf8.hpp"
#include "storage/connection.hpp"
#include "storage/migrations.hpp"

namespace authwatch::storage {
namespace fs = std::filesystem;

SQLite::Statement& Connection::statement(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    std::string text(sql);
    auto prepared = std::make_unique<SQLite::Statement>(*this, text);
    it = statements_.emplace(std::move(text), std::move(prepared)).first;
  }
  it->second->reset();
  it->second->clearBindings();
  return *it->second;
}

struct Database::Impl {
  std::unique_ptr<Connection> connection;  // null while not connected
  std::string path;
  Mode mode;
  int version = 0;
  OpenOptions options;
  ConnectFailure unavailable{DatabaseFailure::Unavailable, "not connected yet"};  // why, while not connected
};

namespace {

// The file carries our migration log, or is a brand-new empty database we may initialise.
bool belongs_to_authwatch(SQLite::Database& db) {
  if (db.tableExists("schema_migrations")) return true;
  return db.execAndGet("SELECT count(*) FROM sqlite_master").getInt() == 0;
}

std::string newer_schema_message(const std::string& path, int version) {
  return path + ": schema version " + std::to_string(version) + " is newer than this AuthWatch (knows up to " +
         std::to_string(latest_schema_version()) + "); upgrade AuthWatch";
}

std::string no_database_message(const std::string& path) {
  return path + ": no AuthWatch database here (run `authwatch scan` first)";
}

// Everything up to the first write is a read, so a file we refuse is left exactly as it was:
// the version check comes before journal_mode=WAL, which rewrites the file header.
struct OpenedFile {
  std::unique_ptr<Connection> connection;
  int version = 0;
};

struct Opening {
  std::optional<OpenedFile> opened;
  ConnectFailure failure;
};

Opening refused(DatabaseFailure kind, std::string message) { return {std::nullopt, {kind, std::move(message)}}; }

Opening open_connection(const std::string& path, Database::Mode mode, const OpenOptions& options) {
  const bool read_only = mode == Database::Mode::ReadOnly;
  std::error_code ec;
  if (read_only) {
    if (!fs::exists(path, ec)) return refused(DatabaseFailure::Unavailable, no_database_message(path));
  } else if (auto folder = fs::path(path).parent_path(); !folder.empty()) {
    fs::create_directories(folder, ec);
    if (ec) return refused(DatabaseFailure::Unavailable, path + ": cannot create the folder " + folder.string() + ": " + ec.message());
  }
  const int flags = read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE;
  OpenedFile opened{std::make_unique<Connection>(path, flags)};
  auto& db = *opened.connection;
  db.exec("PRAGMA busy_timeout = " + std::to_string(options.busy_timeout.count()));

  const int version = read_schema_version(db);  // the first read: fails here for a non-SQLite file
  if (version > latest_schema_version()) return refused(DatabaseFailure::Refused, newer_schema_message(path, version));
  if (!belongs_to_authwatch(db))
    return refused(DatabaseFailure::Refused, path + ": an SQLite database of another program (it has no schema_migrations table); "
                                                    "AuthWatch will not use it");

  db.exec("PRAGMA foreign_keys = ON");
  if (read_only) {
    if (version == 0 && !db.tableExists("schema_migrations")) return refused(DatabaseFailure::Unavailable, no_database_message(path));
    if (version < latest_schema_version())
      return refused(DatabaseFailure::Refused,
                     path + ": schema version " + std::to_string(version) + " is older than this AuthWatch's (" +
                         std::to_string(latest_schema_version()) +
                         "); run a command that writes (such as `authwatch scan` or the service) once to upgrade it");
    db.exec("PRAGMA query_only = ON");
  } else {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    apply_pending_migrations(db);
  }
  opened.version = read_schema_version(db);
  return {std::move(opened), {}};
}

Opening try_open(const std::string& path, Database::Mode mode, const OpenOptions& options) {
  try {
    return open_connection(path, mode, options);
  } catch (const SQLite::Exception& e) {
    const auto kind = database_failure(e);
    return refused(kind == DatabaseFailure::None ? DatabaseFailure::Unavailable : kind,
                   path + ": cannot open the AuthWatch database: " + e.what());
  } catch (const std::exception& e) {
    const auto kind = database_failure(e);
    return refused(kind == DatabaseFailure::None ? DatabaseFailure::Unavailable : kind, path + ": " + e.what());
  }
}

}  // namespace

Result<std::unique_ptr<Database>> Database::open(const std::string& path, Mode mode, OpenOptions options) {
  auto opening = try_open(path, mode, options);
  if (!opening.opened) return Error{opening.failure.kind, opening.failure.message};
  auto impl = std::make_unique<Impl>();
  impl->connection = std::move(opening.opened->connection);
  impl->path = path;
  impl->mode = mode;
  impl->version = opening.opened->version;
  impl->options = options;
  return std::unique_ptr<Database>(new Database(std::move(impl)));
}

std::unique_ptr<Database> Database::unconnected(const std::string& path, OpenOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->mode = Mode::ReadWrite;
  impl->options = options;
  return std::unique_ptr<Database>(new Database(std::move(impl)));
}

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;

std::optional<ConnectFailure> Database::connect() {
  impl_->connection.reset();  // a new connection, never two on one file in this process
  auto opening = try_open(impl_->path, impl_->mode, impl_->options);
  if (!opening.opened) {
    impl_->unavailable = opening.failure;
    return opening.failure;
  }
  impl_->connection = std::move(opening.opened->connection);
  impl_->version = opening.opened->version;
  return std::nullopt;
}

void Database::disconnect(DatabaseFailure kind, const std::string& why) {
  impl_->connection.reset();
  impl_->unavailable = {kind, why};
}

bool Database::connected() const { return impl_->connection != nullptr; }

int Database::schema_version() const { return impl_->version; }
const std::string& Database::path() const { return impl_->path; }
bool Database::read_only() const { return impl_->mode == Mode::ReadOnly; }

SQLite::Database& Database::sqlite() {
  if (!impl_->connection) throw DatabaseError(impl_->unavailable.kind, impl_->path + ": the database is not open: " + impl_->unavailable.message);
  return *impl_->connection;
}

bool Database::file_moved() {
  int moved = 0;
  if (sqlite3_file_control(sqlite().getHandle(), "main", SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK) return false;
  return moved != 0;
}

void Database::save_copy(const std::string& path) {
  auto& source = sqlite();
  SQLite::Database target(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  sqlite3_backup* backup = sqlite3_backup_init(target.getHandle(), "main", source.getHandle(), "main");
  if (!backup) throw SQLite::Exception(target.getHandle(), sqlite3_errcode(target.getHandle()));
  const int stepped = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (stepped != SQLITE_DONE) throw SQLite::Exception(path + ": cannot write a copy of the database: " + sqlite3_errstr(stepped), stepped);
}

std::string Database::integrity_problems() {
  SQLite::Statement check(sqlite(), "PRAGMA quick_check(5)");
  std::string problems;
  while (check.executeStep()) {
    const std::string row = check.getColumn(0).getString();
    if (row == "ok") continue;
    if (!problems.empty()) problems += "; ";
    problems += utf8_excerpt(row, 300);
  }
  return problems;
}

void Database::transaction(const std::function<void()>& fn) {
  auto& db = static_cast<SQLite::Database&>(sqlite());
  // Inside an open transaction (a store method that batches, called from the caller's batch) a
  // savepoint gives the inner part its own rollback without ending the outer transaction.
  if (sqlite3_get_autocommit(db.getHandle()) == 0) {
    db.exec("SAVEPOINT authwatch_nested");
    try {
      fn();
      db.exec("RELEASE authwatch_nested");
    } catch (...) {
      db.tryExec("ROLLBACK TO authwatch_nested");
      db.tryExec("RELEASE authwatch_nested");
      throw;
    }
    return;
  }
  // IMMEDIATE takes the write lock up front, so a batch waits for another writer (busy_timeout)
  // instead of failing half-way with SQLITE_BUSY on its first write. A read-only connection
  // cannot take it and has nothing to write.
  db.exec(read_only() ? "BEGIN" : "BEGIN IMMEDIATE");
  try {
    fn();
    db.exec("COMMIT");
  } catch (...) {
    // The connection may have been dropped by fn (a failure it could not live with).
    if (connected()) sqlite().tryExec("ROLLBACK");
    throw;
  }
}

}  // namespace authwatch::storage

#include "storage/database.hpp"

#include <filesystem>
#include <system_error>

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

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
  std::unique_ptr<Connection> connection;
  std::string path;
  Mode mode;
  int version;
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

Result<OpenedFile> open_connection(const std::string& path, Database::Mode mode) {
  const bool read_only = mode == Database::Mode::ReadOnly;
  std::error_code ec;
  if (read_only) {
    if (!fs::exists(path, ec)) return Error{no_database_message(path)};
  } else if (auto folder = fs::path(path).parent_path(); !folder.empty()) {
    fs::create_directories(folder, ec);
    if (ec) return Error{path + ": cannot create the folder " + folder.string() + ": " + ec.message()};
  }
  const int flags = read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE;
  OpenedFile opened{std::make_unique<Connection>(path, flags)};
  auto& db = *opened.connection;
  db.exec("PRAGMA busy_timeout = 5000");

  const int version = read_schema_version(db);  // the first read: fails here for a non-SQLite file
  if (version > latest_schema_version()) return Error{newer_schema_message(path, version)};
  if (!belongs_to_authwatch(db))
    return Error{path + ": an SQLite database of another program (it has no schema_migrations table); "
                        "AuthWatch will not use it"};

  db.exec("PRAGMA foreign_keys = ON");
  if (read_only) {
    if (version == 0 && !db.tableExists("schema_migrations")) return Error{no_database_message(path)};
    if (version < latest_schema_version())
      return Error{path + ": schema version " + std::to_string(version) + " is older than this AuthWatch's (" +
                   std::to_string(latest_schema_version()) +
                   "); run a command that writes (such as `authwatch scan` or the service) once to upgrade it"};
    db.exec("PRAGMA query_only = ON");
  } else {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    apply_pending_migrations(db);
  }
  opened.version = read_schema_version(db);
  return opened;
}

}  // namespace

Result<std::unique_ptr<Database>> Database::open(const std::string& path, Mode mode) {
  try {
    auto opened = open_connection(path, mode);
    if (!opened) return Error{opened.error()};
    auto impl = std::make_unique<Impl>(Impl{std::move(opened.value().connection), path, mode, opened.value().version});
    return std::unique_ptr<Database>(new Database(std::move(impl)));
  } catch (const SQLite::Exception& e) {
    return Error{path + ": cannot open the AuthWatch database: " + e.what()};
  } catch (const std::exception& e) {
    return Error{path + ": " + e.what()};
  }
}

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;

int Database::schema_version() const { return impl_->version; }
const std::string& Database::path() const { return impl_->path; }
bool Database::read_only() const { return impl_->mode == Mode::ReadOnly; }
SQLite::Database& Database::sqlite() { return *impl_->connection; }

void Database::transaction(const std::function<void()>& fn) {
  auto& db = *impl_->connection;
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
    db.tryExec("ROLLBACK");
    throw;
  }
}

}  // namespace authwatch::storage

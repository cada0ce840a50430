#include "storage/database_failure.hpp"

#include <new>

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

namespace authwatch::storage {

DatabaseFailure database_failure(const std::exception& e) {
  if (const auto* known = dynamic_cast<const DatabaseError*>(&e)) return known->kind();
  if (dynamic_cast<const std::bad_alloc*>(&e)) return DatabaseFailure::OutOfMemory;
  const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&e);
  if (!sqlite) return DatabaseFailure::None;
  // The primary code: SQLiteCpp reports the extended one where it has it (SQLITE_IOERR_WRITE, ...).
  const int code = (sqlite->getErrorCode() >= 0 ? sqlite->getErrorCode() : sqlite->getExtendedErrorCode()) & 0xff;
  switch (code) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DatabaseFailure::Busy;
    case SQLITE_FULL: return DatabaseFailure::Full;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH: return DatabaseFailure::ReadOnly;
    case SQLITE_CORRUPT: return DatabaseFailure::Corrupt;
    case SQLITE_NOTADB: return DatabaseFailure::NotADatabase;
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL: return DatabaseFailure::Io;
    case SQLITE_CANTOPEN:
    case SQLITE_MISUSE: return DatabaseFailure::Unavailable;
    case SQLITE_NOMEM: return DatabaseFailure::OutOfMemory;
    // SQLITE_CONSTRAINT, SQLITE_TOOBIG, SQLITE_MISMATCH, SQLITE_RANGE, SQLITE_ERROR (a statement
    // that does not fit the data): the record's or the code's, not the database's.
    default: return DatabaseFailure::None;
  }
}

DatabaseFailure database_failure(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& caught) {
    return database_failure(caught);
  } catch (...) {
    return DatabaseFailure::None;
  }
}

std::string_view failure_name(DatabaseFailure kind) {
  switch (kind) {
    case DatabaseFailure::None: return "not a database failure";
    case DatabaseFailure::Busy: return "busy";
    case DatabaseFailure::Full: return "full";
    case DatabaseFailure::ReadOnly: return "read-only";
    case DatabaseFailure::Corrupt: return "damaged";
    case DatabaseFailure::NotADatabase: return "not a database";
    case DatabaseFailure::Io: return "I/O error";
    case DatabaseFailure::Unavailable: return "unavailable";
    case DatabaseFailure::OutOfMemory: return "out of memory";
    case DatabaseFailure::Refused: return "refused";
  }
  return "unknown";
}

namespace {
class DatabaseCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "authwatch.database"; }
  std::string message(int value) const override { return std::string(failure_name(static_cast<DatabaseFailure>(value))); }
};
}  // namespace

const std::error_category& database_category() {
  static const DatabaseCategory category;
  return category;
}

}  // namespace authwatch::storage

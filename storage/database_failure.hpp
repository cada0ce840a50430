#pragma once
// Why a database operation failed, as far as the caller must know it: is the database itself
// unusable now (busy, full, read-only, damaged, gone: every other operation would fail the same
// way, and retrying later is the cure), or was it this one record or this one piece of code
// (anything else: the record is quarantined, the step is retried)? The monitor decides what to do
// from the kind (service/database_keeper.hpp); SQLiteCpp stays inside storage/.
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace authwatch::storage {

enum class DatabaseFailure {
  None,         // not the database's: a record that cannot be stored, a bug, a JSON error
  Busy,         // another connection held the write lock past the busy timeout (SQLITE_BUSY, SQLITE_LOCKED)
  Full,         // the disk or its quota is full (SQLITE_FULL)
  ReadOnly,     // the file or its folder cannot be written (SQLITE_READONLY, SQLITE_PERM)
  Corrupt,      // a damaged page or schema (SQLITE_CORRUPT)
  NotADatabase, // the file is not an SQLite database at all (SQLITE_NOTADB): maybe not ours, never touched
  Io,           // the operating system failed a read or write (SQLITE_IOERR: a dying disk, a read-only remount)
  Unavailable,  // not connected, or the file cannot be opened (SQLITE_CANTOPEN)
  OutOfMemory,  // SQLITE_NOMEM, std::bad_alloc
  Refused,      // a newer schema or another program's database: an administrator's decision, no retry helps
};

// A failure whose kind is known without SQLite's code: a Database that is not connected
// (storage/database.hpp) throws it with the kind of the failure that left it so.
class DatabaseError : public std::runtime_error {
 public:
  DatabaseError(DatabaseFailure kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  DatabaseFailure kind() const { return kind_; }

 private:
  DatabaseFailure kind_;
};

DatabaseFailure database_failure(const std::exception& e);
DatabaseFailure database_failure(const std::exception_ptr& e);
// "busy", "full", "read-only", "damaged", "not a database", "I/O error", "unavailable", "out of memory", "refused".
std::string_view failure_name(DatabaseFailure kind);

// The kind as an Error's code (core/result.hpp): Database::open's Error and the monitor's carry it.
// None is never an Error's code (it is 0, std::error_code's "no error").
const std::error_category& database_category();
inline std::error_code make_error_code(DatabaseFailure kind) { return {static_cast<int>(kind), database_category()}; }

}  // namespace authwatch::storage

template <>
struct std::is_error_code_enum<authwatch::storage::DatabaseFailure> : std::true_type {};

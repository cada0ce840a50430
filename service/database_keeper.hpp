#pragma once
// What the monitor does when its database fails (README, "When the database fails"). The monitor
// never stops for its database: a pass that meets a failure skips its other database steps and
// the next pass tries again. By kind (storage/database_failure.hpp):
// - busy, full, out of memory: the connection is fine; nothing to do but try again next pass.
// - read-only, I/O error, unavailable: the connection is dropped and opened afresh, at most every
//   kRetry (a remounted file system, a changed permission, a replaced disk are then picked up).
// - damaged (SQLITE_CORRUPT): PRAGMA quick_check decides. When it finds damage, the file (with
//   its -wal and -shm) is moved aside to "<db>.corrupt-<UTC time>" and a new database is started,
//   so monitoring goes on at once; the sources read their files again from the start, so the
//   incidents are rebuilt from the evidence still on disk, and the rest of the history stays in
//   the moved file, which the alert names. When it finds none, it is retried like an I/O error.
// - not an SQLite database, a newer schema, another program's database: never touched; retried
//   (an administrator moves it away or fixes database.path).
// - the file deleted while the monitor runs (SQLite goes on writing to the unlinked file and would
//   lose everything at the next start): written back from the open connection, nothing lost.
//   Replaced by another file: the monitor's copy is kept as "<db>.replaced-<UTC time>" and the new
//   file is used.
#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "storage/database.hpp"

namespace authwatch::service {

class DatabaseKeeper {
 public:
  static constexpr std::chrono::seconds kRetry{10};  // between attempts to open a database that failed

  DatabaseKeeper(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // What happened to the database file itself, for a health alert and `authwatch status`.
  struct Event {
    std::string message;
    nlohmann::json details;
    bool new_database = false;  // the monitor now writes to a database without the old one's content
  };

  // The first connection (Monitor::open). A damaged file is moved aside at once; any other
  // failure leaves the database unconnected for keep() to retry.
  std::optional<storage::ConnectFailure> open(std::optional<Event>& event);
  // At the start of each pass. Connects when not connected and a retry is due; notices a deleted
  // or replaced file.
  std::optional<Event> keep();
  // Throws storage::DatabaseError (the last failure's kind) while the database cannot be used, so
  // the pass's first step reports it like any other database failure.
  void check_usable() const;
  // A step met the database's own failure (not a record's). Decides what to do with the
  // connection; a damaged file may be moved aside (the Event says so).
  std::optional<Event> failed(storage::DatabaseFailure kind, const std::string& error);

  bool usable() const { return db_.connected(); }

 private:
  std::optional<Event> connect_now();
  std::optional<Event> move_aside(const std::string& why);
  std::optional<Event> write_back_deleted();
  std::string aside_name(const char* what) const;

  storage::Database& db_;
  const Clock& clock_;
  SteadyTime retry_at_{};  // clock_.steady_now(): a wall clock stepped back does not hold the retry off
  std::optional<storage::ConnectFailure> last_failure_;
};

}  // namespace authwatch::service

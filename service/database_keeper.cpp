#include "service/database_keeper.hpp"

#include <filesystem>
#include <system_error>

#include <boost/log/trivial.hpp>

namespace authwatch::service {
namespace fs = std::filesystem;
using storage::DatabaseFailure;

namespace {

constexpr const char* kCompanions[] = {"-wal", "-shm"};

// "2026-11-30T10:15:00.123Z" -> "20261130T101500Z": a file name part on every system.
std::string compact_time(TimePoint t) {
  std::string out;
  for (char c : format_iso8601(t).substr(0, 19))
    if (c != '-' && c != ':') out.push_back(c);
  return out + "Z";
}

}  // namespace

std::string DatabaseKeeper::aside_name(const char* what) const {
  const std::string base = db_.path() + "." + what + "-" + compact_time(clock_.now());
  std::string name = base;
  std::error_code ec;
  for (int n = 2; fs::exists(name, ec); ++n) name = base + "-" + std::to_string(n);
  return name;
}

std::optional<storage::ConnectFailure> DatabaseKeeper::open(std::optional<Event>& event) {
  if (auto e = connect_now()) event = std::move(e);
  return last_failure_;
}

void DatabaseKeeper::check_usable() const {
  if (db_.connected()) return;
  const auto& f = last_failure_ ? *last_failure_ : storage::ConnectFailure{};
  throw storage::DatabaseError(f.kind, f.message);
}

std::optional<DatabaseKeeper::Event> DatabaseKeeper::keep() {
  if (!db_.connected()) {
    if (clock_.steady_now() < retry_at_) return std::nullopt;
    return connect_now();
  }
  if (!db_.file_moved()) return std::nullopt;
  std::error_code ec;
  if (!fs::exists(db_.path(), ec)) return write_back_deleted();
  // Another file under the name: the administrator's. Ours is kept beside it, theirs is used.
  const std::string aside = aside_name("replaced");
  try {
    db_.save_copy(aside);
  } catch (const std::exception& e) {
    BOOST_LOG_TRIVIAL(error) << db_.path() << ": replaced by another file; the monitor's copy could not be kept in " << aside << ": " << e.what();
  }
  db_.disconnect(DatabaseFailure::Unavailable, "replaced by another file");
  auto failed = connect_now();
  Event event{"AuthWatch's database " + db_.path() + " was replaced by another file while the monitor ran: the monitor now uses that "
              "file, and what it had written is kept in " + aside,
              {{"database", db_.path()}, {"kept_in", aside}, {"ok", db_.connected()}}, db_.connected()};
  if (failed) event.message += "; " + failed->message;
  return event;
}

std::optional<DatabaseKeeper::Event> DatabaseKeeper::failed(DatabaseFailure kind, const std::string& error) {
  if (!db_.connected()) return std::nullopt;  // not connected (the failure is that): keep() retries when due
  switch (kind) {
    case DatabaseFailure::None:
    case DatabaseFailure::Busy:
    case DatabaseFailure::Full:
    case DatabaseFailure::OutOfMemory:
      return std::nullopt;  // the connection is fine: the next pass tries again
    case DatabaseFailure::Corrupt: {
      std::string problems;
      try {
        problems = db_.integrity_problems();
      } catch (const std::exception& e) {
        problems = e.what();
      }
      if (!problems.empty()) return move_aside(error + "; PRAGMA quick_check: " + problems);
      BOOST_LOG_TRIVIAL(warning) << db_.path() << ": reported damage (" << error << ") but PRAGMA quick_check finds none: opened again";
      break;
    }
    default:
      break;
  }
  db_.disconnect(kind, error);
  last_failure_ = storage::ConnectFailure{kind, error};
  retry_at_ = clock_.steady_now() + kRetry;
  return std::nullopt;
}

std::optional<DatabaseKeeper::Event> DatabaseKeeper::connect_now() {
  auto failure = db_.connect();
  if (!failure) {
    last_failure_.reset();
    return std::nullopt;
  }
  last_failure_ = failure;
  retry_at_ = clock_.steady_now() + kRetry;
  // SQLite read a damaged page while opening (the schema): moved aside at once, there is nothing
  // of it a connection could use.
  if (failure->kind == DatabaseFailure::Corrupt) return move_aside(failure->message);
  BOOST_LOG_TRIVIAL(warning) << failure->message << ": tried again in " << kRetry.count() << " s";
  return std::nullopt;
}

std::optional<DatabaseKeeper::Event> DatabaseKeeper::move_aside(const std::string& why) {
  db_.disconnect(DatabaseFailure::Corrupt, why);
  const std::string& path = db_.path();
  const std::string aside = aside_name("corrupt");
  nlohmann::json details = {{"database", path}, {"error", why}, {"ok", false}};
  std::error_code ec;
  fs::rename(path, aside, ec);
  for (const char* companion : kCompanions) {
    if (ec || !fs::exists(path + companion)) continue;
    // The WAL must not stay beside a new file of the same name: SQLite would replay it there.
    std::error_code moved;
    fs::rename(path + companion, aside + companion, moved);
    if (moved) fs::remove(path + companion, ec);
  }
  if (ec) {
    last_failure_ = storage::ConnectFailure{DatabaseFailure::Corrupt, why + "; it could not be moved aside to " + aside + ": " + ec.message()};
    retry_at_ = clock_.steady_now() + kRetry;
    return Event{"AuthWatch's database " + path + " is damaged (" + why + ") and could not be moved aside to " + aside + " (" + ec.message() +
                     "): AuthWatch goes on alerting and tries again every " + std::to_string(kRetry.count()) +
                     " s; move the file away (or close what holds it open) to let it start a new one",
                 details, false};
  }
  BOOST_LOG_TRIVIAL(error) << path << ": damaged (" << why << "): moved aside to " << aside << "; starting a new database";
  details["moved_to"] = aside;
  auto failed = connect_now();
  details["ok"] = db_.connected();
  Event event{"AuthWatch's database " + path + " is damaged (" + why + "). It was moved aside to " + aside +
                  " (with its -wal) and a new database was started: monitoring goes on. The followed logs, drop folders and event "
                  "logs are read again from their start, so incidents are rebuilt from the evidence still on disk; the probe runs, "
                  "alerts and evidence before now stay in " + aside + " (`sqlite3 " + aside + " .recover` salvages what is readable)",
              details, db_.connected()};
  if (failed) event.message += ". The new database cannot be opened either: " + failed->message;
  return event;
}

std::optional<DatabaseKeeper::Event> DatabaseKeeper::write_back_deleted() {
  const std::string& path = db_.path();
  const std::string restoring = path + ".restoring";
  nlohmann::json details = {{"database", path}};
  std::error_code ec;
  fs::remove(restoring, ec);
  if (const auto folder = fs::path(path).parent_path(); !folder.empty()) fs::create_directories(folder, ec);  // deleted with it
  try {
    db_.save_copy(restoring);  // reads through the open connection: the unlinked file and its WAL
  } catch (const std::exception& e) {
    details["ok"] = false;
    details["error"] = e.what();
    return Event{"AuthWatch's database " + path + " was deleted while the monitor ran, and it could not be written back (" + e.what() +
                     "): the monitor goes on with its open copy and tries again every pass",
                 details, false};
  }
  db_.disconnect(DatabaseFailure::Unavailable, "being written back after it was deleted");
  // The closed connection took its WAL with it; one left behind must not be replayed into the copy.
  for (const char* companion : kCompanions) fs::remove(path + companion, ec);
  fs::rename(restoring, path, ec);
  if (ec) {
    last_failure_ = storage::ConnectFailure{DatabaseFailure::Unavailable, "written back to " + restoring + " but not renamed: " + ec.message()};
    retry_at_ = clock_.steady_now() + kRetry;
    details["ok"] = false;
    details["kept_in"] = restoring;
    return Event{"AuthWatch's database " + path + " was deleted while the monitor ran; its content was saved to " + restoring +
                     " but could not be put back (" + ec.message() + ")",
                 details, false};
  }
  auto failed = connect_now();
  details["ok"] = db_.connected();
  BOOST_LOG_TRIVIAL(warning) << path << ": deleted while the monitor ran: written back from the open connection";
  Event event{"AuthWatch's database " + path + " was deleted while the monitor ran: it was written back from the monitor's open "
                  "copy, nothing is lost. To start afresh, stop AuthWatch first, then delete the file",
              details, false};
  if (failed) event.message += "; it cannot be opened again: " + failed->message;
  return event;
}

}  // namespace authwatch::service

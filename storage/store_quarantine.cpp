// Records that could not be stored (migration 5), bounded in rows: a source full of records SQLite
// refuses fills it up to kMaxQuarantineRows, then the oldest make room and are counted.
#include <stdexcept>

#include "storage/connection.hpp"
#include "storage/store.hpp"
#include "storage/stored_time.hpp"

namespace authwatch::storage {
namespace {

constexpr const char* kDroppedState = "quarantine_dropped";

}  // namespace

bool Store::quarantine(const QuarantineRecord& r) {
  auto& db = connection_of(db_);
  {
    StatementUse st(db.statement(
        "INSERT INTO quarantine(source_kind, location, locator, dedup_key, error, excerpt, first_seen, last_seen, count) "
        "VALUES (:kind, :location, :locator, :key, :error, :excerpt, :now, :now, 1) "
        "ON CONFLICT(location, dedup_key) DO UPDATE SET error = excluded.error, locator = excluded.locator, "
        "last_seen = excluded.last_seen, count = count + 1 RETURNING count"));
    st->bind(":kind", r.source_kind);
    st->bind(":location", r.location);
    st->bind(":locator", r.locator);
    st->bind(":key", r.key);
    st->bind(":error", r.error);
    st->bind(":excerpt", r.excerpt);
    st->bind(":now", format_iso8601(r.last_seen));
    if (!st->executeStep()) throw std::runtime_error("quarantine: storing " + r.key + " returned no row");
    if (st->getColumn(0).getInt64() > 1) return false;
  }
  const int64_t over = count_quarantined() - kMaxQuarantineRows;
  if (over > 0) {
    StatementUse gone(db.statement(
        "DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine ORDER BY last_seen, id LIMIT :over)"));
    gone->bind(":over", over);
    gone->exec();
    set_monitor_state(kDroppedState, std::to_string(quarantine_dropped() + over), r.last_seen);
  }
  return true;
}

std::vector<QuarantineRecord> Store::quarantined(int limit) {
  StatementUse st(connection_of(db_).statement(
      "SELECT id, source_kind, location, locator, dedup_key, error, excerpt, first_seen, last_seen, count FROM quarantine "
      "ORDER BY last_seen DESC, id DESC LIMIT :limit"));
  st->bind(":limit", limit > 0 ? limit : -1);
  std::vector<QuarantineRecord> out;
  while (st->executeStep()) {
    QuarantineRecord r;
    r.id = st->getColumn(0).getInt64();
    r.source_kind = st->getColumn(1).getString();
    r.location = st->getColumn(2).getString();
    r.locator = st->getColumn(3).getString();
    r.key = st->getColumn(4).getString();
    r.error = st->getColumn(5).getString();
    r.excerpt = st->getColumn(6).getString();
    r.first_seen = stored_time(st->getColumn(7), "quarantine");
    r.last_seen = stored_time(st->getColumn(8), "quarantine");
    r.count = st->getColumn(9).getInt64();
    out.push_back(std::move(r));
  }
  return out;
}

int64_t Store::count_quarantined() {
  StatementUse st(connection_of(db_).statement("SELECT count(*) FROM quarantine"));
  st->executeStep();
  return st->getColumn(0).getInt64();
}

int64_t Store::quarantine_dropped() {
  StatementUse st(connection_of(db_).statement("SELECT value FROM monitor_state WHERE name = :name"));
  st->bind(":name", std::string(kDroppedState));
  if (!st->executeStep()) return 0;
  try {
    return std::stoll(st->getColumn(0).getString());
  } catch (const std::exception&) {
    return 0;  // a damaged count starts again
  }
}

}  // namespace authwatch::storage

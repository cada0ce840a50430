// The detector's protocol-log sessions in progress (migration 5; core/detector_sessions.cpp holds
// the encoding). Written in the transaction that stores the position they belong to.
#include "storage/connection.hpp"
#include "storage/store.hpp"

namespace authwatch::storage {

std::vector<DetectorSession> Store::detector_sessions() {
  StatementUse st(connection_of(db_).statement("SELECT session_key, state, used FROM detector_sessions ORDER BY used"));
  std::vector<DetectorSession> out;
  while (st->executeStep()) {
    DetectorSession s;
    s.key = st->getColumn(0).getString();
    const auto state = st->getColumn(1);
    s.state.assign(static_cast<const char*>(state.getBlob()), static_cast<size_t>(state.getBytes()));
    s.used = static_cast<uint64_t>(st->getColumn(2).getInt64());
    out.push_back(std::move(s));
  }
  return out;
}

void Store::save_detector_sessions(const DetectorSessionChanges& changes) {
  auto& db = connection_of(db_);
  // Removals first: a session that ended and began again under its key is saved afresh.
  for (const auto& key : changes.removed) {
    StatementUse st(db.statement("DELETE FROM detector_sessions WHERE session_key = :key"));
    st->bind(":key", key);
    st->exec();
  }
  for (const auto& s : changes.saved) {
    StatementUse st(db.statement(
        "INSERT INTO detector_sessions(session_key, state, used) VALUES (:key, :state, :used) "
        "ON CONFLICT(session_key) DO UPDATE SET state = excluded.state, used = excluded.used"));
    st->bind(":key", s.key);
    st->bind(":state", s.state.data(), static_cast<int>(s.state.size()));
    st->bind(":used", static_cast<int64_t>(s.used));
    st->exec();
  }
}

}  // namespace authwatch::storage

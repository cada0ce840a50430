// The alert outbox: alerts are rows first, deliveries second (at least once to each sink; a crash
// between a sink's write and the delivered mark repeats that one alert, never loses it).
#include <stdexcept>

#include "storage/connection.hpp"
#include "storage/store.hpp"
#include "storage/stored_time.hpp"

namespace authwatch::storage {
namespace {

std::vector<AlertRecord> read_alerts(SQLite::Statement& st) {
  std::vector<AlertRecord> out;
  while (st.executeStep()) {
    AlertRecord a;
    a.id = st.getColumn(0).getInt64();
    if (!st.getColumn(1).isNull()) a.incident_id = st.getColumn(1).getInt64();
    a.kind = st.getColumn(2).getString();
    a.windows_event_id = st.getColumn(3).isNull() ? 0 : st.getColumn(3).getInt();
    a.created_at = stored_time(st.getColumn(4), "alerts");
    a.payload = nlohmann::json::parse(st.getColumn(5).getString(), nullptr, false);
    if (a.payload.is_discarded()) throw std::runtime_error("alerts: payload of alert " + std::to_string(a.id) + " is not JSON");
    if (!st.getColumn(6).isNull()) a.delivered_at = stored_time(st.getColumn(6), "alerts");
    a.sink = st.getColumn(7).getString();
    out.push_back(std::move(a));
  }
  return out;
}

constexpr const char* kColumns = "SELECT id, incident_id, kind, windows_event_id, created_at, payload_json, delivered_at, sink FROM alerts ";

}  // namespace

int64_t Store::insert_alert(const AlertRecord& alert) {
  auto& db = connection_of(db_);
  StatementUse st(db.statement(
      "INSERT INTO alerts(incident_id, kind, windows_event_id, created_at, payload_json, delivered_at, sink) "
      "VALUES (:incident, :kind, :event_id, :created, :payload, :delivered, :sink)"));
  if (alert.incident_id) st->bind(":incident", *alert.incident_id);
  else st->bind(":incident");
  st->bind(":kind", alert.kind);
  st->bind(":event_id", alert.windows_event_id);
  st->bind(":created", format_iso8601(alert.created_at));
  // replace: an alert quotes data from outside (a peer's name); one invalid byte must not keep it,
  // and every alert after it, out of the outbox.
  st->bind(":payload", alert.payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  // An alert the sinks took before the database could (service/alert_queue.hpp) is stored as delivered.
  if (alert.delivered_at) st->bind(":delivered", format_iso8601(*alert.delivered_at));
  else st->bind(":delivered");
  st->bind(":sink", alert.sink);
  st->exec();
  return db.getLastInsertRowid();
}

std::vector<AlertRecord> Store::pending_alerts(int64_t after_id, int limit) {
  StatementUse st(connection_of(db_).statement(std::string(kColumns) + "WHERE delivered_at IS NULL AND id > :after ORDER BY id LIMIT :limit"));
  st->bind(":after", after_id);
  st->bind(":limit", limit > 0 ? limit : -1);
  return read_alerts(*st);
}

int64_t Store::count_pending_alerts() {
  StatementUse st(connection_of(db_).statement("SELECT count(*) FROM alerts WHERE delivered_at IS NULL"));
  st->executeStep();
  return st->getColumn(0).getInt64();
}

std::vector<AlertRecord> Store::alerts(int limit) {
  StatementUse st(connection_of(db_).statement(std::string(kColumns) + "ORDER BY id DESC LIMIT :limit"));
  st->bind(":limit", limit > 0 ? limit : -1);
  return read_alerts(*st);
}

void Store::mark_alert_delivered(int64_t id, TimePoint when, const std::string& sink) {
  StatementUse st(connection_of(db_).statement("UPDATE alerts SET delivered_at = :when, sink = :sink WHERE id = :id"));
  st->bind(":when", format_iso8601(when));
  st->bind(":sink", sink);
  st->bind(":id", id);
  st->exec();
}

}  // namespace authwatch::storage

#include "storage/store.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "storage/connection.hpp"
#include "storage/stored_time.hpp"

namespace authwatch::storage {
namespace {

// ---- columns <-> values ----------------------------------------------------------------------

std::string iso(TimePoint t) { return format_iso8601(t); }

void bind_optional_time(SQLite::Statement& st, const char* name, const std::optional<TimePoint>& t) {
  if (t) st.bind(name, iso(*t));
  else st.bind(name);  // NULL
}

std::string row_name(std::string_view table, int64_t id) { return std::string(table) + " row " + std::to_string(id); }

// ---- sources ---------------------------------------------------------------------------------

constexpr std::string_view kSourceColumns =
    "SELECT id, kind, location, position_json, records_read, bad_records, last_error, updated_at FROM sources";

SourceRecord read_source(SQLite::Statement& st) {
  SourceRecord r;
  r.id = st.getColumn(0).getInt64();
  r.kind = st.getColumn(1).getString();
  r.location = st.getColumn(2).getString();
  // A damaged bookmark restarts the source from the beginning; the dedup keys keep that harmless.
  r.position = SourcePosition::from_json(st.getColumn(3).getString()).value_or(SourcePosition{});
  r.records_read = static_cast<uint64_t>(st.getColumn(4).getInt64());
  r.bad_records = static_cast<uint64_t>(st.getColumn(5).getInt64());
  r.last_error = st.getColumn(6).getString();
  r.updated_at = stored_time(st.getColumn(7), row_name("sources", r.id));
  return r;
}

// ---- signals ---------------------------------------------------------------------------------

constexpr std::string_view kSignalColumns =
    "SELECT s.id, s.event_id, s.incident_id, e.location, e.locator, s.dedup_key, e.dedup_key, s.rule, s.class, "
    "s.direction, s.time_utc, s.peer_ip, s.peer_name, s.connector, s.mechanism, s.status, s.reply, s.target_spn, "
    "s.evidence_json, s.verdict, s.peer_context, s.observer, s.observer_ip FROM signals s JOIN events e ON e.id = s.event_id";

StoredSignal read_signal(SQLite::Statement& st) {
  StoredSignal r;
  r.id = st.getColumn(0).getInt64();
  const auto row = row_name("signals", r.id);
  r.event_id = st.getColumn(1).getInt64();
  if (!st.getColumn(2).isNull()) r.incident_id = st.getColumn(2).getInt64();
  r.source_location = st.getColumn(3).getString();
  r.source_locator = st.getColumn(4).getString();
  Signal& s = r.signal;
  s.key = st.getColumn(5).getString();
  s.event_key = st.getColumn(6).getString();
  s.rule = st.getColumn(7).getString();
  if (!parse_signal_class(st.getColumn(8).getString(), s.signal_class))
    throw std::runtime_error(row + ": unknown class '" + st.getColumn(8).getString() + "'");
  if (!parse_direction(st.getColumn(9).getString(), s.direction))
    throw std::runtime_error(row + ": unknown direction '" + st.getColumn(9).getString() + "'");
  s.time = stored_time(st.getColumn(10), row);
  s.peer_ip = st.getColumn(11).getString();
  s.peer_name = st.getColumn(12).getString();
  s.connector = st.getColumn(13).getString();
  s.mechanism = st.getColumn(14).getString();
  s.status = st.getColumn(15).getString();
  s.reply = st.getColumn(16).getString();
  s.target_spn = st.getColumn(17).getString();
  const auto evidence = st.getColumn(18).getString();
  s.evidence = nlohmann::json::parse(evidence, nullptr, /*allow_exceptions=*/false);
  // Evidence is for people; a damaged value is shown as the text it is rather than hiding the signal.
  if (s.evidence.is_discarded()) s.evidence = nlohmann::json{{"unparsed", evidence}};
  s.verdict = st.getColumn(19).getString();
  s.peer_context = st.getColumn(20).getString();
  s.observer = st.getColumn(21).getString();
  s.observer_ip = st.getColumn(22).getString();
  return r;
}

std::vector<StoredSignal> read_signals(SQLite::Statement& st) {
  StatementUse use(st);
  std::vector<StoredSignal> out;
  while (st.executeStep()) out.push_back(read_signal(st));
  return out;
}

// ---- incidents -------------------------------------------------------------------------------

constexpr std::string_view kIncidentColumns =
    "SELECT id, direction, peer, peer_name, status, first_seen, last_seen, signal_count, resolved_at, "
    "last_diagnosis_at, peer_context, observer FROM incidents";

Incident read_incident(SQLite::Statement& st) {
  Incident r;
  r.id = st.getColumn(0).getInt64();
  const auto row = row_name("incidents", r.id);
  if (!parse_direction(st.getColumn(1).getString(), r.direction))
    throw std::runtime_error(row + ": unknown direction '" + st.getColumn(1).getString() + "'");
  r.peer = st.getColumn(2).getString();
  r.peer_name = st.getColumn(3).getString();
  if (!parse_incident_status(st.getColumn(4).getString(), r.status))
    throw std::runtime_error(row + ": unknown status '" + st.getColumn(4).getString() + "'");
  r.first_seen = stored_time(st.getColumn(5), row);
  r.last_seen = stored_time(st.getColumn(6), row);
  r.signal_count = st.getColumn(7).getInt64();
  r.resolved_at = stored_optional_time(st.getColumn(8), row);
  r.last_diagnosis_at = stored_optional_time(st.getColumn(9), row);
  r.peer_context = st.getColumn(10).getString();
  r.observer = st.getColumn(11).getString();
  return r;
}

void bind_incident(SQLite::Statement& st, const Incident& incident) {
  st.bind(":direction", std::string(to_string(incident.direction)));
  st.bind(":peer", incident.peer);
  st.bind(":peer_name", incident.peer_name);
  st.bind(":status", std::string(to_string(incident.status)));
  st.bind(":first_seen", iso(incident.first_seen));
  st.bind(":last_seen", iso(incident.last_seen));
  st.bind(":signal_count", incident.signal_count);
  bind_optional_time(st, ":resolved_at", incident.resolved_at);
  bind_optional_time(st, ":last_diagnosis_at", incident.last_diagnosis_at);
  st.bind(":peer_context", incident.peer_context);
  st.bind(":observer", incident.observer);
}

int64_t count(Connection& db, std::string_view sql, const std::string& cutoff) {
  StatementUse st(db.statement(sql));
  if (!cutoff.empty()) st->bind(":cutoff", cutoff);
  st->executeStep();
  return st->getColumn(0).getInt64();
}

int64_t execute(Connection& db, std::string_view sql, const std::string& cutoff) {
  StatementUse st(db.statement(sql));
  st->bind(":cutoff", cutoff);
  return st->exec();
}

}  // namespace

Store::Store(Database& db) : db_(db) {}

// ---- sources ---------------------------------------------------------------------------------

std::optional<SourceRecord> Store::find_source(const std::string& kind, const std::string& location) {
  static const std::string sql = std::string(kSourceColumns) + " WHERE kind = :kind AND location = :location";
  StatementUse st(connection_of(db_).statement(sql));
  st->bind(":kind", kind);
  st->bind(":location", location);
  if (!st->executeStep()) return std::nullopt;
  return read_source(*st);
}

int64_t Store::save_source(const std::string& kind, const std::string& location, const SourcePosition& position,
                           uint64_t records_read_delta, uint64_t bad_records_delta, const std::string& last_error,
                           TimePoint now) {
  StatementUse st(connection_of(db_).statement(
      "INSERT INTO sources(kind, location, position_json, records_read, bad_records, last_error, updated_at) "
      "VALUES (:kind, :location, :position, :read, :bad, :error, :now) "
      "ON CONFLICT(kind, location) DO UPDATE SET position_json = excluded.position_json, "
      "records_read = records_read + excluded.records_read, bad_records = bad_records + excluded.bad_records, "
      "last_error = excluded.last_error, updated_at = excluded.updated_at "
      "RETURNING id"));
  st->bind(":kind", kind);
  st->bind(":location", location);
  st->bind(":position", position.to_json());
  st->bind(":read", static_cast<int64_t>(records_read_delta));
  st->bind(":bad", static_cast<int64_t>(bad_records_delta));
  st->bind(":error", last_error);
  st->bind(":now", iso(now));
  if (!st->executeStep()) throw std::runtime_error("sources: saving " + kind + " " + location + " returned no row");
  return st->getColumn(0).getInt64();
}

std::vector<SourceRecord> Store::sources() {
  static const std::string sql = std::string(kSourceColumns) + " ORDER BY kind, location";
  StatementUse st(connection_of(db_).statement(sql));
  std::vector<SourceRecord> out;
  while (st->executeStep()) out.push_back(read_source(*st));
  return out;
}

// ---- events ----------------------------------------------------------------------------------

std::optional<int64_t> Store::insert_event(const TransportEvent& event, int64_t source_id) {
  auto& db = connection_of(db_);
  StatementUse st(db.statement(
      "INSERT INTO events(dedup_key, source_id, source_kind, location, locator, time_utc, provider, event_id, "
      "level, channel, computer, record_id, text, fields_json) "
      "VALUES (:key, :source, :kind, :location, :locator, :time, :provider, :event_id, :level, :channel, "
      ":computer, :record_id, :text, :fields) "
      "ON CONFLICT(dedup_key) DO NOTHING"));
  st->bind(":key", event.key);
  if (source_id > 0) st->bind(":source", source_id);
  else st->bind(":source");  // NULL: an event that came from no recorded source
  st->bind(":kind", std::string(to_string(event.source_kind)));
  st->bind(":location", event.location);
  st->bind(":locator", event.locator);
  st->bind(":time", iso(event.time));
  st->bind(":provider", event.provider);
  st->bind(":event_id", event.event_id);
  st->bind(":level", event.level);
  st->bind(":channel", event.channel);
  st->bind(":computer", event.computer);
  st->bind(":record_id", static_cast<int64_t>(event.record_id));
  st->bind(":text", event.text);
  nlohmann::json fields = nlohmann::json::object();
  for (const auto& [name, value] : event.fields) fields[name] = value;
  // replace: event text from the wild may hold invalid UTF-8; keep the record rather than throw.
  st->bind(":fields", fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (st->exec() == 0) return std::nullopt;
  return db.getLastInsertRowid();
}

int64_t Store::count_events() { return count(connection_of(db_), "SELECT count(*) FROM events", {}); }

// ---- signals ---------------------------------------------------------------------------------

std::optional<int64_t> Store::insert_signal(const Signal& signal, int64_t event_row_id) {
  auto& db = connection_of(db_);
  StatementUse st(db.statement(
      "INSERT INTO signals(dedup_key, event_id, time_utc, rule, class, direction, peer_ip, peer_name, connector, "
      "mechanism, status, reply, target_spn, evidence_json, verdict, peer_context, observer, observer_ip) "
      "VALUES (:key, :event, :time, :rule, :class, :direction, :peer_ip, :peer_name, :connector, :mechanism, "
      ":status, :reply, :target_spn, :evidence, :verdict, :peer_context, :observer, :observer_ip) "
      "ON CONFLICT(dedup_key) DO NOTHING"));
  st->bind(":key", signal.key);
  st->bind(":event", event_row_id);
  st->bind(":time", iso(signal.time));
  st->bind(":rule", signal.rule);
  st->bind(":class", std::string(to_string(signal.signal_class)));
  st->bind(":direction", std::string(to_string(signal.direction)));
  st->bind(":peer_ip", signal.peer_ip);
  st->bind(":peer_name", signal.peer_name);
  st->bind(":connector", signal.connector);
  st->bind(":mechanism", signal.mechanism);
  st->bind(":status", signal.status);
  st->bind(":reply", signal.reply);
  st->bind(":target_spn", signal.target_spn);
  st->bind(":evidence", signal.evidence.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  st->bind(":verdict", signal.verdict);
  st->bind(":peer_context", signal.peer_context);
  st->bind(":observer", signal.observer);
  st->bind(":observer_ip", signal.observer_ip);
  if (st->exec() == 0) return std::nullopt;
  return db.getLastInsertRowid();
}

bool Store::has_signal(const std::string& dedup_key) {
  StatementUse st(connection_of(db_).statement("SELECT 1 FROM signals WHERE dedup_key = :key"));
  st->bind(":key", dedup_key);
  return st->executeStep();
}

std::vector<StoredSignal> Store::unassigned_fault_signals() {
  static const std::string sql =
      std::string(kSignalColumns) + " WHERE s.incident_id IS NULL AND s.class = 'fault' ORDER BY s.time_utc, s.id";
  return read_signals(connection_of(db_).statement(sql));
}

std::vector<StoredSignal> Store::unassigned_context_signals(TimePoint since) {
  static const std::string sql = std::string(kSignalColumns) +
                                 " WHERE s.incident_id IS NULL AND s.class = 'context' AND s.time_utc >= :since"
                                 " ORDER BY s.time_utc, s.id";
  auto& st = connection_of(db_).statement(sql);
  st.bind(":since", iso(since));
  return read_signals(st);
}

void Store::assign_signal(int64_t signal_id, int64_t incident_id) {
  StatementUse st(connection_of(db_).statement("UPDATE signals SET incident_id = :incident WHERE id = :id"));
  st->bind(":incident", incident_id);
  st->bind(":id", signal_id);
  if (st->exec() == 0) throw std::runtime_error("signals: no signal " + std::to_string(signal_id) + " to assign");
}

std::vector<StoredSignal> Store::signals(const SignalQuery& query) {
  // Each combination of filters is its own statement text, so each is prepared once and cached.
  std::string sql(kSignalColumns);
  sql += " WHERE 1 = 1";
  if (query.since) sql += " AND s.time_utc >= :since";
  // peer_ip and peer_name are COLLATE NOCASE columns: '=' ignores case and still uses their indexes.
  if (!query.peer.empty()) sql += " AND (s.peer_ip = :peer OR s.peer_name = :peer)";
  if (query.incident_id) sql += " AND s.incident_id = :incident";
  if (!query.include_noise) sql += " AND s.class = 'fault'";
  sql += " ORDER BY s.time_utc, s.id";
  if (query.limit > 0) sql += " LIMIT :limit";

  auto& st = connection_of(db_).statement(sql);
  if (query.since) st.bind(":since", iso(*query.since));
  if (!query.peer.empty()) st.bind(":peer", query.peer);
  if (query.incident_id) st.bind(":incident", *query.incident_id);
  if (query.limit > 0) st.bind(":limit", query.limit);
  return read_signals(st);
}

std::vector<std::pair<std::string, std::string>> Store::observer_addresses(int limit) {
  StatementUse st(connection_of(db_).statement(
      "SELECT observer, observer_ip FROM signals WHERE observer <> '' AND observer_ip <> '' "
      "GROUP BY observer, observer_ip ORDER BY observer, observer_ip LIMIT :limit"));
  st->bind(":limit", limit);
  std::vector<std::pair<std::string, std::string>> out;
  while (st->executeStep()) out.emplace_back(st->getColumn(0).getString(), st->getColumn(1).getString());
  return out;
}

int64_t Store::count_signals() { return count(connection_of(db_), "SELECT count(*) FROM signals", {}); }

// ---- incidents -------------------------------------------------------------------------------

int64_t Store::insert_incident(const Incident& incident) {
  auto& db = connection_of(db_);
  StatementUse st(db.statement(
      "INSERT INTO incidents(direction, peer, peer_name, status, first_seen, last_seen, signal_count, resolved_at, "
      "last_diagnosis_at, peer_context, observer) VALUES (:direction, :peer, :peer_name, :status, :first_seen, :last_seen, "
      ":signal_count, :resolved_at, :last_diagnosis_at, :peer_context, :observer)"));
  bind_incident(*st, incident);
  st->exec();
  return db.getLastInsertRowid();
}

void Store::update_incident(const Incident& incident) {
  StatementUse st(connection_of(db_).statement(
      "UPDATE incidents SET direction = :direction, peer = :peer, peer_name = :peer_name, status = :status, "
      "first_seen = :first_seen, last_seen = :last_seen, signal_count = :signal_count, resolved_at = :resolved_at, "
      "last_diagnosis_at = :last_diagnosis_at, peer_context = :peer_context, observer = :observer WHERE id = :id"));
  bind_incident(*st, incident);
  st->bind(":id", incident.id);
  if (st->exec() == 0) throw std::runtime_error("incidents: no incident " + std::to_string(incident.id) + " to update");
}

std::vector<Incident> Store::incidents(IncidentFilter filter) {
  static const std::string base = std::string(kIncidentColumns);
  static const std::string order = " ORDER BY last_seen DESC, id DESC";
  static const std::string open = base + " WHERE status = 'open'" + order;
  static const std::string resolved = base + " WHERE status = 'resolved'" + order;
  static const std::string all = base + order;
  const std::string& sql = filter == IncidentFilter::Open ? open : filter == IncidentFilter::Resolved ? resolved : all;
  StatementUse st(connection_of(db_).statement(sql));
  std::vector<Incident> out;
  while (st->executeStep()) out.push_back(read_incident(*st));
  return out;
}

std::vector<Incident> Store::resolved_incidents_since(TimePoint since) {
  static const std::string sql = std::string(kIncidentColumns) + " WHERE status = 'resolved' AND last_seen >= :since";
  StatementUse st(connection_of(db_).statement(sql));
  st->bind(":since", iso(since));
  std::vector<Incident> out;
  while (st->executeStep()) out.push_back(read_incident(*st));
  return out;
}

void Store::merge_incident(int64_t absorbed_id, const Incident& into) {
  auto& db = connection_of(db_);
  for (std::string_view table : {"signals", "probe_runs", "alerts"}) {
    StatementUse st(db.statement("UPDATE " + std::string(table) + " SET incident_id = :into WHERE incident_id = :from"));
    st->bind(":into", into.id);
    st->bind(":from", absorbed_id);
    st->exec();
  }
  StatementUse gone(db.statement("DELETE FROM incidents WHERE id = :id"));
  gone->bind(":id", absorbed_id);
  if (gone->exec() == 0) throw std::runtime_error("incidents: no incident " + std::to_string(absorbed_id) + " to merge");
  update_incident(into);
}

std::vector<IncidentCount> Store::incident_counts() {
  StatementUse st(connection_of(db_).statement("SELECT status, direction, count(*) FROM incidents GROUP BY status, direction"));
  std::vector<IncidentCount> out;
  while (st->executeStep()) out.push_back({st->getColumn(0).getString(), st->getColumn(1).getString(), st->getColumn(2).getInt64()});
  return out;
}

std::optional<Incident> Store::incident(int64_t id) {
  static const std::string sql = std::string(kIncidentColumns) + " WHERE id = :id";
  StatementUse st(connection_of(db_).statement(sql));
  st->bind(":id", id);
  if (!st->executeStep()) return std::nullopt;
  return read_incident(*st);
}

// ---- retention -------------------------------------------------------------------------------

PruneCounts Store::prune(TimePoint cutoff) {
  auto& db = connection_of(db_);
  const std::string before = iso(cutoff);
  constexpr std::string_view kExpiredIncidents =
      "SELECT id FROM incidents WHERE status = 'resolved' AND resolved_at < :cutoff";
  const std::string expired(kExpiredIncidents);
  PruneCounts counts;
  db_.transaction([&] {
    // Counted before the incidents go: their probe runs (with findings) and alerts cascade.
    counts.probe_runs = count(db, "SELECT count(*) FROM probe_runs WHERE incident_id IN (" + expired + ")", before);
    counts.alerts = count(db, "SELECT count(*) FROM alerts WHERE incident_id IN (" + expired + ")", before);
    // An expired incident's signals go with it; left unassigned, the incident pass would reopen it.
    counts.signals = execute(db, "DELETE FROM signals WHERE incident_id IN (" + expired + ")", before);
    counts.incidents = execute(db, "DELETE FROM incidents WHERE status = 'resolved' AND resolved_at < :cutoff", before);
    // Old signals outside any incident: noise, and faults the incident pass never took. Signals of
    // an incident still kept (open, or resolved after the cutoff) stay with it.
    counts.signals += execute(db, "DELETE FROM signals WHERE incident_id IS NULL AND time_utc < :cutoff", before);
    // Probe runs and alerts of no incident (started by hand) expire by their own time.
    counts.probe_runs +=
        execute(db, "DELETE FROM probe_runs WHERE incident_id IS NULL AND started_at < :cutoff", before);
    counts.alerts += execute(db, "DELETE FROM alerts WHERE incident_id IS NULL AND created_at < :cutoff", before);
    counts.events += execute(db,
                             "DELETE FROM events WHERE time_utc < :cutoff AND "
                             "NOT EXISTS (SELECT 1 FROM signals WHERE signals.event_id = events.id)",
                             before);
  });
  return counts;
}

}  // namespace authwatch::storage

// AuthWatch's schema, as an ordered list of migrations.
//
// The rule: migrations are append-only. Never edit, renumber or remove a migration that has been
// released — databases in the field already ran it and record it in schema_migrations, so an
// edit would give them a schema different from a fresh install's. To change the schema, append
// a new migration with the next version number (ALTER TABLE, CREATE INDEX, a table rebuild, ...);
// latest_schema_version() follows the table, and older binaries then refuse the upgraded file
// instead of misreading it.
//
// Conventions for the SQL: times are ISO 8601 UTC text from format_iso8601 (they sort
// lexicographically); JSON columns hold nlohmann_json dumps; enum columns hold the core
// to_string() spellings.
#include "storage/migrations.hpp"

#include <array>
#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "storage/database.hpp"

namespace authwatch::storage {
namespace {

constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE sources (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL,
  location      TEXT NOT NULL,
  position_json TEXT NOT NULL DEFAULT '{}',
  records_read  INTEGER NOT NULL DEFAULT 0,
  bad_records   INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT NOT NULL DEFAULT '',
  updated_at    TEXT NOT NULL,
  UNIQUE (kind, location)
);

CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  dedup_key   TEXT NOT NULL UNIQUE,
  source_id   INTEGER REFERENCES sources(id),
  source_kind TEXT NOT NULL,
  location    TEXT NOT NULL,
  locator     TEXT NOT NULL DEFAULT '',
  time_utc    TEXT NOT NULL,
  provider    TEXT NOT NULL DEFAULT '',
  event_id    INTEGER NOT NULL DEFAULT 0,
  level       INTEGER NOT NULL DEFAULT 0,
  channel     TEXT NOT NULL DEFAULT '',
  computer    TEXT NOT NULL DEFAULT '',
  record_id   INTEGER NOT NULL DEFAULT 0,
  text        TEXT NOT NULL DEFAULT '',
  fields_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_time ON events(time_utc);

CREATE TABLE incidents (
  id                INTEGER PRIMARY KEY,
  direction         TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  peer              TEXT NOT NULL,
  peer_name         TEXT NOT NULL DEFAULT '',
  status            TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
  first_seen        TEXT NOT NULL,
  last_seen         TEXT NOT NULL,
  signal_count      INTEGER NOT NULL DEFAULT 0,
  resolved_at       TEXT,
  last_diagnosis_at TEXT,
  created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX incidents_by_status_direction_peer ON incidents(status, direction, peer);

-- peer_ip and peer_name compare case-insensitively (host names do), and their indexes follow.
CREATE TABLE signals (
  id            INTEGER PRIMARY KEY,
  dedup_key     TEXT NOT NULL UNIQUE,
  event_id      INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  incident_id   INTEGER REFERENCES incidents(id) ON DELETE SET NULL,
  time_utc      TEXT NOT NULL,
  rule          TEXT NOT NULL,
  class         TEXT NOT NULL CHECK (class IN ('fault', 'noise')),
  direction     TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  peer_ip       TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
  peer_name     TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
  connector     TEXT NOT NULL DEFAULT '',
  mechanism     TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT '',
  reply         TEXT NOT NULL DEFAULT '',
  target_spn    TEXT NOT NULL DEFAULT '',
  evidence_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX signals_by_time ON signals(time_utc);
CREATE INDEX signals_by_incident ON signals(incident_id);
CREATE INDEX signals_by_peer_ip ON signals(peer_ip);
CREATE INDEX signals_by_peer_name ON signals(peer_name);
-- Deleting an event checks and cascades through signals.event_id.
CREATE INDEX signals_by_event ON signals(event_id);
-- The incident pass reads only these; the index stays as small as the backlog.
CREATE INDEX signals_unassigned_faults ON signals(id) WHERE incident_id IS NULL AND class = 'fault';

-- incident_id is NULL for a probe run started by hand (authwatch probe).
CREATE TABLE probe_runs (
  id           INTEGER PRIMARY KEY,
  incident_id  INTEGER REFERENCES incidents(id) ON DELETE CASCADE,
  started_at   TEXT NOT NULL,
  finished_at  TEXT,
  "trigger"    TEXT NOT NULL DEFAULT '',  -- quoted: TRIGGER is an SQL keyword
  targets_json TEXT NOT NULL DEFAULT '[]',
  status       TEXT NOT NULL DEFAULT '',
  error        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX probe_runs_by_incident ON probe_runs(incident_id);

CREATE TABLE findings (
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER NOT NULL REFERENCES probe_runs(id) ON DELETE CASCADE,
  probe         TEXT NOT NULL,
  target        TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL CHECK (status IN ('ok', 'warn', 'fail', 'error', 'skipped')),
  summary       TEXT NOT NULL DEFAULT '',
  evidence_json TEXT NOT NULL DEFAULT '{}',
  remediation   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX findings_by_run ON findings(run_id);

CREATE TABLE alerts (
  id               INTEGER PRIMARY KEY,
  incident_id      INTEGER REFERENCES incidents(id) ON DELETE CASCADE,
  kind             TEXT NOT NULL,
  windows_event_id INTEGER,
  created_at       TEXT NOT NULL,
  sink             TEXT NOT NULL DEFAULT '',
  payload_json     TEXT NOT NULL DEFAULT '{}',
  delivered_at     TEXT
);
CREATE INDEX alerts_by_incident ON alerts(incident_id);
)sql";

// The monitor's own state, for `authwatch status`: when it last completed a pass (is it
// running?), the last error a pass met, whether alerts are held back by maintenance.
constexpr std::string_view kMonitorState = R"sql(
CREATE TABLE monitor_state (
  name       TEXT PRIMARY KEY,
  value      TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL
);
)sql";

// Kerberos errors from the System log are context for an incident (core/signal.hpp): a third
// signal class. SQLite cannot alter a CHECK constraint, so the table is rebuilt (SQLite's
// documented procedure: new table, copy, drop, rename, indexes); nothing references signals.
constexpr std::string_view kContextSignals = R"sql(
CREATE TABLE signals_v3 (
  id            INTEGER PRIMARY KEY,
  dedup_key     TEXT NOT NULL UNIQUE,
  event_id      INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  incident_id   INTEGER REFERENCES incidents(id) ON DELETE SET NULL,
  time_utc      TEXT NOT NULL,
  rule          TEXT NOT NULL,
  class         TEXT NOT NULL CHECK (class IN ('fault', 'noise', 'context')),
  direction     TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  peer_ip       TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
  peer_name     TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
  connector     TEXT NOT NULL DEFAULT '',
  mechanism     TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT '',
  reply         TEXT NOT NULL DEFAULT '',
  target_spn    TEXT NOT NULL DEFAULT '',
  evidence_json TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO signals_v3 SELECT id, dedup_key, event_id, incident_id, time_utc, rule, class, direction, peer_ip,
  peer_name, connector, mechanism, status, reply, target_spn, evidence_json FROM signals;
DROP TABLE signals;
ALTER TABLE signals_v3 RENAME TO signals;
CREATE INDEX signals_by_time ON signals(time_utc);
CREATE INDEX signals_by_incident ON signals(incident_id);
CREATE INDEX signals_by_peer_ip ON signals(peer_ip);
CREATE INDEX signals_by_peer_name ON signals(peer_name);
CREATE INDEX signals_by_event ON signals(event_id);
CREATE INDEX signals_unassigned_faults ON signals(id) WHERE incident_id IS NULL AND class = 'fault';
-- The incident pass looks for context not yet attached, by time (only recent context can still
-- find its incident).
CREATE INDEX signals_unassigned_context ON signals(time_utc) WHERE incident_id IS NULL AND class = 'context';
)sql";

// Precision (docs/domain.md §10): a signal says in words why it is a fault or noise; a fault whose
// server is not known (a queue whose next hop is a site) keeps where it was seen, and so does its
// incident, keyed by it. Existing rows keep '' (their peers were always known or the next hop).
constexpr std::string_view kVerdictsAndPeerContext = R"sql(
ALTER TABLE signals ADD COLUMN verdict TEXT NOT NULL DEFAULT '';
ALTER TABLE signals ADD COLUMN peer_context TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN peer_context TEXT NOT NULL DEFAULT '';
DROP INDEX incidents_by_status_direction_peer;
CREATE INDEX incidents_by_status_direction_peer ON incidents(status, direction, peer, peer_context);
)sql";

// Resilience (issue 12): a record that cannot be stored (an exception for it alone) is kept with its
// error instead of stopping its source, whose position moves past it (pipeline/ingest.cpp); and the
// detector's protocol-log sessions in progress are committed with the positions they belong to,
// so a restart resumes them exactly (core/detector_sessions.cpp).
constexpr std::string_view kQuarantineAndDetectorSessions = R"sql(
CREATE TABLE quarantine (
  id          INTEGER PRIMARY KEY,
  source_kind TEXT NOT NULL,
  location    TEXT NOT NULL,
  locator     TEXT NOT NULL DEFAULT '',
  dedup_key   TEXT NOT NULL,
  error       TEXT NOT NULL,
  excerpt     TEXT NOT NULL DEFAULT '',
  first_seen  TEXT NOT NULL,
  last_seen   TEXT NOT NULL,
  count       INTEGER NOT NULL DEFAULT 1,
  UNIQUE (location, dedup_key)
);
CREATE INDEX quarantine_by_last_seen ON quarantine(last_seen);

CREATE TABLE detector_sessions (
  session_key TEXT PRIMARY KEY,
  state       BLOB NOT NULL,
  used        INTEGER NOT NULL
);
)sql";

// Who saw it (issue 14, core/observer.hpp): every signal and incident records the server whose
// evidence it is, and the observer is part of what an incident is. Existing rows are derived from
// what their events kept, by the rules the detector now applies: an event's Computer; the server of a
// queue's Identity ("EX1\12"); a protocol log's local address, and its server from a receive
// connector's name ("EX2\Default EX2") or from the EHLO this server sent (send logs). An incident
// takes the name its fault signals give (an FQDN first), else their address. Rows nothing names stay
// ''. (An old incident that held two observers' faults keeps one observer; its signals keep theirs.)
constexpr std::string_view kObservers = R"sql(
ALTER TABLE signals ADD COLUMN observer TEXT NOT NULL DEFAULT '' COLLATE NOCASE;
ALTER TABLE signals ADD COLUMN observer_ip TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN observer TEXT NOT NULL DEFAULT '' COLLATE NOCASE;

UPDATE signals SET observer = COALESCE((SELECT trim(e.computer) FROM events e WHERE e.id = signals.event_id), '')
WHERE event_id IN (SELECT id FROM events WHERE source_kind IN ('eventlog', 'event-xml', 'evtx'));

UPDATE signals SET observer = COALESCE((SELECT COALESCE(json_extract(e.fields_json, '$.Identity'), json_extract(e.fields_json, '$.identity'))
                                        FROM events e WHERE e.id = signals.event_id AND json_valid(e.fields_json)), '')
WHERE event_id IN (SELECT id FROM events WHERE source_kind = 'queue-snapshot');
UPDATE signals SET observer = CASE WHEN instr(observer, '\') > 1 THEN trim(substr(observer, 1, instr(observer, '\') - 1)) ELSE '' END
WHERE event_id IN (SELECT id FROM events WHERE source_kind = 'queue-snapshot');

UPDATE signals SET observer_ip = COALESCE(json_extract(evidence_json, '$.local_endpoint'), ''),
                   observer = COALESCE((SELECT json_extract(e.fields_json, '$."connector-id"') FROM events e
                                        WHERE e.id = signals.event_id AND json_valid(e.fields_json)), '')
WHERE json_valid(evidence_json) AND event_id IN (SELECT id FROM events WHERE source_kind = 'protocol-log');
UPDATE signals SET observer = CASE WHEN instr(observer, '\') > 1 THEN trim(substr(observer, 1, instr(observer, '\') - 1)) ELSE '' END,
                   observer_ip = CASE WHEN observer_ip LIKE '[%]%' THEN substr(observer_ip, 2, instr(observer_ip, ']') - 2)
                                      WHEN length(observer_ip) - length(replace(observer_ip, ':', '')) = 1
                                        THEN substr(observer_ip, 1, instr(observer_ip, ':') - 1)
                                      ELSE '' END
WHERE event_id IN (SELECT id FROM events WHERE source_kind = 'protocol-log');
UPDATE signals SET observer = COALESCE((SELECT substr(value, instr(value, ',>,EHLO ') + 8) FROM json_each(signals.evidence_json, '$.lines')
                                        WHERE value LIKE '%,>,EHLO %' LIMIT 1), '')
WHERE observer = '' AND json_valid(evidence_json) AND event_id IN (SELECT id FROM events WHERE source_kind = 'protocol-log');
UPDATE signals SET observer = trim(substr(observer, 1, instr(observer, ',') - 1))
WHERE instr(observer, ',') > 0 AND event_id IN (SELECT id FROM events WHERE source_kind = 'protocol-log');

UPDATE incidents SET observer = COALESCE(
  (SELECT s.observer FROM signals s WHERE s.incident_id = incidents.id AND s.class = 'fault' AND s.observer LIKE '%_.%_' ORDER BY s.id LIMIT 1),
  (SELECT s.observer FROM signals s WHERE s.incident_id = incidents.id AND s.class = 'fault' AND s.observer <> '' ORDER BY s.id LIMIT 1),
  (SELECT s.observer_ip FROM signals s WHERE s.incident_id = incidents.id AND s.class = 'fault' AND s.observer_ip <> '' ORDER BY s.id LIMIT 1),
  '');

DROP INDEX incidents_by_status_direction_peer;
CREATE INDEX incidents_by_status_direction_peer ON incidents(status, direction, peer, peer_context, observer);
-- The metrics count the alerts waiting for delivery after every pass.
CREATE INDEX alerts_pending ON alerts(id) WHERE delivered_at IS NULL;
)sql";

constexpr std::array kMigrations{
    Migration{1, "initial schema", kInitialSchema},
    Migration{2, "monitor state", kMonitorState},
    Migration{3, "context signals", kContextSignals},
    Migration{4, "verdicts and peer context", kVerdictsAndPeerContext},
    Migration{5, "quarantine and detector sessions", kQuarantineAndDetectorSessions},
    Migration{6, "observers", kObservers},
};

constexpr std::string_view kMigrationLog = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)
)sql";

void apply(SQLite::Database& db, const Migration& migration) {
  db.exec("BEGIN IMMEDIATE");
  try {
    if (read_schema_version(db) < migration.version) {
      db.exec(std::string(kMigrationLog));
      db.exec(std::string(migration.sql));
      SQLite::Statement record(db, "INSERT INTO schema_migrations(version, name) VALUES (?, ?)");
      record.bind(1, migration.version);
      record.bind(2, std::string(migration.name));
      record.exec();
      // PRAGMA takes no bound parameters; the version is our own integer.
      db.exec("PRAGMA user_version = " + std::to_string(migration.version));
    }
    db.exec("COMMIT");
  } catch (...) {
    db.tryExec("ROLLBACK");
    throw;
  }
}

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations.back().version; }

int read_schema_version(SQLite::Database& db) { return db.execAndGet("PRAGMA user_version").getInt(); }

void apply_pending_migrations(SQLite::Database& db) {
  const int current = read_schema_version(db);
  for (const auto& migration : kMigrations) {
    if (migration.version > current) apply(db, migration);
  }
}

}  // namespace authwatch::storage

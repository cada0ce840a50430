// Migration 6 (issue 14): a database written before observers existed gets them derived from what
// its events kept, by the same rules the detector now applies.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "storage/migrations.hpp"
#include "storage/store.hpp"
#include "storage_fixture.hpp"

namespace authwatch::storage {
namespace {

using testing::open_or_fail;
using testing::TempDir;

// The schema as version 4 left it, with one event and signal of each kind and two incidents.
void write_version_4_database(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT '')");
  for (const auto& m : migrations()) {
    if (m.version > 4) break;
    db.exec(std::string(m.sql));
    db.exec("INSERT INTO schema_migrations(version, name) VALUES (" + std::to_string(m.version) + ", 'old')");
  }
  db.exec("PRAGMA user_version = 4");
  db.exec(R"sql(
INSERT INTO incidents(id, direction, peer, peer_name, status, first_seen, last_seen, signal_count) VALUES
  (1, 'outbound', '10.0.0.2', 'ex2.contoso.com', 'resolved', '2024-03-15T10:05:30.000Z', '2024-03-15T10:06:02.001Z', 3),
  (2, 'inbound', '10.0.0.1', 'ex1.contoso.com', 'resolved', '2024-03-15T10:02:11.483Z', '2024-03-15T10:02:11.483Z', 2),
  (3, 'inbound', '10.0.0.7', '', 'resolved', '2024-03-15T10:02:11.483Z', '2024-03-15T10:02:11.483Z', 1);
INSERT INTO events(id, dedup_key, source_kind, location, time_utc, computer, fields_json) VALUES
  (1, 'evt:1', 'event-xml', 'ex1-application.xml', '2024-03-15T10:05:30.000Z', 'ex1.contoso.com', '{}'),
  (2, 'q:1', 'queue-snapshot', 'ex1-get-queue.json', '2024-03-15T10:06:02.000Z', '', '{"Identity":"EX1\\12","LastError":"x"}'),
  (3, 'plog:send:1', 'protocol-log', 'SEND.LOG', '2024-03-15T10:06:02.001Z', '', '{"connector-id":"Intra-Organization SMTP Send Connector"}'),
  (4, 'plog:recv:1', 'protocol-log', 'RECV.LOG', '2024-03-15T10:02:11.483Z', '', '{"connector-id":"EX2\\Default EX2"}'),
  (5, 'plog:recv:2', 'protocol-log', 'RECV.LOG', '2024-03-15T10:02:11.483Z', '', 'not json'),
  (6, 'evt:2', 'evtx', 'ex2.evtx', '2024-03-15T10:02:11.483Z', 'ex2.contoso.com', '{}');
INSERT INTO signals(id, dedup_key, event_id, incident_id, time_utc, rule, class, direction, evidence_json) VALUES
  (1, 's1', 1, 1, '2024-03-15T10:05:30.000Z', 'r', 'fault', 'outbound', '{}'),
  (2, 's2', 2, 1, '2024-03-15T10:06:02.000Z', 'r', 'fault', 'outbound', '{}'),
  (3, 's3', 3, 1, '2024-03-15T10:06:02.001Z', 'r', 'fault', 'outbound',
      '{"local_endpoint":"10.0.0.1:52011","lines":["2024-03-15T10:06:01.906Z,Intra-Organization SMTP Send Connector,08DC,3,10.0.0.1:52011,10.0.0.2:2525,>,EHLO ex1.contoso.com,"]}'),
  (4, 's4', 4, 2, '2024-03-15T10:02:11.483Z', 'r', 'fault', 'inbound', '{"local_endpoint":"[2001:db8::2]:2525","lines":[]}'),
  (5, 's5', 5, 3, '2024-03-15T10:02:11.483Z', 'r', 'fault', 'inbound', 'not json either');
)sql");
}

}  // namespace

TEST(MigrationObservers, ExistingRowsGetTheObserverTheirEventsName) {
  TempDir dir;
  const auto file = dir.path() / "v4.db";
  write_version_4_database(file.string());
  auto db = open_or_fail(file);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->schema_version(), latest_schema_version());
  auto& sql = db->sqlite();
  auto observer = [&](int id) { return sql.execAndGet("SELECT observer || '|' || observer_ip FROM signals WHERE id = " + std::to_string(id)).getString(); };
  EXPECT_EQ(observer(1), "ex1.contoso.com|") << "an event: its Computer";
  EXPECT_EQ(observer(2), "EX1|") << "a queue: the server of its Identity";
  EXPECT_EQ(observer(3), "ex1.contoso.com|10.0.0.1") << "a send log: its EHLO and its local end";
  EXPECT_EQ(observer(4), "EX2|2001:db8::2") << "a receive log: its connector's server and its local end";
  EXPECT_EQ(observer(5), "|") << "nothing to derive from: left empty, not guessed";

  Store store(*db);
  EXPECT_EQ(store.incident(1)->observer, "ex1.contoso.com") << "the FQDN its faults give";
  EXPECT_EQ(store.incident(2)->observer, "EX2");
  EXPECT_EQ(store.incident(3)->observer, "");
  // What the monitor writes from now on round-trips.
  auto changed = *store.incident(3);
  changed.observer = "ex2.contoso.com";
  store.update_incident(changed);
  EXPECT_EQ(store.incident(3)->observer, "ex2.contoso.com");
}

}  // namespace authwatch::storage

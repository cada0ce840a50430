#include "storage/database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/migrations.hpp"
#include "storage/store.hpp"
#include "storage_fixture.hpp"

namespace authwatch::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::at;
using testing::make_event;
using testing::open_or_fail;
using testing::read_bytes;
using testing::TempDir;

int pragma_int(Database& db, const char* name) {
  return db.sqlite().execAndGet(std::string("PRAGMA ") + name).getInt();
}

int64_t migration_rows(Database& db) {
  return db.sqlite().execAndGet("SELECT count(*) FROM schema_migrations").getInt64();
}

// Versions rise from 1; a number may be missing while the branch that holds it is not merged yet.
TEST(Migrations, AreNumberedFromOneInRisingOrder) {
  auto all = migrations();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all[0].version, 1);
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0) {
      EXPECT_GT(all[i].version, all[i - 1].version);
    }
    EXPECT_FALSE(all[i].name.empty());
  }
  EXPECT_EQ(latest_schema_version(), all.back().version);
}

TEST(Database, CreatesFolderAndFileAndMigratesToLatest) {
  TempDir dir;
  const auto file = dir.path() / "nested" / "deeper" / "authwatch.db";
  auto db = open_or_fail(file);
  ASSERT_TRUE(db);
  EXPECT_TRUE(fs::exists(file));
  EXPECT_EQ(db->schema_version(), latest_schema_version());
  EXPECT_EQ(pragma_int(*db, "user_version"), latest_schema_version());
  EXPECT_EQ(migration_rows(*db), static_cast<int64_t>(migrations().size()));
  EXPECT_EQ(db->path(), file.string());
  EXPECT_FALSE(db->read_only());
  for (const char* table : {"sources", "events", "signals", "incidents", "probe_runs", "findings", "alerts"})
    EXPECT_TRUE(db->sqlite().tableExists(table)) << table;
  for (const char* index : {"signals_by_time", "signals_by_incident", "signals_by_peer_ip", "signals_by_peer_name",
                            "signals_unassigned_faults", "incidents_by_status_direction_peer", "events_by_time"}) {
    SQLite::Statement st(db->sqlite(), "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?");
    st.bind(1, index);
    ASSERT_TRUE(st.executeStep());
    EXPECT_EQ(st.getColumn(0).getInt(), 1) << index;
  }
}

TEST(Database, ReopeningIsIdempotent) {
  TempDir dir;
  const auto file = dir.path() / "authwatch.db";
  std::string first_applied_at;
  {
    auto db = open_or_fail(file);
    ASSERT_TRUE(db);
    first_applied_at = db->sqlite().execAndGet("SELECT applied_at FROM schema_migrations WHERE version = 1").getString();
  }
  for (int i = 0; i < 2; ++i) {
    auto db = open_or_fail(file);
    ASSERT_TRUE(db);
    EXPECT_EQ(db->schema_version(), latest_schema_version());
    EXPECT_EQ(migration_rows(*db), static_cast<int64_t>(migrations().size()));
    EXPECT_EQ(db->sqlite().execAndGet("SELECT applied_at FROM schema_migrations WHERE version = 1").getString(),
              first_applied_at);
  }
}

TEST(Database, SetsWalAndConnectionPragmas) {
  TempDir dir;
  auto db = open_or_fail(dir.path() / "authwatch.db");
  ASSERT_TRUE(db);
  EXPECT_EQ(db->sqlite().execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(pragma_int(*db, "synchronous"), 1);  // NORMAL
  EXPECT_EQ(pragma_int(*db, "foreign_keys"), 1);
  EXPECT_EQ(pragma_int(*db, "busy_timeout"), 5000);
}

TEST(Database, RefusesANewerSchemaInBothModesAndLeavesTheFileAlone) {
  TempDir dir;
  const auto file = dir.path() / "future.db";
  const int future = latest_schema_version() + 1;
  {
    SQLite::Database crafted(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    crafted.exec("CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)");
    crafted.exec("CREATE TABLE from_the_future(x)");
    crafted.exec("PRAGMA user_version = " + std::to_string(future));
  }
  const auto bytes = read_bytes(file);
  const auto mtime = fs::last_write_time(file);
  ASSERT_FALSE(bytes.empty());

  for (auto mode : {Database::Mode::ReadWrite, Database::Mode::ReadOnly}) {
    auto db = Database::open(file.string(), mode);
    ASSERT_FALSE(db.ok());
    EXPECT_THAT(db.error(), HasSubstr(file.string() + ": schema version " + std::to_string(future)));
    EXPECT_THAT(db.error(), HasSubstr("knows up to " + std::to_string(latest_schema_version())));
    EXPECT_THAT(db.error(), HasSubstr("upgrade AuthWatch"));
    EXPECT_EQ(db.code(), DatabaseFailure::Refused) << "no retry helps: the monitor does not start";
  }
  EXPECT_EQ(read_bytes(file), bytes);
  EXPECT_EQ(fs::last_write_time(file), mtime);
  EXPECT_FALSE(fs::exists(file.string() + "-wal"));
}

TEST(Database, ReadOnlyOnAMissingFileIsAnErrorAndCreatesNothing) {
  TempDir dir;
  const auto file = dir.path() / "not-yet" / "authwatch.db";
  auto db = Database::open(file.string(), Database::Mode::ReadOnly);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error(), file.string() + ": no AuthWatch database here (run `authwatch scan` first)");
  EXPECT_EQ(db.code(), DatabaseFailure::Unavailable);
  EXPECT_NE(db.code(), DatabaseFailure::Refused);
  EXPECT_EQ(db.code().message(), "unavailable");
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file.parent_path()));
}

TEST(Database, ReadOnlyReadsButRejectsWrites) {
  TempDir dir;
  const auto file = dir.path() / "authwatch.db";
  {
    auto db = open_or_fail(file);
    ASSERT_TRUE(db);
    Store store(*db);
    auto source = store.save_source("evtx", "/logs/a.evtx", {}, 1, 0, "", at("2024-03-15T10:00:00Z"));
    ASSERT_TRUE(store.insert_event(make_event("evt:a", "2024-03-15T10:00:00Z"), source));
  }
  auto db = open_or_fail(file, Database::Mode::ReadOnly);
  ASSERT_TRUE(db);
  EXPECT_TRUE(db->read_only());
  EXPECT_EQ(db->schema_version(), latest_schema_version());
  Store store(*db);
  EXPECT_EQ(store.count_events(), 1);
  EXPECT_TRUE(store.find_source("evtx", "/logs/a.evtx"));
  EXPECT_THROW(store.insert_event(make_event("evt:b", "2024-03-15T10:01:00Z"), 0), std::runtime_error);
  EXPECT_THROW(store.save_source("evtx", "/logs/b.evtx", {}, 1, 0, "", at("2024-03-15T10:00:00Z")),
               std::runtime_error);
  EXPECT_EQ(store.count_events(), 1);
  EXPECT_EQ(store.sources().size(), 1u);
}

TEST(Database, ReadOnlyRefusesAnOlderSchemaAndReadWriteUpgradesIt) {
  TempDir dir;
  const auto file = dir.path() / "old.db";
  {
    // What an AuthWatch that knew no migrations yet would have left: the log table, version 0.
    SQLite::Database crafted(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    crafted.exec("CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT)");
  }
  auto read_only = Database::open(file.string(), Database::Mode::ReadOnly);
  ASSERT_FALSE(read_only.ok());
  EXPECT_THAT(read_only.error(), HasSubstr(file.string() + ": schema version 0 is older"));
  EXPECT_THAT(read_only.error(), HasSubstr("to upgrade it"));

  auto db = open_or_fail(file);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->schema_version(), latest_schema_version());
  EXPECT_TRUE(db->sqlite().tableExists("signals"));
}

TEST(Database, ReadOnlyOnAnEmptyFileSaysThereIsNoDatabase) {
  TempDir dir;
  const auto file = dir.path() / "empty.db";
  std::ofstream(file).close();
  auto db = Database::open(file.string(), Database::Mode::ReadOnly);
  ASSERT_FALSE(db.ok());
  EXPECT_THAT(db.error(), HasSubstr("no AuthWatch database here"));
  EXPECT_EQ(fs::file_size(file), 0u);
}

TEST(Database, NotADatabaseFileIsAnErrorNamingThePathAndIsLeftAlone) {
  TempDir dir;
  const auto file = dir.path() / "RECV2023011116-1.LOG";
  fs::copy_file(fs::path(AUTHWATCH_TEST_DATA) / "exchange" / "RECV2023011116-1.LOG", file);
  const auto bytes = read_bytes(file);
  for (auto mode : {Database::Mode::ReadWrite, Database::Mode::ReadOnly}) {
    auto db = Database::open(file.string(), mode);
    ASSERT_FALSE(db.ok());
    EXPECT_THAT(db.error(), HasSubstr(file.string() + ": "));
    EXPECT_THAT(db.error(), HasSubstr("file is not a database"));  // SQLite's own words
  }
  EXPECT_EQ(read_bytes(file), bytes);
}

TEST(Database, RefusesAnotherProgramsSqliteDatabase) {
  TempDir dir;
  const auto file = dir.path() / "other.db";
  {
    SQLite::Database crafted(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    crafted.exec("CREATE TABLE contacts(name TEXT)");
  }
  const auto bytes = read_bytes(file);
  auto db = Database::open(file.string(), Database::Mode::ReadWrite);
  ASSERT_FALSE(db.ok());
  EXPECT_THAT(db.error(), HasSubstr(file.string() + ": an SQLite database of another program"));
  EXPECT_EQ(read_bytes(file), bytes);
}

TEST(Database, TransactionCommitsWhenTheBodyReturns) {
  TempDir dir;
  auto db = open_or_fail(dir.path() / "authwatch.db");
  ASSERT_TRUE(db);
  Store store(*db);
  db->transaction([&] { ASSERT_TRUE(store.insert_event(make_event("evt:1", "2024-03-15T10:00:00Z"), 0)); });
  EXPECT_EQ(store.count_events(), 1);
}

TEST(Database, TransactionRollsBackWhenTheBodyThrows) {
  TempDir dir;
  auto db = open_or_fail(dir.path() / "authwatch.db");
  ASSERT_TRUE(db);
  Store store(*db);
  EXPECT_THROW(db->transaction([&] {
    auto source = store.save_source("evtx", "/logs/a.evtx", {}, 5, 0, "", at("2024-03-15T10:00:00Z"));
    auto event = store.insert_event(make_event("evt:1", "2024-03-15T10:00:00Z"), source);
    ASSERT_TRUE(event);
    store.insert_signal(testing::make_signal("sig:1", "evt:1", "2024-03-15T10:00:00Z"), *event);
    throw std::runtime_error("reader failed half-way");
  }),
               std::runtime_error);
  EXPECT_EQ(store.count_events(), 0);
  EXPECT_EQ(store.count_signals(), 0);
  EXPECT_TRUE(store.sources().empty());
  // The connection is usable afterwards: no transaction was left open.
  db->transaction([&] { store.insert_event(make_event("evt:2", "2024-03-15T10:00:00Z"), 0); });
  EXPECT_EQ(store.count_events(), 1);
}

TEST(Database, NestedTransactionRollsBackOnlyItsOwnPart) {
  TempDir dir;
  auto db = open_or_fail(dir.path() / "authwatch.db");
  ASSERT_TRUE(db);
  Store store(*db);
  db->transaction([&] {
    store.insert_event(make_event("evt:outer", "2024-03-15T10:00:00Z"), 0);
    EXPECT_THROW(db->transaction([&] {
      store.insert_event(make_event("evt:inner", "2024-03-15T10:00:00Z"), 0);
      throw std::runtime_error("inner failed");
    }),
                 std::runtime_error);
  });
  EXPECT_EQ(store.count_events(), 1);
  EXPECT_EQ(db->sqlite().execAndGet("SELECT dedup_key FROM events").getString(), "evt:outer");
}

// Version 3 rebuilt the signals table to allow the 'context' class: a database written by a
// version-2 binary keeps every signal row, its incident link and its indexes, and takes context.
TEST(Database, TheContextMigrationKeepsEverySignalOfAVersion2File) {
  TempDir dir;
  const auto file = dir.path() / "authwatch.db";
  {
    SQLite::Database v2(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    v2.exec("BEGIN");
    v2.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))");
    for (const auto& m : migrations()) {
      if (m.version > 2) continue;
      v2.exec(std::string(m.sql));
      v2.exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 'v2', '2026-01-01T00:00:00Z')");
    }
    v2.exec("PRAGMA user_version = 2");
    v2.exec("COMMIT");
    v2.exec("INSERT INTO events(dedup_key, source_kind, location, time_utc) VALUES ('evt:1', 'evtx', 'a.evtx', '2024-03-15T10:00:00.000Z')");
    v2.exec("INSERT INTO incidents(direction, peer, status, first_seen, last_seen) VALUES ('outbound', '10.0.0.2', 'open', "
            "'2024-03-15T10:00:00.000Z', '2024-03-15T10:00:00.000Z')");
    v2.exec("INSERT INTO signals(dedup_key, event_id, incident_id, time_utc, rule, class, direction, status) VALUES "
            "('sig:1', 1, 1, '2024-03-15T10:00:00.000Z', 'exchange-2017-outbound-auth', 'fault', 'outbound', 'LogonDenied')");
    EXPECT_THROW(v2.exec("INSERT INTO signals(dedup_key, event_id, time_utc, rule, class, direction) VALUES "
                         "('sig:2', 1, '2024-03-15T10:00:00.000Z', 'kerberos-3-error', 'context', 'outbound')"),
                 SQLite::Exception)
        << "version 2 does not know the class";
  }
  auto db = open_or_fail(file);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->schema_version(), latest_schema_version());
  auto& sql = db->sqlite();
  EXPECT_EQ(sql.execAndGet("SELECT incident_id || ' ' || status FROM signals WHERE dedup_key = 'sig:1'").getString(), "1 LogonDenied");
  sql.exec("INSERT INTO signals(dedup_key, event_id, time_utc, rule, class, direction) VALUES "
           "('sig:2', 1, '2024-03-15T10:00:00.000Z', 'kerberos-3-error', 'context', 'outbound')");
  EXPECT_THROW(sql.exec("INSERT INTO signals(dedup_key, event_id, time_utc, rule, class, direction) VALUES "
                        "('sig:3', 1, '2024-03-15T10:00:00.000Z', 'x', 'other', 'outbound')"),
               SQLite::Exception)
      << "the CHECK still holds for anything else";
  for (const char* index : {"signals_by_time", "signals_by_incident", "signals_by_peer_ip", "signals_by_peer_name",
                            "signals_by_event", "signals_unassigned_faults", "signals_unassigned_context"}) {
    SQLite::Statement st(sql, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?");
    st.bind(1, index);
    ASSERT_TRUE(st.executeStep());
    EXPECT_EQ(st.getColumn(0).getInt(), 1) << index;
  }
  SQLite::Statement dangling(sql, "PRAGMA foreign_key_check");
  EXPECT_FALSE(dangling.executeStep()) << "no signal points at a missing event or incident";
}

}  // namespace
}  // namespace authwatch::storage

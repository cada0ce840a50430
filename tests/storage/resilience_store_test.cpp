// The storage side of issue 12 parts 2 and 7 on real SQLite files: failures classified by kind
// (a real second connection holding the write lock), a Database that lives through a dropped
// connection, the copy that writes a deleted file back, the bounded quarantine, and the
// detector's sessions stored as changes.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "storage/database_failure.hpp"
#include "storage/store.hpp"
#include "storage_fixture.hpp"

namespace authwatch::storage {
namespace {

using testing::at;
using testing::open_or_fail;
using testing::TempDir;

TEST(DatabaseFailureKind, AWriteLockHeldPastTheBusyTimeoutIsBusyAndTheConnectionStaysUsable) {
  TempDir dir;
  const auto file = dir.path() / "a.db";
  auto opened = Database::open(file.string(), Database::Mode::ReadWrite, OpenOptions{std::chrono::milliseconds{20}});
  ASSERT_TRUE(opened.ok()) << opened.error();
  auto& db = *opened.value();
  Store store(db);
  SQLite::Database other(file.string(), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  try {
    db.transaction([&] { store.set_monitor_state("x", "1", at("2026-11-28T16:00:00Z")); });
    FAIL() << "the write lock is held";
  } catch (const std::exception& e) {
    EXPECT_EQ(database_failure(e), DatabaseFailure::Busy) << e.what();
  }
  other.exec("ROLLBACK");
  db.transaction([&] { store.set_monitor_state("x", "1", at("2026-11-28T16:00:00Z")); });
  EXPECT_EQ(store.monitor_state().at("x").value, "1");
}

TEST(DatabaseFailureKind, ARecordsOwnErrorIsNotTheDatabases) {
  TempDir dir;
  auto db = open_or_fail(dir.path() / "a.db");
  try {
    db->sqlite().exec("INSERT INTO no_such_table VALUES (1)");
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_EQ(database_failure(e), DatabaseFailure::None) << e.what();
  }
  EXPECT_EQ(database_failure(std::runtime_error("json")), DatabaseFailure::None);
  EXPECT_EQ(database_failure(std::bad_alloc()), DatabaseFailure::OutOfMemory);
}

TEST(Database, NotConnectedEveryUseThrowsTheFailureThatLeftItSoAndConnectMendsIt) {
  TempDir dir;
  const auto file = dir.path() / "sub" / "a.db";
  auto db = Database::unconnected(file.string());
  EXPECT_FALSE(db->connected());
  EXPECT_THROW(db->sqlite(), DatabaseError);
  ASSERT_FALSE(db->connect()) << "created with its folder";
  Store store(*db);
  db->transaction([&] { store.set_monitor_state("kept", "yes", at("2026-11-28T16:00:00Z")); });
  db->disconnect(DatabaseFailure::ReadOnly, "made read-only");
  try {
    store.monitor_state();
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_EQ(database_failure(e), DatabaseFailure::ReadOnly);
    EXPECT_NE(std::string(e.what()).find("made read-only"), std::string::npos) << e.what();
  }
  ASSERT_FALSE(db->connect());
  EXPECT_EQ(store.monitor_state().at("kept").value, "yes") << "the same Store works across the reconnect";
}

TEST(Database, ADeletedFileIsNoticedAndItsCopyHoldsEverythingCommitted) {
#ifdef _WIN32
  GTEST_SKIP() << "Windows refuses to delete a file SQLite holds open: the case cannot arise there";
#endif
  TempDir dir;
  const auto file = dir.path() / "a.db";
  auto db = open_or_fail(file);
  Store store(*db);
  db->transaction([&] { store.set_monitor_state("kept", "yes", at("2026-11-28T16:00:00Z")); });
  EXPECT_FALSE(db->file_moved());
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
  EXPECT_TRUE(db->file_moved());
  const auto copy = dir.path() / "copy.db";
  db->save_copy(copy.string());
  auto reopened = open_or_fail(copy, Database::Mode::ReadOnly);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(Store(*reopened).monitor_state().at("kept").value, "yes");
  EXPECT_EQ(db->integrity_problems(), "");
}

QuarantineRecord quarantined(const std::string& key, const char* when) {
  QuarantineRecord q;
  q.source_kind = "protocol-log";
  q.location = "/logs/RECV1.LOG";
  q.locator = "line " + key;
  q.key = key;
  q.error = "refused";
  q.excerpt = std::string("bad \xE9 byte");  // kept as it came
  q.first_seen = q.last_seen = at(when);
  return q;
}

TEST(Quarantine, ARecordMetAgainIsCountedNotAddedAndTheTableIsBounded) {
  TempDir dir;
  auto db = open_or_fail(dir.path() / "a.db");
  Store store(*db);
  db->transaction([&] {
    EXPECT_TRUE(store.quarantine(quarantined("k1", "2026-11-28T16:00:00Z")));
    auto again = quarantined("k1", "2026-11-28T16:05:00Z");
    again.error = "refused again";
    EXPECT_FALSE(store.quarantine(again));
  });
  auto rows = store.quarantined(10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].count, 2);
  EXPECT_EQ(rows[0].error, "refused again");
  EXPECT_EQ(rows[0].first_seen, at("2026-11-28T16:00:00Z"));
  EXPECT_EQ(rows[0].last_seen, at("2026-11-28T16:05:00Z"));
  EXPECT_EQ(rows[0].excerpt, std::string("bad \xE9 byte"));

  db->transaction([&] {
    for (int i = 0; i < kMaxQuarantineRows + 4; ++i) {
      auto q = quarantined("n" + std::to_string(i), "2026-11-28T17:00:00Z");
      q.last_seen += std::chrono::seconds{i};
      store.quarantine(q);
    }
  });
  EXPECT_EQ(store.count_quarantined(), kMaxQuarantineRows);
  EXPECT_EQ(store.quarantine_dropped(), 5) << "k1 and the four oldest new ones made room";
  EXPECT_EQ(store.quarantined(1)[0].key, "n" + std::to_string(kMaxQuarantineRows + 3)) << "most recently met first";
}

TEST(DetectorSessions, ChangesAreSavedAndRemovedAndReadBackByteForByte) {
  TempDir dir;
  auto db = open_or_fail(dir.path() / "a.db");
  Store store(*db);
  const std::string state("\x01\x05\x00binary\xFF", 10);
  DetectorSessionChanges first;
  first.saved = {{"plog-session:a:1", state, 1}, {"plog-session:a:2", "two", 2}};
  db->transaction([&] { store.save_detector_sessions(first); });
  DetectorSessionChanges second;
  second.removed = {"plog-session:a:1"};
  second.saved = {{"plog-session:a:2", "two, changed", 3}};
  db->transaction([&] { store.save_detector_sessions(second); });
  auto stored = store.detector_sessions();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].key, "plog-session:a:2");
  EXPECT_EQ(stored[0].state, "two, changed");
  EXPECT_EQ(stored[0].used, 3u);

  DetectorSessionChanges third;
  third.saved = {{"plog-session:a:1", state, 4}};
  db->transaction([&] { store.save_detector_sessions(third); });
  stored = store.detector_sessions();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[1].state, state) << "NUL and non-UTF-8 bytes kept";
}

}  // namespace
}  // namespace authwatch::storage

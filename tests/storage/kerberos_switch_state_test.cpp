// The pending Kerberos LogLevel revert (storage/kerberos_switch_state) in a real SQLite database: stored with the incident open in
// one transaction, gone with it on rollback, and still there for a new monitor after the process
// that stored it died without closing anything (fork + _exit).
#include "storage/kerberos_switch_state.hpp"

#ifndef _WIN32
#include <sys/wait.h>
#include <unistd.h>
#endif

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage_fixture.hpp"

using namespace authwatch;
using namespace authwatch::storage;
using authwatch::storage::testing::at;
using authwatch::storage::testing::open_or_fail;
using authwatch::storage::testing::TempDir;

namespace {

Incident opened_incident() {
  Incident i;
  i.direction = Direction::Inbound;
  i.peer = "10.0.0.12";
  i.first_seen = at("2024-03-15T10:00:00Z");
  i.last_seen = i.first_seen;
  i.signal_count = 1;
  return i;
}

TEST(KerberosLoggingState, NothingPendingInAFreshDatabase) {
  TempDir dir;
  auto db = open_or_fail(dir.path() / "authwatch.db");
  ASSERT_TRUE(db);
  Store store(*db);
  auto loaded = load_kerberos_logging_pending(store);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_FALSE(loaded.value().has_value());
}

TEST(KerberosLoggingState, StoredWithTheIncidentAndClearedAfterTheRevert) {
  TempDir dir;
  auto db = open_or_fail(dir.path() / "authwatch.db");
  ASSERT_TRUE(db);
  Store store(*db);
  const KerberosLoggingPending pending{std::nullopt, at("2024-03-15T10:30:00Z")};
  db->transaction([&] {
    store.insert_incident(opened_incident());
    store_kerberos_logging_pending(store, pending, at("2024-03-15T10:00:00Z"));
  });
  auto loaded = load_kerberos_logging_pending(store);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded.value(), std::optional<KerberosLoggingPending>(pending));

  db->transaction([&] { store_kerberos_logging_pending(store, std::nullopt, at("2024-03-15T10:30:00Z")); });
  auto after = load_kerberos_logging_pending(store);
  ASSERT_TRUE(after.ok()) << after.error();
  EXPECT_FALSE(after.value().has_value());
}

TEST(KerberosLoggingState, ARolledBackIncidentOpenLeavesNoPendingSwitch) {
  TempDir dir;
  auto db = open_or_fail(dir.path() / "authwatch.db");
  ASSERT_TRUE(db);
  Store store(*db);
  EXPECT_THROW(db->transaction([&] {
    store_kerberos_logging_pending(store, KerberosLoggingPending{0u, at("2024-03-15T10:30:00Z")}, at("2024-03-15T10:00:00Z"));
    throw std::runtime_error("incident insert failed");
  }),
               std::runtime_error);
  auto loaded = load_kerberos_logging_pending(store);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_FALSE(loaded.value().has_value());
  EXPECT_EQ(store.incidents(IncidentFilter::All).size(), 0u);
}

#ifndef _WIN32  // fork; under Wine the same case runs with the registry in tests/win/kerberos_switch_wine_test.cpp
TEST(KerberosLoggingState, AMonitorThatCrashedLeavesTheRevertToTheNextOne) {
  TempDir dir;
  const auto file = dir.path() / "authwatch.db";
  { auto db = open_or_fail(file); ASSERT_TRUE(db); }  // schema created before the fork
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The "crashed" monitor: switch stored, then the process dies without closing the database.
    auto db = Database::open(file.string(), Database::Mode::ReadWrite);
    if (!db) _exit(2);
    Store store(*db.value());
    db.value()->transaction([&] { store_kerberos_logging_pending(store, KerberosLoggingPending{0u, at("2024-03-15T10:30:00Z")}, at("2024-03-15T10:00:00Z")); });
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;

  // The new monitor at start-up, after the window: the decision is Revert, to the stored original.
  auto db = open_or_fail(file);
  ASSERT_TRUE(db);
  Store store(*db);
  auto loaded = load_kerberos_logging_pending(store);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  ASSERT_TRUE(loaded.value().has_value());
  EXPECT_EQ(loaded.value()->original, std::optional<uint32_t>(0));
  auto decision = decide_kerberos_logging({true, std::chrono::minutes(30)}, loaded.value(), false, 1u, at("2024-03-15T11:00:00Z"));
  EXPECT_EQ(decision.action, KerberosLoggingDecision::Action::Revert);
}
#endif

TEST(KerberosLoggingState, DamagedStoredTextIsAnErrorNamingTheRow) {
  TempDir dir;
  auto db = open_or_fail(dir.path() / "authwatch.db");
  ASSERT_TRUE(db);
  Store store(*db);
  store.set_monitor_state(kKerberosLoggingStateName, "{\"original\":0}", at("2024-03-15T10:00:00Z"));
  auto loaded = load_kerberos_logging_pending(store);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.error(), ::testing::HasSubstr("kerberos_logging"));
}

}  // namespace

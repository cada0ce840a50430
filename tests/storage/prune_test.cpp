#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "storage/store.hpp"
#include "storage_fixture.hpp"

namespace authwatch::storage {
namespace {

using testing::at;
using testing::make_event;
using testing::make_signal;
using testing::open_or_fail;
using testing::TempDir;

// A history spanning the cutoff (2024-03-01):
//   incident A  resolved 2024-01-10 (expired)  signal a1 2024-01-05, one probe run with a finding, one alert
//   incident B  open since 2024-01-01          signals b-old 2024-01-02, b-new 2024-03-05
//   incident C  resolved 2024-03-10 (kept)     signal c1 2024-02-20
//   unassigned  fault 2024-01-20, noise 2024-02-01 (both expire), noise 2024-03-02 (kept)
//   an event without a signal from 2024-01-15 (expires), a hand-started probe run 2024-01-03 (expires)
class PruneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = open_or_fail(dir_.path() / "authwatch.db");
    ASSERT_TRUE(db_);
    store_ = std::make_unique<Store>(*db_);
    a_ = incident("10.0.0.1", "2024-01-05T00:00:00Z", "2024-01-10T00:00:00Z");
    b_ = incident("10.0.0.2", "2024-01-01T00:00:00Z", std::nullopt);
    c_ = incident("10.0.0.3", "2024-02-20T00:00:00Z", "2024-03-10T00:00:00Z");
    signal("a1", "2024-01-05T00:00:00Z", a_);
    signal("b-old", "2024-01-02T00:00:00Z", b_);
    signal("b-new", "2024-03-05T00:00:00Z", b_);
    signal("c1", "2024-02-20T00:00:00Z", c_);
    signal("fault-old", "2024-01-20T00:00:00Z", std::nullopt);
    signal("noise-old", "2024-02-01T00:00:00Z", std::nullopt, SignalClass::Noise);
    signal("noise-new", "2024-03-02T00:00:00Z", std::nullopt, SignalClass::Noise);
    ASSERT_TRUE(store_->insert_event(make_event("evt:orphan", "2024-01-15T00:00:00Z"), 0));

    auto& db = db_->sqlite();
    const auto run_a = probe_run(a_, "2024-01-05T00:01:00Z");
    probe_run(std::nullopt, "2024-01-03T00:00:00Z");
    probe_run(b_, "2024-01-01T00:01:00Z");
    SQLite::Statement finding(db, "INSERT INTO findings(run_id, probe, status) VALUES (?, 'clock-skew', 'fail')");
    finding.bind(1, run_a);
    finding.exec();
    SQLite::Statement alert(db, "INSERT INTO alerts(incident_id, kind, created_at) VALUES (?, 'opened', ?)");
    alert.bind(1, a_);
    alert.bind(2, "2024-01-05T00:02:00.000Z");
    alert.exec();
  }

  int64_t incident(const std::string& peer, const char* first, std::optional<const char*> resolved) {
    Incident i;
    i.peer = peer;
    i.first_seen = i.last_seen = at(first);
    if (resolved) {
      i.status = IncidentStatus::Resolved;
      i.resolved_at = at(*resolved);
    }
    return store_->insert_incident(i);
  }

  void signal(const std::string& key, const char* time, std::optional<int64_t> incident_id,
              SignalClass signal_class = SignalClass::Fault) {
    auto event = store_->insert_event(make_event("evt:" + key, time), 0);
    ASSERT_TRUE(event);
    auto id = store_->insert_signal(make_signal(key, "evt:" + key, time, signal_class), *event);
    ASSERT_TRUE(id);
    if (incident_id) store_->assign_signal(*id, *incident_id);
  }

  int64_t probe_run(std::optional<int64_t> incident_id, const char* started) {
    SQLite::Statement st(db_->sqlite(), "INSERT INTO probe_runs(incident_id, started_at) VALUES (?, ?)");
    if (incident_id) st.bind(1, *incident_id);
    st.bind(2, started);
    st.exec();
    return db_->sqlite().getLastInsertRowid();
  }

  int64_t rows(const char* table) {
    return db_->sqlite().execAndGet(std::string("SELECT count(*) FROM ") + table).getInt64();
  }

  std::vector<std::string> signal_keys() {
    std::vector<std::string> out;
    for (const auto& s : store_->signals({})) out.push_back(s.signal.key);
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Store> store_;
  int64_t a_ = 0, b_ = 0, c_ = 0;
};

TEST_F(PruneTest, RemovesExpiredHistoryAndCountsIt) {
  PruneCounts counts;
  db_->transaction([&] { counts = store_->prune(at("2024-03-01T00:00:00Z")); });
  EXPECT_EQ(counts.incidents, 1);   // A
  EXPECT_EQ(counts.signals, 3);     // a1, fault-old, noise-old
  EXPECT_EQ(counts.events, 4);      // theirs, and the orphan
  EXPECT_EQ(counts.probe_runs, 2);  // A's, and the hand-started one
  EXPECT_EQ(counts.alerts, 1);      // A's

  EXPECT_FALSE(store_->incident(a_));
  EXPECT_EQ(rows("findings"), 0);  // with A's probe run
  EXPECT_EQ(rows("probe_runs"), 1);
  EXPECT_EQ(rows("alerts"), 0);
  EXPECT_EQ(signal_keys(), (std::vector<std::string>{"b-old", "c1", "noise-new", "b-new"}));
  EXPECT_EQ(store_->count_events(), 4);
}

TEST_F(PruneTest, KeepsOpenIncidentsWithAllTheirSignals) {
  store_->prune(at("2024-06-01T00:00:00Z"));
  auto open = store_->incidents(IncidentFilter::Open);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].id, b_);
  SignalQuery of_b;
  of_b.incident_id = b_;
  EXPECT_EQ(store_->signals(of_b).size(), 2u);
  EXPECT_EQ(rows("probe_runs"), 1);  // B's
  // C was resolved before this later cutoff, so it went, and nothing old is left unattached.
  EXPECT_FALSE(store_->incident(c_));
  EXPECT_EQ(signal_keys(), (std::vector<std::string>{"b-old", "b-new"}));
  EXPECT_TRUE(store_->unassigned_fault_signals().empty());
}

TEST_F(PruneTest, IsIdempotentAndNeverTouchesNewerData) {
  store_->prune(at("2024-03-01T00:00:00Z"));
  const auto again = store_->prune(at("2024-03-01T00:00:00Z"));
  EXPECT_EQ(again.incidents + again.signals + again.events + again.probe_runs + again.alerts, 0);
  const auto nothing_old = store_->prune(at("2023-01-01T00:00:00Z"));
  EXPECT_EQ(nothing_old.signals, 0);
  EXPECT_EQ(store_->count_signals(), 4);
}

}  // namespace
}  // namespace authwatch::storage

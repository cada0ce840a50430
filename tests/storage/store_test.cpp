#include "storage/store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <nlohmann/json.hpp>
#include <gtest/gtest.h>

#include "storage_fixture.hpp"

namespace authwatch::storage {
namespace {

using testing::at;
using testing::make_event;
using testing::make_signal;
using testing::open_or_fail;
using testing::TempDir;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = open_or_fail(dir_.path() / "authwatch.db");
    ASSERT_TRUE(db_);
    store_ = std::make_unique<Store>(*db_);
    source_ = store_->save_source("evtx", "/logs/Application.evtx", {}, 0, 0, "", at("2024-03-15T00:00:00Z"));
  }

  // Stores an event and its signal; returns the signal's row id.
  int64_t add(const std::string& key, const char* time, SignalClass signal_class = SignalClass::Fault,
              const std::string& peer_ip = "10.0.0.12", const std::string& peer_name = "") {
    auto event = store_->insert_event(make_event("evt:" + key, time, "record " + key), source_);
    EXPECT_TRUE(event) << key;
    auto signal = store_->insert_signal(make_signal("sig:" + key, "evt:" + key, time, signal_class, peer_ip, peer_name),
                                        event.value_or(0));
    EXPECT_TRUE(signal) << key;
    return signal.value_or(0);
  }

  static std::vector<std::string> keys(const std::vector<StoredSignal>& signals) {
    std::vector<std::string> out;
    for (const auto& s : signals) out.push_back(s.signal.key);
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Store> store_;
  int64_t source_ = 0;
};

Incident make_incident(const std::string& peer, const char* first, const char* last) {
  Incident i;
  i.direction = Direction::Outbound;
  i.peer = peer;
  i.peer_name = "ex02.contoso.com";
  i.first_seen = at(first);
  i.last_seen = at(last);
  i.signal_count = 3;
  return i;
}

TEST_F(StoreTest, EventInsertDeduplicatesOnTheNaturalKey) {
  auto first = store_->insert_event(make_event("evt:EX01|Application|42", "2024-03-15T10:00:00Z"), source_);
  ASSERT_TRUE(first);
  EXPECT_GT(*first, 0);
  // The same record again, e.g. from an XML export of the same log: nothing new.
  auto again = store_->insert_event(make_event("evt:EX01|Application|42", "2024-03-15T10:00:00Z", "item 7"), source_);
  EXPECT_FALSE(again);
  EXPECT_EQ(store_->count_events(), 1);
  auto other = store_->insert_event(make_event("evt:EX01|Application|43", "2024-03-15T10:00:01Z"), source_);
  ASSERT_TRUE(other);
  EXPECT_NE(*other, *first);
  EXPECT_EQ(store_->count_events(), 2);
}

TEST_F(StoreTest, EventColumnsAreStoredAsGiven) {
  auto row = store_->insert_event(make_event("evt:k", "2024-03-15T10:00:00.250Z", "record 42"), source_);
  ASSERT_TRUE(row);
  SQLite::Statement st(db_->sqlite(),
                       "SELECT source_id, source_kind, location, locator, time_utc, provider, event_id, level, channel, "
                       "computer, record_id, text, fields_json FROM events WHERE id = ?");
  st.bind(1, *row);
  ASSERT_TRUE(st.executeStep());
  EXPECT_EQ(st.getColumn(0).getInt64(), source_);
  EXPECT_EQ(st.getColumn(1).getString(), "evtx");
  EXPECT_EQ(st.getColumn(2).getString(), "/logs/Application.evtx");
  EXPECT_EQ(st.getColumn(3).getString(), "record 42");
  EXPECT_EQ(st.getColumn(4).getString(), "2024-03-15T10:00:00.250Z");
  EXPECT_EQ(st.getColumn(5).getString(), "MSExchangeFrontEndTransport");
  EXPECT_EQ(st.getColumn(6).getInt(), 1035);
  EXPECT_EQ(st.getColumn(7).getInt(), 2);
  EXPECT_EQ(st.getColumn(8).getString(), "Application");
  EXPECT_EQ(st.getColumn(9).getString(), "EX01.contoso.com");
  EXPECT_EQ(st.getColumn(10).getInt64(), 42);
  EXPECT_THAT(st.getColumn(11).getString(), ::testing::HasSubstr("IllegalMessage"));
  auto fields = nlohmann::json::parse(st.getColumn(12).getString());
  EXPECT_EQ(fields["1"], "IllegalMessage");
  EXPECT_EQ(fields["4"], "10.0.0.12");
}

TEST_F(StoreTest, SignalInsertDeduplicatesAndRoundTrips) {
  auto event = store_->insert_event(make_event("evt:1", "2024-03-15T10:00:00.125Z", "record 1"), source_);
  ASSERT_TRUE(event);
  auto signal = make_signal("sig:1", "evt:1", "2024-03-15T10:00:00.125Z", SignalClass::Fault, "10.0.0.12",
                            "EX02.contoso.com");
  signal.direction = Direction::Outbound;
  signal.target_spn = "SMTPSVC/EX02.contoso.com";
  auto first = store_->insert_signal(signal, *event);
  ASSERT_TRUE(first);
  EXPECT_FALSE(store_->insert_signal(signal, *event));
  EXPECT_EQ(store_->count_signals(), 1);

  auto stored = store_->signals({});
  ASSERT_EQ(stored.size(), 1u);
  const auto& s = stored[0];
  EXPECT_EQ(s.id, *first);
  EXPECT_EQ(s.event_id, *event);
  EXPECT_FALSE(s.incident_id);
  EXPECT_EQ(s.source_location, "/logs/Application.evtx");
  EXPECT_EQ(s.source_locator, "record 1");
  EXPECT_EQ(s.signal.key, "sig:1");
  EXPECT_EQ(s.signal.event_key, "evt:1");
  EXPECT_EQ(s.signal.rule, signal.rule);
  EXPECT_EQ(s.signal.signal_class, SignalClass::Fault);
  EXPECT_EQ(s.signal.direction, Direction::Outbound);
  EXPECT_EQ(s.signal.time, signal.time);
  EXPECT_EQ(s.signal.peer_ip, "10.0.0.12");
  EXPECT_EQ(s.signal.peer_name, "EX02.contoso.com");
  EXPECT_EQ(s.signal.connector, signal.connector);
  EXPECT_EQ(s.signal.mechanism, "ExchangeAuth");
  EXPECT_EQ(s.signal.status, "IllegalMessage");
  EXPECT_EQ(s.signal.reply, signal.reply);
  EXPECT_EQ(s.signal.target_spn, "SMTPSVC/EX02.contoso.com");
  EXPECT_EQ(s.signal.evidence, signal.evidence);
}

TEST_F(StoreTest, UnassignedFaultSignalsExcludeNoiseAndAssignedOnesOldestFirst) {
  const auto late = add("late", "2024-03-15T12:00:00Z");
  add("noise", "2024-03-15T09:00:00Z", SignalClass::Noise);
  const auto assigned = add("assigned", "2024-03-15T08:00:00Z");
  const auto early = add("early", "2024-03-15T10:00:00Z");
  const auto incident = store_->insert_incident(make_incident("10.0.0.12", "2024-03-15T08:00:00Z", "2024-03-15T08:00:00Z"));
  store_->assign_signal(assigned, incident);

  auto pending = store_->unassigned_fault_signals();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].id, early);
  EXPECT_EQ(pending[1].id, late);

  store_->assign_signal(early, incident);
  pending = store_->unassigned_fault_signals();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, late);
  EXPECT_THROW(store_->assign_signal(9999, incident), std::runtime_error);
}

TEST_F(StoreTest, UnassignedContextSignalsAreTheRecentUnattachedKerberosErrorsOldestFirst) {
  add("fault", "2024-03-15T10:00:00Z");
  add("noise", "2024-03-15T10:00:00Z", SignalClass::Noise);
  add("old", "2024-03-14T10:00:00Z", SignalClass::Context);
  const auto late = add("late", "2024-03-15T10:09:00Z", SignalClass::Context);
  const auto early = add("early", "2024-03-15T10:01:00Z", SignalClass::Context);
  const auto attached = add("attached", "2024-03-15T10:02:00Z", SignalClass::Context);
  store_->assign_signal(attached, store_->insert_incident(make_incident("10.0.0.12", "2024-03-15T10:00:00Z", "2024-03-15T10:00:00Z")));

  auto pending = store_->unassigned_context_signals(at("2024-03-15T00:00:00Z"));
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].id, early);
  EXPECT_EQ(pending[1].id, late);
  EXPECT_EQ(pending[0].signal.signal_class, SignalClass::Context) << "the class reads back";
  EXPECT_EQ(store_->unassigned_context_signals(at("2024-03-15T10:05:00Z")).size(), 1u) << "since is inclusive of later ones only";
  EXPECT_EQ(store_->unassigned_fault_signals().size(), 1u) << "context never waits as a fault";
}

TEST_F(StoreTest, SourceSaveAndFindRoundTripThePositionAndAccumulateCounts) {
  EXPECT_FALSE(store_->find_source("protocol-log", "/logs/RECV.LOG"));
  SourcePosition position{"fp:0123456789abcdef", 4096, 0, ""};
  const auto id = store_->save_source("protocol-log", "/logs/RECV.LOG", position, 100, 2, "line 17: bad date",
                                      at("2024-03-15T10:00:00Z"));
  SourcePosition later{"fp:0123456789abcdef", 8192, 7, "<BookmarkList/>"};
  EXPECT_EQ(store_->save_source("protocol-log", "/logs/RECV.LOG", later, 50, 1, "", at("2024-03-15T11:00:00.500Z")),
            id);

  auto found = store_->find_source("protocol-log", "/logs/RECV.LOG");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->kind, "protocol-log");
  EXPECT_EQ(found->location, "/logs/RECV.LOG");
  EXPECT_EQ(found->position, later);
  EXPECT_EQ(found->records_read, 150u);
  EXPECT_EQ(found->bad_records, 3u);
  EXPECT_EQ(found->last_error, "");
  EXPECT_EQ(found->updated_at, at("2024-03-15T11:00:00.500Z"));
  // Same location, other kind: a different source.
  EXPECT_FALSE(store_->find_source("evtx", "/logs/RECV.LOG"));

  auto all = store_->sources();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].kind, "evtx");
  EXPECT_EQ(all[1].kind, "protocol-log");
}

TEST_F(StoreTest, IncidentsRoundTripEveryField) {
  Incident open = make_incident("10.0.0.12", "2024-03-15T10:00:00.001Z", "2024-03-15T10:20:00.002Z");
  open.direction = Direction::Inbound;
  const auto open_id = store_->insert_incident(open);
  open.id = open_id;

  Incident resolved = make_incident("ex03.contoso.com", "2024-03-14T10:00:00Z", "2024-03-14T10:05:00Z");
  resolved.peer_name = "";
  resolved.status = IncidentStatus::Resolved;
  resolved.resolved_at = at("2024-03-14T10:35:00.123Z");
  resolved.last_diagnosis_at = at("2024-03-14T10:00:01Z");
  resolved.signal_count = 17;
  resolved.id = store_->insert_incident(resolved);
  EXPECT_NE(resolved.id, open_id);

  for (const auto& expected : {open, resolved}) {
    auto got = store_->incident(expected.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->id, expected.id);
    EXPECT_EQ(got->direction, expected.direction);
    EXPECT_EQ(got->peer, expected.peer);
    EXPECT_EQ(got->peer_name, expected.peer_name);
    EXPECT_EQ(got->status, expected.status);
    EXPECT_EQ(got->first_seen, expected.first_seen);
    EXPECT_EQ(got->last_seen, expected.last_seen);
    EXPECT_EQ(got->signal_count, expected.signal_count);
    EXPECT_EQ(got->resolved_at, expected.resolved_at);
    EXPECT_EQ(got->last_diagnosis_at, expected.last_diagnosis_at);
  }
  EXPECT_FALSE(store_->incident(resolved.id + 100));
}

TEST_F(StoreTest, UpdateIncidentChangesTheStoredRow) {
  Incident incident = make_incident("10.0.0.12", "2024-03-15T10:00:00Z", "2024-03-15T10:00:00Z");
  incident.last_diagnosis_at = at("2024-03-15T10:00:00Z");
  incident.id = store_->insert_incident(incident);
  incident.last_seen = at("2024-03-15T10:40:00Z");
  incident.signal_count = 9;
  incident.status = IncidentStatus::Resolved;
  incident.resolved_at = at("2024-03-15T11:10:00Z");
  incident.last_diagnosis_at.reset();
  store_->update_incident(incident);

  auto got = store_->incident(incident.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->last_seen, at("2024-03-15T10:40:00Z"));
  EXPECT_EQ(got->signal_count, 9);
  EXPECT_EQ(got->status, IncidentStatus::Resolved);
  EXPECT_EQ(got->resolved_at, at("2024-03-15T11:10:00Z"));
  EXPECT_FALSE(got->last_diagnosis_at);

  Incident missing = incident;
  missing.id = incident.id + 1;
  EXPECT_THROW(store_->update_incident(missing), std::runtime_error);
}

TEST_F(StoreTest, IncidentFiltersSelectByStatusNewestActivityFirst) {
  auto a = make_incident("10.0.0.1", "2024-03-15T08:00:00Z", "2024-03-15T09:00:00Z");
  auto b = make_incident("10.0.0.2", "2024-03-15T08:00:00Z", "2024-03-15T12:00:00Z");
  auto c = make_incident("10.0.0.3", "2024-03-14T08:00:00Z", "2024-03-14T09:00:00Z");
  c.status = IncidentStatus::Resolved;
  c.resolved_at = at("2024-03-14T09:30:00Z");
  auto d = make_incident("10.0.0.4", "2024-03-15T08:00:00Z", "2024-03-15T10:00:00Z");
  d.status = IncidentStatus::Resolved;
  d.resolved_at = at("2024-03-15T10:30:00Z");
  for (auto* i : {&a, &b, &c, &d}) i->id = store_->insert_incident(*i);

  auto ids = [](const std::vector<Incident>& list) {
    std::vector<int64_t> out;
    for (const auto& i : list) out.push_back(i.id);
    return out;
  };
  EXPECT_EQ(ids(store_->incidents(IncidentFilter::Open)), (std::vector<int64_t>{b.id, a.id}));
  EXPECT_EQ(ids(store_->incidents(IncidentFilter::Resolved)), (std::vector<int64_t>{d.id, c.id}));
  EXPECT_EQ(ids(store_->incidents(IncidentFilter::All)), (std::vector<int64_t>{b.id, d.id, a.id, c.id}));
}

TEST_F(StoreTest, SignalQueryFiltersBySinceInChronologicalOrder) {
  add("c", "2024-03-15T12:00:00Z");
  add("a", "2024-03-15T10:00:00Z");
  add("b", "2024-03-15T11:00:00Z");
  EXPECT_EQ(keys(store_->signals({})), (std::vector<std::string>{"sig:a", "sig:b", "sig:c"}));
  SignalQuery since;
  since.since = at("2024-03-15T11:00:00Z");
  EXPECT_EQ(keys(store_->signals(since)), (std::vector<std::string>{"sig:b", "sig:c"}));
  SignalQuery limited;
  limited.limit = 2;
  EXPECT_EQ(keys(store_->signals(limited)), (std::vector<std::string>{"sig:a", "sig:b"}));
}

TEST_F(StoreTest, SignalQueryMatchesPeerIpOrNameIgnoringCase) {
  add("by-ip", "2024-03-15T10:00:00Z", SignalClass::Fault, "10.0.0.12", "");
  add("by-name", "2024-03-15T10:01:00Z", SignalClass::Fault, "", "EX02.Contoso.com");
  add("other", "2024-03-15T10:02:00Z", SignalClass::Fault, "10.0.0.99", "ex09.contoso.com");
  SignalQuery query;
  query.peer = "ex02.CONTOSO.com";
  EXPECT_EQ(keys(store_->signals(query)), (std::vector<std::string>{"sig:by-name"}));
  query.peer = "10.0.0.12";
  EXPECT_EQ(keys(store_->signals(query)), (std::vector<std::string>{"sig:by-ip"}));
  query.peer = "ex02";  // a whole value, not a substring
  EXPECT_TRUE(store_->signals(query).empty());
}

TEST_F(StoreTest, SignalQueryFiltersByIncidentAndNoise) {
  const auto fault = add("fault", "2024-03-15T10:00:00Z");
  add("noise", "2024-03-15T10:01:00Z", SignalClass::Noise);
  const auto other = add("other", "2024-03-15T10:02:00Z");
  const auto incident = store_->insert_incident(make_incident("10.0.0.12", "2024-03-15T10:00:00Z", "2024-03-15T10:00:00Z"));
  store_->assign_signal(fault, incident);

  SignalQuery faults_only;
  faults_only.include_noise = false;
  EXPECT_EQ(keys(store_->signals(faults_only)), (std::vector<std::string>{"sig:fault", "sig:other"}));

  SignalQuery of_incident;
  of_incident.incident_id = incident;
  auto attached = store_->signals(of_incident);
  ASSERT_EQ(keys(attached), (std::vector<std::string>{"sig:fault"}));
  EXPECT_EQ(attached[0].incident_id, incident);

  SignalQuery combined;
  combined.peer = "10.0.0.12";
  combined.since = at("2024-03-15T10:00:30Z");
  combined.include_noise = false;
  auto found = store_->signals(combined);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, other);
}

TEST_F(StoreTest, CachedStatementsServeRepeatedCallsWithFreshBindings) {
  // The hot inserts reuse one prepared statement; every call must bind its own values.
  for (int i = 0; i < 200; ++i) add(std::to_string(i), i % 2 ? "2024-03-15T10:00:00Z" : "2024-03-15T11:00:00Z");
  EXPECT_EQ(store_->count_events(), 200);
  EXPECT_EQ(store_->count_signals(), 200);
  SignalQuery since;
  since.since = at("2024-03-15T10:30:00Z");
  EXPECT_EQ(store_->signals(since).size(), 100u);
  EXPECT_EQ(store_->signals({}).size(), 200u);
}

}  // namespace
}  // namespace authwatch::storage

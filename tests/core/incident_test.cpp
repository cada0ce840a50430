// The incident state machine, driven by a ManualClock: no sleeping.
#include <gtest/gtest.h>

#include "core/incident.hpp"
#include "tests/core/scenario_time.hpp"

using namespace authwatch;
using authwatch::test::T0;
using namespace std::chrono;
using Kind = IncidentChange::Kind;

namespace {

Signal fault(Direction dir, std::string ip, TimePoint t, std::string name = "") {
  Signal s;
  s.signal_class = SignalClass::Fault;
  s.direction = dir;
  s.peer_ip = std::move(ip);
  s.peer_name = std::move(name);
  s.time = t;
  return s;
}

std::vector<Kind> kinds(const std::vector<IncidentChange>& changes) {
  std::vector<Kind> out;
  for (const auto& c : changes) out.push_back(c.kind);
  return out;
}

}  // namespace

TEST(Incidents, FirstSignalOpensAndRequestsDiagnosis) {
  ManualClock clock(T0);
  IncidentTracker t({}, clock);
  auto c = t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0));
  EXPECT_EQ(kinds(c), (std::vector<Kind>{Kind::Opened, Kind::DiagnoseRequested}));
  EXPECT_EQ(c[0].incident.peer, "10.0.0.1");
  EXPECT_EQ(c[0].incident.signal_count, 1);
  EXPECT_EQ(c[0].incident.status, IncidentStatus::Open);
}

TEST(Incidents, LaterSignalsExtendAndDiagnosisRespectsTheCooldown) {
  ManualClock clock(T0);
  IncidentTracker t({minutes{30}, minutes{10}}, clock);
  t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0));
  clock.advance(minutes{5});
  auto c = t.on_signal(fault(Direction::Inbound, "10.0.0.1", clock.now()));
  EXPECT_EQ(kinds(c), (std::vector<Kind>{Kind::Extended})) << "within the cooldown";
  EXPECT_EQ(c[0].incident.signal_count, 2);
  clock.advance(minutes{6});
  c = t.on_signal(fault(Direction::Inbound, "10.0.0.1", clock.now()));
  EXPECT_EQ(kinds(c), (std::vector<Kind>{Kind::Extended, Kind::DiagnoseRequested})) << "cooldown passed";
  EXPECT_EQ(c[1].incident.last_diagnosis_at, clock.now());
}

TEST(Incidents, KeyedByDirectionAndPeer) {
  ManualClock clock(T0);
  IncidentTracker t({}, clock);
  t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0));
  t.on_signal(fault(Direction::Inbound, "10.0.0.7", T0));
  t.on_signal(fault(Direction::Outbound, "10.0.0.1", T0));
  t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0 + seconds{1}));
  EXPECT_EQ(t.open_incidents().size(), 3u);
  ASSERT_NE(t.find(Direction::Inbound, "10.0.0.1"), nullptr);
  EXPECT_EQ(t.find(Direction::Inbound, "10.0.0.1")->signal_count, 2);
}

TEST(Incidents, NoiseOpensNothing) {
  ManualClock clock(T0);
  IncidentTracker t({}, clock);
  auto s = fault(Direction::Inbound, "192.0.2.44", T0);
  s.signal_class = SignalClass::Noise;
  EXPECT_TRUE(t.on_signal(s).empty());
  EXPECT_TRUE(t.open_incidents().empty());
}

TEST(Incidents, QuietPeriodResolvesOnTick) {
  ManualClock clock(T0);
  IncidentTracker t({minutes{30}, minutes{10}}, clock);
  t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0));
  clock.advance(minutes{29});
  EXPECT_TRUE(t.tick().empty());
  clock.advance(minutes{1});
  auto c = t.tick();
  ASSERT_EQ(kinds(c), (std::vector<Kind>{Kind::Resolved}));
  EXPECT_EQ(c[0].incident.status, IncidentStatus::Resolved);
  EXPECT_EQ(c[0].incident.resolved_at, T0 + minutes{30});
  EXPECT_TRUE(t.open_incidents().empty());
}

TEST(Incidents, ASignalAfterTheQuietPeriodStartsANewEpisode) {
  ManualClock clock(T0);
  IncidentTracker t({minutes{30}, minutes{10}}, clock);
  t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0));
  clock.advance(hours{1});
  auto c = t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0 + hours{1}));
  ASSERT_EQ(kinds(c), (std::vector<Kind>{Kind::Resolved, Kind::Opened, Kind::DiagnoseRequested}));
  EXPECT_EQ(c[0].incident.resolved_at, T0 + minutes{30});
  EXPECT_EQ(c[1].incident.first_seen, T0 + hours{1});
  EXPECT_EQ(c[1].incident.status, IncidentStatus::Open);
}

TEST(Incidents, OldEvidenceNeverOpensAnOpenIncidentNorRequestsProbes) {
  ManualClock clock(T0 + days{30});
  IncidentTracker t({}, clock);
  auto c = t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0));
  ASSERT_EQ(kinds(c), (std::vector<Kind>{Kind::Opened}));
  EXPECT_EQ(c[0].incident.status, IncidentStatus::Resolved) << "history, resolved from the start";
  EXPECT_EQ(c[0].incident.resolved_at, T0 + minutes{30});
  c = t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0 + minutes{20}));
  ASSERT_EQ(kinds(c), (std::vector<Kind>{Kind::Extended}));
  EXPECT_EQ(c[0].incident.status, IncidentStatus::Resolved);
  EXPECT_EQ(c[0].incident.signal_count, 2);
  EXPECT_EQ(c[0].incident.resolved_at, T0 + minutes{50});
  EXPECT_TRUE(t.open_incidents().empty());
  EXPECT_TRUE(t.tick().empty()) << "nothing was open, nothing resolves";
}

TEST(Incidents, EvidenceJustOlderThanTheQuietPeriodIsOld) {
  ManualClock clock(T0 + minutes{30});
  IncidentTracker t({minutes{30}, minutes{10}}, clock);
  auto old = t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0));
  ASSERT_EQ(kinds(old), (std::vector<Kind>{Kind::Opened}));
  EXPECT_EQ(old[0].incident.status, IncidentStatus::Resolved);
  auto fresh = t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0 + seconds{1}));
  ASSERT_EQ(kinds(fresh), (std::vector<Kind>{Kind::Opened, Kind::DiagnoseRequested}))
      << "29 min 59 s old: within the quiet period, news";
  EXPECT_EQ(fresh[0].incident.status, IncidentStatus::Open);
}

TEST(Incidents, OutOfOrderSignalsWidenTheEpisodeOrFormTheirOwn) {
  ManualClock clock(T0 + days{1});
  IncidentTracker t({minutes{30}, minutes{10}}, clock);
  t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0 + hours{5}));
  auto c = t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0 + hours{5} - minutes{10}));
  ASSERT_EQ(kinds(c), (std::vector<Kind>{Kind::Extended}));
  EXPECT_EQ(c[0].incident.first_seen, T0 + hours{5} - minutes{10});
  c = t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0));
  ASSERT_EQ(kinds(c), (std::vector<Kind>{Kind::Opened}));
  EXPECT_EQ(c[0].incident.status, IncidentStatus::Resolved) << "a past episode, already over";
  EXPECT_TRUE(t.open_incidents().empty());
}

TEST(Incidents, OldSignalsExtendARestoredResolvedEpisode) {
  ManualClock clock(T0 + days{2});
  IncidentTracker t({minutes{30}, minutes{10}}, clock);
  Incident past;
  past.id = 9;
  past.direction = Direction::Outbound;
  past.peer = "10.0.0.2";
  past.status = IncidentStatus::Resolved;
  past.first_seen = past.last_seen = T0;
  past.signal_count = 1;
  past.resolved_at = T0 + minutes{30};
  t.restore({past});
  auto c = t.on_signal(fault(Direction::Outbound, "10.0.0.2", T0 + minutes{10}));
  ASSERT_EQ(kinds(c), (std::vector<Kind>{Kind::Extended}));
  EXPECT_EQ(c[0].incident.id, 9) << "the second export of the same outage joins it";
  EXPECT_EQ(c[0].incident.signal_count, 2);
  EXPECT_EQ(c[0].incident.resolved_at, T0 + minutes{40});
}

TEST(Incidents, AnUnknownPeerIsKeptPerQueueAndNeverNamedAfterTheSite) {
  ManualClock clock(T0);
  IncidentTracker t({}, clock);
  Signal a = fault(Direction::Outbound, "", T0);
  a.peer_context = "EX1\\12 -> site:default-first-site-name; version:8";
  Signal b = fault(Direction::Outbound, "", T0);
  b.peer_context = "EX1\\14 -> branch-site";
  auto ca = t.on_signal(a);
  auto cb = t.on_signal(b);
  ASSERT_EQ(kinds(ca), (std::vector<Kind>{Kind::Opened, Kind::DiagnoseRequested}));
  EXPECT_EQ(ca[0].incident.peer, "unknown");
  EXPECT_EQ(ca[0].incident.peer_context, a.peer_context);
  EXPECT_EQ(cb[0].incident.peer_context, b.peer_context);
  EXPECT_EQ(t.open_incidents().size(), 2u);
  auto again = t.on_signal(a);
  EXPECT_EQ(kinds(again), (std::vector<Kind>{Kind::Extended}));
}

TEST(Incidents, OneOutageSeenUnderANameAndAnAddressMergesIntoOne) {
  ManualClock clock(T0);
  IncidentTracker t({}, clock);
  auto by_address = t.on_signal(fault(Direction::Outbound, "10.0.0.2", T0));       // queue, 2010 form: endpoint only
  t.set_id(by_address[0].incident, 1);
  auto by_name = t.on_signal(fault(Direction::Outbound, "", T0 + seconds{5}, "ex2.contoso.com"));  // 2017: the SPN
  t.set_id(by_name[0].incident, 2);
  ASSERT_EQ(t.open_incidents().size(), 2u) << "nothing ties them yet";
  // The send log's session has both: the address and the banner.
  auto c = t.on_signal(fault(Direction::Outbound, "10.0.0.2", T0 + seconds{10}, "EX2.contoso.com"));
  ASSERT_EQ(kinds(c), (std::vector<Kind>{Kind::Merged, Kind::Extended}));
  EXPECT_EQ(c[0].incident.id, 1);
  ASSERT_TRUE(c[0].absorbed);
  EXPECT_EQ(c[0].absorbed->id, 2);
  EXPECT_EQ(c[1].incident.signal_count, 3);
  EXPECT_EQ(c[1].incident.peer_name, "EX2.contoso.com");
  EXPECT_EQ(t.open_incidents().size(), 1u);
}

TEST(Incidents, AShortNameJoinsTheAddressItsFullNameWasSeenWith) {
  ManualClock clock(T0);
  IncidentTracker t({}, clock);
  t.on_signal(fault(Direction::Outbound, "10.0.0.2", T0, "ex2.contoso.com"));
  auto c = t.on_signal(fault(Direction::Outbound, "", T0 + seconds{5}, "EX2"));
  ASSERT_EQ(kinds(c), (std::vector<Kind>{Kind::Extended}));
  EXPECT_EQ(c[0].incident.peer, "10.0.0.2");
  // Two servers named ex2 in two domains: no guess.
  t.on_signal(fault(Direction::Outbound, "10.9.0.2", T0, "ex2.fabrikam.com"));
  auto ambiguous = t.on_signal(fault(Direction::Outbound, "", T0 + seconds{6}, "EX2"));
  ASSERT_EQ(kinds(ambiguous), (std::vector<Kind>{Kind::Opened, Kind::DiagnoseRequested}));
  EXPECT_EQ(ambiguous[0].incident.peer, "ex2");
}

TEST(Incidents, NameOnlySignalsJoinTheAddressOnceKnown) {
  ManualClock clock(T0);
  IncidentTracker t({}, clock);
  t.on_signal(fault(Direction::Outbound, "", T0, "EX2.contoso.com"));  // event 2017: name only
  ASSERT_NE(t.find(Direction::Outbound, "ex2.contoso.com"), nullptr);
  auto c = t.on_signal(fault(Direction::Outbound, "10.0.0.2", T0 + minutes{1}, "ex2.contoso.com"));  // queue: both
  EXPECT_EQ(kinds(c), (std::vector<Kind>{Kind::Extended}));
  EXPECT_EQ(c[0].incident.peer, "10.0.0.2");
  EXPECT_EQ(c[0].incident.signal_count, 2);
  c = t.on_signal(fault(Direction::Outbound, "", T0 + minutes{2}, "ex2.contoso.com"));  // name only again
  EXPECT_EQ(c[0].incident.peer, "10.0.0.2");
  EXPECT_EQ(t.open_incidents().size(), 1u);
}

TEST(Incidents, RestoreResumesStoredIncidents) {
  ManualClock clock(T0 + minutes{5});
  IncidentTracker t({}, clock);
  Incident stored;
  stored.id = 42;
  stored.direction = Direction::Inbound;
  stored.peer = "10.0.0.1";
  stored.first_seen = stored.last_seen = T0;
  stored.signal_count = 3;
  stored.last_diagnosis_at = T0;
  t.restore({stored});
  auto c = t.on_signal(fault(Direction::Inbound, "10.0.0.1", clock.now()));
  ASSERT_EQ(kinds(c), (std::vector<Kind>{Kind::Extended}));
  EXPECT_EQ(c[0].incident.id, 42);
  EXPECT_EQ(c[0].incident.signal_count, 4);
}

TEST(Incidents, SetIdAppliesToTheOpenIncident) {
  ManualClock clock(T0);
  IncidentTracker t({}, clock);
  auto opened = t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0));
  t.set_id(opened[0].incident, 7);
  auto c = t.on_signal(fault(Direction::Inbound, "10.0.0.1", T0 + seconds{1}));
  EXPECT_EQ(c[0].incident.id, 7);
}

// ---- context: the Kerberos errors of the System log join the incident they explain ----------

namespace {

Incident open_incident(int64_t id, Direction dir, std::string peer, std::string name, TimePoint first, TimePoint last) {
  Incident i;
  i.id = id;
  i.direction = dir;
  i.peer = std::move(peer);
  i.peer_name = std::move(name);
  i.first_seen = first;
  i.last_seen = last;
  i.status = IncidentStatus::Open;
  return i;
}

Signal kerberos(std::string host, TimePoint t) {
  Signal s;
  s.signal_class = SignalClass::Context;
  s.direction = Direction::Outbound;
  s.peer_name = std::move(host);
  s.time = t;
  return s;
}

}  // namespace

TEST(IncidentContext, TheIncidentWhosePeerTheErrorNamesWinsOverALaterOne) {
  const IncidentPolicy policy;  // 30 min quiet period
  std::vector<Incident> open = {open_incident(1, Direction::Outbound, "10.0.0.2", "ex2.contoso.com", T0, T0 + minutes{5}),
                                open_incident(2, Direction::Inbound, "10.0.0.7", "", T0 + minutes{2}, T0 + minutes{6})};
  EXPECT_EQ(incident_for_context(open, kerberos("ex2.contoso.com", T0 + minutes{3}), policy), 1);
  EXPECT_EQ(incident_for_context(open, kerberos("EX2", T0 + minutes{3}), policy), 1) << "short name, any case";
  EXPECT_EQ(incident_for_context(open, kerberos("web.contoso.com", T0 + minutes{3}), policy), 2)
      << "naming no open peer: the latest to open";
  EXPECT_EQ(incident_for_context(open, kerberos("ex2.contoso.com", T0 - minutes{29}), policy), 1)
      << "a little before the first 454: the error that caused it";
}

TEST(IncidentContext, OutsideEveryWidenedEpisodeItBelongsToNone) {
  const IncidentPolicy policy;
  std::vector<Incident> open = {open_incident(1, Direction::Outbound, "10.0.0.2", "ex2.contoso.com", T0, T0 + minutes{5})};
  EXPECT_EQ(incident_for_context(open, kerberos("ex2.contoso.com", T0 - minutes{31}), policy), 0);
  EXPECT_EQ(incident_for_context(open, kerberos("ex2.contoso.com", T0 + minutes{36}), policy), 0);
  EXPECT_EQ(incident_for_context({}, kerberos("ex2.contoso.com", T0), policy), 0);
  open[0].id = 0;
  EXPECT_EQ(incident_for_context(open, kerberos("ex2.contoso.com", T0), policy), 0) << "not stored yet: no id to attach to";
}

TEST(IncidentContext, TheTrackerIgnoresContextSignals) {
  ManualClock clock(T0);
  IncidentTracker t({}, clock);
  EXPECT_TRUE(t.on_signal(kerberos("ex2.contoso.com", T0)).empty());
  EXPECT_TRUE(t.open_incidents().empty());
}

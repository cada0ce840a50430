// Who saw it (issue 14): the observer of each kind of record, and incidents and context kept apart
// by observer.
#include <gtest/gtest.h>

#include "core/detector.hpp"
#include "core/incident.hpp"
#include "core/observer.hpp"
#include "tests/core/scenario_time.hpp"

using namespace authwatch;
using authwatch::test::T0;

namespace {

TransportEvent protocol_line(const std::string& location, const std::string& log_type, const std::string& connector,
                             const std::string& session, const std::string& local, const std::string& remote, const std::string& event,
                             const std::string& data, const std::string& context = "") {
  static long long offset = 0;
  TransportEvent e;
  e.source_kind = SourceKind::ProtocolLog;
  e.location = location;
  e.key = "plog:" + location + ":" + std::to_string(offset += 100);
  e.time = T0;
  e.fields = {{"log-type", log_type}, {"connector-id", connector}, {"session-id", session}, {"local-endpoint", local},
              {"remote-endpoint", remote}, {"event", event}, {"data", data}, {"context", context}};
  e.text = event + "," + data + "," + context;
  return e;
}

Signal fault(Direction d, const std::string& peer_ip, const std::string& observer, TimePoint t, const std::string& observer_ip = "") {
  Signal s;
  s.signal_class = SignalClass::Fault;
  s.direction = d;
  s.peer_ip = peer_ip;
  s.observer = observer;
  s.observer_ip = observer_ip;
  s.time = t;
  return s;
}

}  // namespace

TEST(Observer, KeyIsTheShortNameElseTheAddress) {
  EXPECT_EQ(observer_key("ex1.contoso.com"), "ex1");
  EXPECT_EQ(observer_key("EX1"), "ex1");
  EXPECT_EQ(observer_key("EX1.Contoso.Com."), "ex1");
  EXPECT_EQ(observer_key("", "10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(observer_key("10.0.0.1"), "10.0.0.1") << "an address given as a name stays an address";
  EXPECT_EQ(observer_key("", ""), "");
}

TEST(Observer, TheFqdnIsTheBetterNameOfTheSameServerOnly) {
  EXPECT_EQ(better_observer_name("EX1", "ex1.contoso.com"), "ex1.contoso.com");
  EXPECT_EQ(better_observer_name("ex1.contoso.com", "EX1"), "ex1.contoso.com");
  EXPECT_EQ(better_observer_name("EX1", "ex2.contoso.com"), "EX1") << "another server's name never replaces it";
  EXPECT_EQ(better_observer_name("", "EX1"), "EX1");
  EXPECT_EQ(better_observer_name("10.0.0.1", "ex1.contoso.com"), "10.0.0.1") << "an address keeps its key";
}

TEST(Observer, ServerPartsOfIdentitiesConnectorsAndOwnLines) {
  EXPECT_EQ(server_of_queue_identity("EX1\\12"), "EX1");
  EXPECT_EQ(server_of_queue_identity("12"), "");
  EXPECT_EQ(server_of_queue_identity("site:x y\\12"), "") << "not a host name";
  EXPECT_EQ(server_of_connector_id("EX2\\Default EX2"), "EX2");
  EXPECT_EQ(server_of_connector_id("Intra-Organization SMTP Send Connector"), "");
  EXPECT_EQ(host_in_own_smtp_line("220 ex2.contoso.com Microsoft ESMTP MAIL Service ready"), "ex2.contoso.com");
  EXPECT_EQ(host_in_own_smtp_line("250  ex2.contoso.com Hello [10.0.0.1] SIZE"), "ex2.contoso.com");
  EXPECT_EQ(host_in_own_smtp_line("EHLO ex1.contoso.com"), "ex1.contoso.com");
  EXPECT_EQ(host_in_own_smtp_line("220 2.0.0 SMTP server ready"), "") << "after X-ANONYMOUSTLS the greeting names nothing";
  EXPECT_EQ(host_in_own_smtp_line("EHLO [10.0.0.1]"), "");
  EXPECT_EQ(host_in_own_smtp_line("250 XSHADOWREQUEST"), "");
}

TEST(Observer, EventsAreTheirComputersAndQueuesTheirServersElseTheConfiguredOne) {
  Detector d(default_rules(), "ex9.contoso.com");
  TransportEvent e;
  e.source_kind = SourceKind::EventXml;
  e.provider = "MSExchangeTransport";
  e.event_id = 1035;
  e.computer = "ex2.contoso.com";
  e.key = "evt:ex2|Application|1";
  e.time = T0;
  e.fields = {{"1", "IllegalMessage"}, {"2", "Default EX2"}, {"3", "ExchangeAuth"}, {"4", "10.0.0.1"}};
  auto s = d.detect(e);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->observer, "ex2.contoso.com");
  e.computer = "";
  EXPECT_EQ(d.detect(e)->observer, "ex9.contoso.com") << "no Computer: the configured server";

  TransportEvent q;
  q.source_kind = SourceKind::QueueSnapshot;
  q.key = "queue:1";
  q.time = T0;
  q.fields = {{"Identity", "EX1\\12"}, {"DeliveryType", "SmtpDeliveryToMailbox"}, {"NextHopDomain", "site:x; version:15"},
              {"LastError", "451 4.4.0 Primary target IP address responded with: \"454 4.7.0 Temporary authentication failure.\" "
                            "The last endpoint attempted was 10.0.0.2:2525"}};
  auto qs = d.detect(q);
  ASSERT_TRUE(qs);
  EXPECT_EQ(qs->observer, "EX1");
  q.fields["Identity"] = "12";
  q.key = "queue:2";
  EXPECT_EQ(d.detect(q)->observer, "ex9.contoso.com");
}

TEST(Observer, ProtocolLogsAreTheirLocalEndAndTheNameTheServerGivesItself) {
  Detector d;
  const std::string recv = "/logs/ex2/RECV2024031510-1.LOG";
  for (auto& e : {protocol_line(recv, "SMTP Receive Protocol Log", "EX2\\Default EX2", "S1", "10.0.0.2:2525", "10.0.0.1:41234", ">",
                                "220 ex2.contoso.com Microsoft ESMTP MAIL Service ready"),
                  protocol_line(recv, "SMTP Receive Protocol Log", "EX2\\Default EX2", "S1", "10.0.0.2:2525", "10.0.0.1:41234", "<",
                                "EHLO ex1.contoso.com"),
                  protocol_line(recv, "SMTP Receive Protocol Log", "EX2\\Default EX2", "S1", "10.0.0.2:2525", "10.0.0.1:41234", "<",
                                "X-EXPS EXCHANGEAUTH SHA256 <authentication data>")})
    EXPECT_FALSE(d.detect(e));
  auto s = d.detect(protocol_line(recv, "SMTP Receive Protocol Log", "EX2\\Default EX2", "S1", "10.0.0.2:2525", "10.0.0.1:41234", "*", "",
                                  "Inbound ExchangeAuth negotiation failed because of IllegalMessage"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->observer, "ex2.contoso.com") << "the connector says EX2, its greeting the FQDN";
  EXPECT_EQ(s->observer_ip, "10.0.0.2");
  EXPECT_EQ(s->peer_name, "ex1.contoso.com") << "the peer's EHLO stays the peer's";

  // A send log: the EHLO this server sent names it; a later session of the same file without one
  // (an excerpt) keeps the name the file gave.
  const std::string send = "/logs/ex1/SEND2024031510-1.LOG";
  const char* kSend = "SMTP Send Protocol Log";
  const char* kConnector = "Intra-Organization SMTP Send Connector";
  EXPECT_FALSE(d.detect(protocol_line(send, kSend, kConnector, "A", "10.0.0.1:52011", "10.0.0.2:2525", ">", "EHLO ex1.contoso.com")));
  EXPECT_FALSE(d.detect(protocol_line(send, kSend, kConnector, "A", "10.0.0.1:52011", "10.0.0.2:2525", "<", "250-ex2.contoso.com Hello [10.0.0.1]")));
  EXPECT_FALSE(d.detect(protocol_line(send, kSend, kConnector, "A", "10.0.0.1:52011", "10.0.0.2:2525", ">", "X-EXPS EXCHANGEAUTH SHA256")));
  auto a = d.detect(protocol_line(send, kSend, kConnector, "A", "10.0.0.1:52011", "10.0.0.2:2525", "<", "454 4.7.0 Temporary authentication failure"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->observer, "ex1.contoso.com");
  EXPECT_EQ(a->observer_ip, "10.0.0.1");
  EXPECT_EQ(a->peer_name, "ex2.contoso.com");
  EXPECT_FALSE(d.detect(protocol_line(send, kSend, kConnector, "B", "10.0.0.1:52012", "10.0.0.2:2525", ">", "X-EXPS EXCHANGEAUTH SHA256")));
  auto b = d.detect(protocol_line(send, kSend, kConnector, "B", "10.0.0.1:52012", "10.0.0.2:2525", "<", "454 4.7.0 Temporary authentication failure"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->observer, "ex1.contoso.com");
  // Another file that never names its server: its address, and the configured name when there is one.
  auto c = Detector(default_rules(), "").detect(
      protocol_line("/logs/x/SEND.LOG", kSend, kConnector, "C", "10.0.0.3:52012", "10.0.0.2:2525", "<", "454 4.7.0 Temporary authentication failure"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->observer, "") << "nothing says whose it is";
  EXPECT_EQ(c->observer_ip, "10.0.0.3");
}

TEST(IncidentsByObserver, TwoServersFailingToTheSamePeerAreTwoIncidents) {
  ManualClock clock(T0);
  IncidentTracker t({}, clock);
  auto a = t.on_signal(fault(Direction::Outbound, "10.0.0.5", "ex1.contoso.com", T0));
  auto b = t.on_signal(fault(Direction::Outbound, "10.0.0.5", "ex2.contoso.com", T0));
  ASSERT_EQ(a.front().kind, IncidentChange::Kind::Opened);
  ASSERT_EQ(b.front().kind, IncidentChange::Kind::Opened) << "EX2's failures are not EX1's incident";
  EXPECT_EQ(a.front().incident.observer, "ex1.contoso.com");
  EXPECT_EQ(b.front().incident.observer, "ex2.contoso.com");
  // The same server by its short name (a queue's Identity) joins its own incident, which keeps the FQDN.
  auto c = t.on_signal(fault(Direction::Outbound, "10.0.0.5", "EX1", T0 + std::chrono::seconds{30}));
  ASSERT_EQ(c.front().kind, IncidentChange::Kind::Extended);
  EXPECT_EQ(c.front().incident.observer, "ex1.contoso.com");
  EXPECT_EQ(c.front().incident.signal_count, 2);
  EXPECT_EQ(t.open_incidents().size(), 2u);
  ASSERT_NE(t.find(Direction::Outbound, "10.0.0.5", "", "EX2"), nullptr);
}

TEST(IncidentsByObserver, AnAddressTiedToANameByOneSignalJoinsThatObserversIncidents) {
  ManualClock clock(T0);
  IncidentTracker t({}, clock);
  t.on_signal(fault(Direction::Outbound, "10.0.0.5", "ex1.contoso.com", T0, "10.0.0.1"));
  auto later = t.on_signal(fault(Direction::Outbound, "10.0.0.5", "", T0 + std::chrono::seconds{10}, "10.0.0.1"));
  ASSERT_EQ(later.front().kind, IncidentChange::Kind::Extended) << "a send session without its EHLO, from the same address";
  EXPECT_EQ(t.open_incidents().size(), 1u);
}

TEST(IncidentsByObserver, KerberosContextJoinsOnlyItsOwnServersIncident) {
  ManualClock clock(T0);
  const IncidentPolicy policy;
  Incident ex1, ex2;
  ex1.id = 1;
  ex1.observer = "ex1.contoso.com";
  ex2.id = 2;
  ex2.observer = "ex2.contoso.com";
  for (auto* i : {&ex1, &ex2}) {
    i->direction = Direction::Outbound;
    i->peer = "10.0.0.5";
    i->first_seen = i->last_seen = T0;
  }
  ex2.first_seen = ex2.last_seen = T0 + std::chrono::seconds{5};  // the later one: chosen when observers are not compared
  Signal kerberos;
  kerberos.signal_class = SignalClass::Context;
  kerberos.time = T0;
  kerberos.observer = "EX1.contoso.com";
  EXPECT_EQ(incident_for_context({ex1, ex2}, kerberos, policy), 1);
  kerberos.observer = "";
  EXPECT_EQ(incident_for_context({ex1, ex2}, kerberos, policy), 2) << "an old signal without an observer: as before";
}

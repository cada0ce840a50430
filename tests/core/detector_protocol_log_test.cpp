// Protocol-log sessions (docs/domain.md §2): grouped by session id, one signal per failing session.
#include <gtest/gtest.h>

#include "core/detector.hpp"

using namespace authwatch;

namespace {

struct Line {
  const char* session;
  const char* event;
  const char* data;
  const char* context = "";
};

class SessionFeed {
 public:
  SessionFeed(std::string log_type, std::string local, std::string remote, std::string connector)
      : log_type_(std::move(log_type)), local_(std::move(local)), remote_(std::move(remote)), connector_(std::move(connector)) {}

  std::vector<Signal> feed(Detector& d, const std::vector<Line>& lines) {
    std::vector<Signal> out;
    for (const auto& l : lines) {
      TransportEvent e;
      e.source_kind = SourceKind::ProtocolLog;
      e.location = "/logs/RECV2024031510-1.LOG";
      e.key = "plog:recv2024031510-1.log:" + std::to_string(offset_);
      offset_ += 100;
      e.time = *parse_iso8601("2024-03-15T10:00:00Z") + std::chrono::seconds{offset_ / 100};
      e.fields = {{"log-type", log_type_},      {"connector-id", connector_}, {"session-id", l.session},
                  {"local-endpoint", local_},   {"remote-endpoint", remote_}, {"event", l.event},
                  {"data", l.data},             {"context", l.context}};
      e.text = std::string(l.event) + "," + l.data + "," + l.context;
      if (auto s = d.detect(e)) out.push_back(*s);
    }
    return out;
  }

 private:
  std::string log_type_, local_, remote_, connector_;
  long long offset_ = 0;
};

const char* kRecv = "SMTP Receive Protocol Log";
const char* kSend = "SMTP Send Protocol Log";

}  // namespace

TEST(DetectorProtocolLog, ReceiveSessionFailingExchangeAuthGivesOneInboundSignal) {
  Detector d;
  SessionFeed f(kRecv, "10.0.0.2:2525", "10.0.0.1:41234", "EX2\\Default EX2");
  auto signals = f.feed(d, {{"08D760DF231F00BC", "+", ""},
                            {"08D760DF231F00BC", ">", "220 ex2.contoso.com Microsoft ESMTP MAIL Service ready"},
                            {"08D760DF231F00BC", "<", "EHLO ex1.contoso.com"},
                            {"08D760DF231F00BC", "<", "X-EXPS EXCHANGEAUTH SHA256 AAAA"},
                            {"08D760DF231F00BC", "*", "", "Inbound ExchangeAuth negotiation failed because of IllegalMessage"},
                            {"08D760DF231F00BC", ">", "454 4.7.0 Temporary authentication failure"},
                            {"08D760DF231F00BC", "-", "", "Local"}});
  ASSERT_EQ(signals.size(), 1u) << "the info line and the 454 are one failure";
  const auto& s = signals[0];
  EXPECT_EQ(s.direction, Direction::Inbound);
  EXPECT_EQ(s.signal_class, SignalClass::Fault);
  EXPECT_EQ(s.status, "IllegalMessage");
  EXPECT_EQ(s.mechanism, "ExchangeAuth");
  EXPECT_EQ(s.peer_ip, "10.0.0.1");
  EXPECT_EQ(s.peer_name, "ex1.contoso.com");
  EXPECT_EQ(s.connector, "EX2\\Default EX2");
  EXPECT_EQ(s.key, "plog-session:ex2\\default ex2:08d760df231f00bc:fault");
  EXPECT_EQ(s.evidence["lines"].size(), 5u) << "the session's lines up to the failure";
  EXPECT_EQ(d.tracked_sessions(), 0u) << "a disconnected session is forgotten";
}

TEST(DetectorProtocolLog, A454InASessionWithoutXExpsIsNoiseAndInfoInTheDataColumnCounts) {
  Detector d;
  SessionFeed f(kRecv, "10.0.0.2:2525", "10.0.0.1:41234", "EX2\\Default EX2");
  auto only454 = f.feed(d, {{"A1", "<", "EHLO ex1.contoso.com"}, {"A1", ">", "454 4.7.0 Temporary authentication failure"}});
  ASSERT_EQ(only454.size(), 1u);
  EXPECT_EQ(only454[0].signal_class, SignalClass::Noise) << "no X-EXPS: the 454 answered a client's AUTH";
  EXPECT_EQ(only454[0].reply, "454 4.7.0 Temporary authentication failure");
  EXPECT_TRUE(only454[0].mechanism.empty());
  EXPECT_NE(only454[0].verdict.find("X-EXPS"), std::string::npos) << only454[0].verdict;
  auto with_xexps = f.feed(d, {{"A3", "<", "EHLO ex1.contoso.com"},
                               {"A3", "<", "X-EXPS EXCHANGEAUTH SHA256 AAAA"},
                               {"A3", ">", "454 4.7.0 Temporary authentication failure"}});
  ASSERT_EQ(with_xexps.size(), 1u);
  EXPECT_EQ(with_xexps[0].signal_class, SignalClass::Fault);
  EXPECT_EQ(with_xexps[0].status, "TemporaryAuthenticationFailure");
  EXPECT_EQ(with_xexps[0].mechanism, "ExchangeAuth");
  auto data_col = f.feed(d, {{"A2", "*", "Inbound ExchangeAuth negotiation failed because of LogonDenied", ""}});
  ASSERT_EQ(data_col.size(), 1u);
  EXPECT_EQ(data_col[0].status, "LogonDenied");
}

TEST(DetectorProtocolLog, HealthySessionEndingIn235IsSilent) {
  Detector d;
  SessionFeed f(kRecv, "10.0.0.2:2525", "10.0.0.5:50000", "EX2\\Default EX2");
  auto signals = f.feed(d, {{"B1", "+", ""},
                            {"B1", "<", "EHLO ex5.contoso.com"},
                            {"B1", "<", "X-EXPS EXCHANGEAUTH SHA256 AAAA"},
                            {"B1", ">", "235 2.7.0 Authentication successful"},
                            {"B1", "<", "MAIL FROM:<a@contoso.com>"},
                            {"B1", "-", "", "Remote(Close)"}});
  EXPECT_TRUE(signals.empty());
}

TEST(DetectorProtocolLog, ClientAuthLoginFailureIsNoise) {
  Detector d;
  SessionFeed f(kRecv, "10.10.10.10:25", "95.10.20.33:56026", "SERVER\\Default Frontend SERVER");
  auto signals = f.feed(d, {{"C1", "<", "AUTH LOGIN"},
                            {"C1", "*", "", "Inbound AUTH LOGIN failed because of LogonDenied"},
                            {"C1", "*", "", "Inbound AUTH LOGIN failed because of LogonDenied"}});
  ASSERT_EQ(signals.size(), 1u);
  EXPECT_EQ(signals[0].signal_class, SignalClass::Noise);
  EXPECT_EQ(signals[0].status, "LogonDenied");
  EXPECT_EQ(signals[0].mechanism, "LOGIN");
}

TEST(DetectorProtocolLog, SendSide454IsOutboundToTheBannerHost) {
  Detector d;
  SessionFeed f(kSend, "10.0.0.1:50123", "10.0.0.2:2525", "Intra-Organization SMTP Send Connector");
  SessionFeed connecting(kSend, "", "10.0.0.2:2525", "Intra-Organization SMTP Send Connector");
  connecting.feed(d, {{"D1", "*", "", "attempting to connect"}});  // no local endpoint yet
  auto signals = f.feed(d, {
                            {"D1", "+", ""},
                            {"D1", "<", "220 ex2.contoso.com Microsoft ESMTP MAIL Service ready at Fri, 15 Mar 2024"},
                            {"D1", ">", "EHLO ex1.contoso.com"},
                            {"D1", ">", "X-ANONYMOUSTLS"},
                            {"D1", "<", "220 2.0.0 SMTP server ready"},
                            {"D1", ">", "X-EXPS EXCHANGEAUTH SHA256 "},
                            {"D1", "<", "454 4.7.0 Temporary authentication failure"},
                            {"D1", "*", "", "Flushed Kerberos ticket cache"},
                            {"D1", "-", "", "Local"}});
  ASSERT_EQ(signals.size(), 1u);
  EXPECT_EQ(signals[0].direction, Direction::Outbound);
  EXPECT_EQ(signals[0].peer_ip, "10.0.0.2");
  EXPECT_EQ(signals[0].peer_name, "ex2.contoso.com");
  EXPECT_EQ(signals[0].evidence["lines"].size(), 8u) << "one session, from 'attempting to connect' on";
  EXPECT_EQ(d.tracked_sessions(), 0u);
}

TEST(DetectorProtocolLog, SendSideLocalFailureNamesTheStatus) {
  Detector d;
  SessionFeed f(kSend, "10.0.0.1:50124", "10.0.0.3:2525", "Intra-Organization SMTP Send Connector");
  auto signals = f.feed(d, {{"E1", "*", "", "Outbound Exchange Authentication failed with TargetUnknown"}});
  ASSERT_EQ(signals.size(), 1u);
  EXPECT_EQ(signals[0].status, "TargetUnknown");
  EXPECT_EQ(signals[0].peer_ip, "10.0.0.3");
}

TEST(DetectorProtocolLog, A454InAReceiveLogIsNotASendSideSignal) {
  // '<' 454 in a receive log would be the client sending "454": not a reply of ours.
  Detector d;
  SessionFeed f(kRecv, "10.0.0.2:2525", "10.0.0.1:41234", "EX2\\Default EX2");
  EXPECT_TRUE(f.feed(d, {{"F1", "<", "454 4.7.0 Temporary authentication failure"}}).empty());
}

TEST(DetectorProtocolLog, InterleavedSessionsKeepTheirOwnPeers) {
  Detector d;
  SessionFeed a(kRecv, "10.0.0.2:2525", "10.0.0.1:1000", "EX2\\Default EX2");
  SessionFeed b(kRecv, "10.0.0.2:2525", "10.0.0.7:1000", "EX2\\Default EX2");
  a.feed(d, {{"S1", "<", "EHLO ex1.contoso.com"}});
  b.feed(d, {{"S2", "<", "EHLO ex7.contoso.com"}});
  auto s1 = a.feed(d, {{"S1", ">", "454 4.7.0 Temporary authentication failure"}});
  auto s2 = b.feed(d, {{"S2", ">", "454 4.7.0 Temporary authentication failure"}});
  ASSERT_EQ(s1.size(), 1u);
  ASSERT_EQ(s2.size(), 1u);
  EXPECT_EQ(s1[0].peer_name, "ex1.contoso.com");
  EXPECT_EQ(s2[0].peer_name, "ex7.contoso.com");
  EXPECT_NE(s1[0].key, s2[0].key);
}

TEST(DetectorProtocolLog, SessionMemoryIsBounded) {
  Detector d;
  SessionFeed f(kRecv, "10.0.0.2:2525", "10.0.0.1:1000", "EX2\\Default EX2");
  std::vector<std::string> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back("S" + std::to_string(i));
  for (const auto& id : ids) f.feed(d, {{id.c_str(), "<", "EHLO x"}});  // never disconnected (truncated log)
  EXPECT_LE(d.tracked_sessions(), 4096u);
  EXPECT_GT(d.tracked_sessions(), 4000u);
}

TEST(DetectorProtocolLog, EvidenceIsTheSessionsLast24LinesInOrder) {
  Detector d;
  SessionFeed f(kRecv, "10.0.0.2:2525", "10.0.0.1:41234", "EX2\\Default EX2");
  std::vector<std::string> data;
  for (int i = 0; i < 30; ++i) data.push_back("NOOP " + std::to_string(i));
  std::vector<Line> lines;
  for (const auto& text : data) lines.push_back({"G1", "<", text.c_str()});
  lines.push_back({"G1", ">", "454 4.7.0 Temporary authentication failure"});
  auto signals = f.feed(d, lines);
  ASSERT_EQ(signals.size(), 1u);
  const auto& evidence = signals[0].evidence["lines"];
  ASSERT_EQ(evidence.size(), 24u);
  EXPECT_EQ(evidence.front(), "<,NOOP 7,") << "the 7 oldest of 31 lines are dropped";
  EXPECT_EQ(evidence[1], "<,NOOP 8,");
  EXPECT_EQ(evidence[22], "<,NOOP 29,");
  EXPECT_EQ(evidence.back(), ">,454 4.7.0 Temporary authentication failure,");
}

TEST(DetectorProtocolLog, ASessionAfterADisconnectStartsWithNothingOfTheOldOne) {
  // A forgotten session's storage is reused for the next one: none of its state may leak.
  Detector d;
  SessionFeed old_peer(kRecv, "10.0.0.2:2525", "10.0.0.1:41234", "EX2\\Default EX2");
  std::vector<Line> lines = {{"H1", "<", "EHLO ex1.contoso.com"}};
  for (int i = 0; i < 30; ++i) lines.push_back({"H1", "<", "NOOP"});
  lines.push_back({"H1", ">", "454 4.7.0 Temporary authentication failure"});
  lines.push_back({"H1", "-", "", "Local"});
  ASSERT_EQ(old_peer.feed(d, lines).size(), 1u);
  ASSERT_EQ(d.tracked_sessions(), 0u);

  SessionFeed new_peer(kRecv, "10.0.0.2:2525", "", "EX2\\Other");
  auto again = new_peer.feed(d, {{"H1", ">", "454 4.7.0 Temporary authentication failure"}});
  ASSERT_EQ(again.size(), 1u) << "a new session with the same id signals again";
  EXPECT_EQ(again[0].peer_name, "");
  EXPECT_EQ(again[0].peer_ip, "");
  EXPECT_EQ(again[0].connector, "EX2\\Other");
  EXPECT_EQ(again[0].evidence["lines"].size(), 1u);
  EXPECT_EQ(again[0].key, "plog-session:ex2\\other:h1:noise") << "and it never issued X-EXPS";
}

TEST(DetectorProtocolLog, ASessionEvictedWhenFullStartsAgainFromNothing) {
  Detector d;
  SessionFeed f(kRecv, "10.0.0.2:2525", "", "EX2\\Default EX2");
  std::vector<std::string> ids, helos;
  for (int i = 0; i <= 4096; ++i) {
    ids.push_back("J" + std::to_string(i));
    helos.push_back("EHLO ex" + std::to_string(i) + ".contoso.com");
  }
  for (size_t i = 0; i < ids.size(); ++i) f.feed(d, {{ids[i].c_str(), "<", helos[i].c_str()}});
  EXPECT_EQ(d.tracked_sessions(), 4096u) << "J0, the least recently used, was dropped for J4096";

  auto newest = f.feed(d, {{"J4096", ">", "454 4.7.0 Temporary authentication failure"}});
  ASSERT_EQ(newest.size(), 1u);
  EXPECT_EQ(newest[0].peer_name, "ex4096.contoso.com");
  EXPECT_EQ(newest[0].evidence["lines"].size(), 2u);
  auto evicted = f.feed(d, {{"J0", ">", "454 4.7.0 Temporary authentication failure"}});
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_EQ(evicted[0].peer_name, "") << "J0's EHLO was forgotten with it";
  EXPECT_EQ(evicted[0].evidence["lines"].size(), 1u);
  auto still_known = f.feed(d, {{"J2", ">", "454 4.7.0 Temporary authentication failure"}});
  ASSERT_EQ(still_known.size(), 1u);
  EXPECT_EQ(still_known[0].peer_name, "ex2.contoso.com") << "J1 made room for J0, J2 stayed";
  EXPECT_TRUE(f.feed(d, {{"J1", "<", "NOOP"}}).empty());
  EXPECT_EQ(d.tracked_sessions(), 4096u);
}


// docs/domain.md §10: the same codes answer clients; the session's verbs decide.
TEST(DetectorProtocolLog, Receive504ToAClientsAuthIsNoiseAndToXExpsAFault) {
  Detector d;
  SessionFeed f(kRecv, "10.10.10.10:25", "185.220.101.4:51234", "EX2\\Default Frontend EX2");
  auto brute = f.feed(d, {{"K1", "<", "EHLO User"}, {"K1", "<", "AUTH PLAIN"}, {"K1", ">", "504 5.7.4 Unrecognized authentication type"}});
  ASSERT_EQ(brute.size(), 1u);
  EXPECT_EQ(brute[0].signal_class, SignalClass::Noise);
  EXPECT_NE(brute[0].verdict.find("client"), std::string::npos) << brute[0].verdict;
  SessionFeed g(kRecv, "10.0.0.2:2525", "10.0.0.1:41234", "EX2\\Relay EX2");
  auto server = g.feed(d, {{"K2", "<", "EHLO ex1.contoso.com"}, {"K2", "<", "X-EXPS GSSAPI"},
                           {"K2", ">", "504 5.7.4 Unrecognized authentication type"}});
  ASSERT_EQ(server.size(), 1u);
  EXPECT_EQ(server[0].signal_class, SignalClass::Fault);
  EXPECT_EQ(server[0].peer_name, "ex1.contoso.com");
}

TEST(DetectorProtocolLog, A454ThatIsNotAboutAuthenticationIsNoiseEvenAfterXExps) {
  Detector d;
  SessionFeed f(kRecv, "10.0.0.2:25", "10.0.0.1:41234", "EX2\\Default Frontend EX2");
  auto tls = f.feed(d, {{"L1", "<", "EHLO mail.partner.example"}, {"L1", "<", "STARTTLS"},
                        {"L1", ">", "454 4.7.0 Cannot accept TLS as maximum TLS rate exceeded for server"}});
  ASSERT_EQ(tls.size(), 1u);
  EXPECT_EQ(tls[0].signal_class, SignalClass::Noise);
  SessionFeed s(kSend, "10.0.0.1:50000", "192.0.2.25:25", "To Internet");
  auto remote = s.feed(d, {{"L2", "<", "220 mx.partner.example ESMTP"}, {"L2", ">", "STARTTLS"},
                           {"L2", "<", "454 4.7.0 TLS not available due to local problem"}});
  ASSERT_EQ(remote.size(), 1u);
  EXPECT_EQ(remote[0].signal_class, SignalClass::Noise);
}

TEST(DetectorProtocolLog, StatusComesOutOfEveryPhrasing) {
  EXPECT_EQ(status_in_text("Inbound ExchangeAuth negotiation failed because of IllegalMessage"), "IllegalMessage");
  EXPECT_EQ(status_in_text("Outbound Authentication failed to initialize with TLS1_0NotSupported"), "TLS1_0NotSupported");
  EXPECT_EQ(status_in_text("Outbound Authentication failed with LogonDenied"), "LogonDenied");
  EXPECT_EQ(status_in_text("Inbound ExchangeAuth negotiation failed because connection is not TLS"), "connection is not TLS");
  EXPECT_EQ(status_in_text("Inbound ExchangeAuth negotiation failed because client did not specify hash algorithm."),
            "client did not specify hash algorithm");
  EXPECT_EQ(status_in_text("Outbound Exchange Authentication failed with TargetUnknown"), "TargetUnknown");
  EXPECT_EQ(status_in_text("Flushed Kerberos ticket cache"), "");
}

TEST(DetectorProtocolLog, ReceiveInitialisationFailuresAreFaultsWithTheirStatus) {
  Detector d;
  SessionFeed f(kRecv, "10.0.0.2:2525", "10.0.0.1:41234", "EX2\\Default EX2");
  auto s = f.feed(d, {{"M1", "<", "EHLO ex1.contoso.com"},
                      {"M1", "<", "X-EXPS EXCHANGEAUTH SHA256 AAAA"},
                      {"M1", "*", "", "Inbound ExchangeAuth negotiation failed because connection is not TLS"}});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].signal_class, SignalClass::Fault);
  EXPECT_EQ(s[0].status, "connection is not TLS");
}

TEST(DetectorProtocolLog, SendSideNamesThePeerFromItsEhloReplyWhenTheBannerIsMissing) {
  Detector d;
  SessionFeed f(kSend, "10.0.0.1:50123", "10.0.0.2:2525", "Intra-Organization SMTP Send Connector");
  auto signals = f.feed(d, {{"N1", ">", "EHLO ex1.contoso.com"},
                            {"N1", "<", "250-ex2.contoso.com Hello [10.0.0.1]"},
                            {"N1", "<", "250-X-EXPS GSSAPI NTLM"},
                            {"N1", ">", "X-EXPS GSSAPI"},
                            {"N1", "<", "454 4.7.0 Temporary authentication failure"}});
  ASSERT_EQ(signals.size(), 1u);
  EXPECT_EQ(signals[0].signal_class, SignalClass::Fault);
  EXPECT_EQ(signals[0].peer_name, "ex2.contoso.com");
  EXPECT_EQ(signals[0].peer_ip, "10.0.0.2");
}

TEST(DetectorProtocolLog, SendSideInitialisationFailureCountsWhenThePeerOfferedXExps) {
  Detector d;
  SessionFeed f(kSend, "10.0.0.1:50123", "10.0.0.2:2525", "Intra-Organization SMTP Send Connector");
  auto exchange = f.feed(d, {{"P1", "<", "220 ex2.contoso.com Microsoft ESMTP MAIL Service ready"},
                             {"P1", ">", "EHLO ex1.contoso.com"},
                             {"P1", "<", "250  ex2.contoso.com Hello [10.0.0.1] SIZE AUTH NTLM X-EXPS EXCHANGEAUTH GSSAPI NTLM"},
                             {"P1", "*", "", "Outbound Authentication failed to initialize with TLS1_0NotSupported"}});
  ASSERT_EQ(exchange.size(), 1u);
  EXPECT_EQ(exchange[0].signal_class, SignalClass::Fault);
  EXPECT_EQ(exchange[0].status, "TLS1_0NotSupported");
  SessionFeed g(kSend, "10.0.0.1:50124", "192.0.2.25:587", "To smart host");
  auto smart_host = g.feed(d, {{"P2", "<", "220 relay.isp.example ESMTP Postfix"},
                               {"P2", "<", "250-relay.isp.example"},
                               {"P2", "<", "250 AUTH PLAIN LOGIN"},
                               {"P2", ">", "AUTH LOGIN"},
                               {"P2", "*", "", "Outbound Authentication failed with LogonDenied"}});
  ASSERT_EQ(smart_host.size(), 1u);
  EXPECT_EQ(smart_host[0].signal_class, SignalClass::Noise);
  EXPECT_EQ(smart_host[0].peer_name, "relay.isp.example");
}

// Issue 12 part 7: a detector restored from the stored sessions of another one, half-way through a
// session, signals exactly as the one that read the whole session: peer name, evidence lines, once.
TEST(DetectorSessions, ARestoredSessionSignalsAsAnUninterruptedReadDoes) {
  const std::vector<Line> before = {{"08D760DF231F00BC", "+", ""},
                                    {"08D760DF231F00BC", "<", "EHLO ex1.contoso.com"},
                                    {"08D760DF231F00BC", "<", "X-EXPS EXCHANGEAUTH SHA256 AAAA"}};
  const std::vector<Line> after = {{"08D760DF231F00BC", "*", "", "Inbound ExchangeAuth negotiation failed because of IllegalMessage"},
                                   {"08D760DF231F00BC", ">", "454 4.7.0 Temporary authentication failure"},
                                   {"08D760DF231F00BC", "-", "", "Local"}};
  Detector whole;
  SessionFeed all(kRecv, "10.0.0.2:2525", "10.0.0.1:41234", "EX2\\Default EX2");
  all.feed(whole, before);
  const auto expected = all.feed(whole, after);
  ASSERT_EQ(expected.size(), 1u);

  Detector first;
  SessionFeed cut(kRecv, "10.0.0.2:2525", "10.0.0.1:41234", "EX2\\Default EX2");
  cut.feed(first, before);
  const auto changes = first.take_session_changes();
  ASSERT_EQ(changes.saved.size(), 1u);
  EXPECT_TRUE(first.take_session_changes().empty()) << "taken once";
  Detector resumed;
  EXPECT_TRUE(resumed.restore_sessions(changes.saved).empty());
  const auto got = cut.feed(resumed, after);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].peer_name, expected[0].peer_name);
  EXPECT_EQ(got[0].key, expected[0].key);
  EXPECT_EQ(got[0].evidence.dump(), expected[0].evidence.dump()) << "the evidence lines from before the cut are kept";
  const auto ended = resumed.take_session_changes();
  ASSERT_EQ(ended.removed.size(), 1u) << "the session ended: its stored row goes";
  EXPECT_EQ(ended.removed[0], changes.saved[0].key);
}

TEST(DetectorSessions, ADamagedStoredStateIsReportedAndThatSessionStartsAfresh) {
  Detector first;
  SessionFeed f(kRecv, "10.0.0.2:2525", "10.0.0.1:41234", "EX2\\Default EX2");
  f.feed(first, {{"S1", "+", ""}, {"S1", "<", "EHLO ex1.contoso.com"}});
  auto good = first.take_session_changes().saved.at(0);
  std::vector<DetectorSession> stored = {good};
  stored.push_back({"plog-session:x:truncated", good.state.substr(0, good.state.size() - 1), 1});
  stored.push_back({"plog-session:x:version", "\x7f" + good.state.substr(1), 2});
  stored.push_back({"plog-session:x:huge", std::string("\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12), 3});
  stored.push_back({"plog-session:x:trailing", good.state + "x", 4});
  Detector resumed;
  const auto damaged = resumed.restore_sessions(stored);
  EXPECT_EQ(damaged.size(), 4u);
  EXPECT_EQ(resumed.tracked_sessions(), 1u) << "the sound one is restored";
  EXPECT_EQ(resumed.take_session_changes().removed.size(), 4u) << "the damaged rows are removed from storage";
}

// Queue rules (DOMAIN.md §4): LastError 454 4.7.0 in the 2010 plain form and the 2013+ wrapper.
#include <gtest/gtest.h>

#include "core/detector.hpp"

using namespace authwatch;

namespace {

TransportEvent queue(std::string last_error, std::string next_hop = "ex2.contoso.com") {
  TransportEvent e;
  e.source_kind = SourceKind::QueueSnapshot;
  e.location = "queues.json";
  e.key = "queue:EX1\\3|2024-03-15T10:14:03.000Z|x";
  e.time = *parse_iso8601("2024-03-15T10:14:03Z");
  e.fields["Identity"] = "EX1\\3";
  e.fields["NextHopDomain"] = std::move(next_hop);
  e.fields["LastError"] = last_error;
  e.text = std::move(last_error);
  return e;
}

const char* kPlain2010 =
    "451 4.4.0 Primary target IP address responded with: \"454 4.7.0 Temporary authentication failure.\" "
    "Attempted failover to alternate host, but that did not succeed. Either there are no alternate hosts, "
    "or delivery failed to all alternate hosts.";

}  // namespace

TEST(DetectorQueue, Plain2010FormUsesTheNextHopAsPeer) {
  Detector d;
  auto s = d.detect(queue(kPlain2010));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->direction, Direction::Outbound);
  EXPECT_EQ(s->signal_class, SignalClass::Fault);
  EXPECT_EQ(s->status, "TemporaryAuthenticationFailure");
  EXPECT_TRUE(s->peer_ip.empty());
  EXPECT_EQ(s->peer_name, "ex2.contoso.com");
  EXPECT_EQ(s->evidence["identity"], "EX1\\3");
  EXPECT_TRUE(s->connector.empty());
}

TEST(DetectorQueue, TheZeroConnectorGuidIsNoConnector) {
  Detector d;
  auto e = queue(kPlain2010);
  e.fields["NextHopConnector"] = "00000000-0000-0000-0000-000000000000";
  EXPECT_TRUE(d.detect(e)->connector.empty());
  e.fields["NextHopConnector"] = "5c3c1a2e-2f5e-4c0a-9b1e-0f6ad3f1d111";
  EXPECT_EQ(d.detect(e)->connector, "5c3c1a2e-2f5e-4c0a-9b1e-0f6ad3f1d111");
}

TEST(DetectorQueue, Wrapped2013FormGivesIpAndFqdn) {
  Detector d;
  auto s = d.detect(queue(std::string("[{LRT=3/15/2024 10:14:03 AM};{LED=") + kPlain2010 +
                          " The last endpoint attempted was 10.0.0.2:2525};{FQDN=ex2.contoso.com};{IP=10.0.0.2}]",
                          "site:Default-First-Site-Name; version:15"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->peer_ip, "10.0.0.2");
  EXPECT_EQ(s->peer_name, "ex2.contoso.com");
}

TEST(DetectorQueue, LastEndpointAttemptedWhenNoIpBrace) {
  Detector d;
  auto s = d.detect(queue(std::string(kPlain2010) + " The last endpoint attempted was 10.0.0.7:25"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->peer_ip, "10.0.0.7");
}

TEST(DetectorQueue, CannotAchieveExchangeServerAuthenticationIsAFault) {
  Detector d;
  auto s = d.detect(queue("451 5.7.3 Cannot achieve Exchange Server authentication"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, "CannotAchieveExchangeServerAuthentication");
}

TEST(DetectorQueue, OtherErrorsOpenNothing) {
  Detector d;
  EXPECT_FALSE(d.detect(queue("451 4.4.0 DNS query failed. The error was: SMTPSEND.DNS.NonExistentDomain; nonexistent domain")));
  EXPECT_FALSE(d.detect(queue("441 4.4.1 Error encountered while communicating with primary target IP address: \"Failed to connect.\"")));
  EXPECT_FALSE(d.detect(queue("")));
}

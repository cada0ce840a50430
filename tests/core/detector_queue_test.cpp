// Queue rules (docs/domain.md §4, §10): LastError 454 4.7.0 in the 2010 plain form and the 2013+
// wrapper; the look-alikes; the peer only from Exchange's own fields.
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

TEST(DetectorQueue, Plain2010FormWithoutAnEndpointHasAnUnknownPeerSeenAtTheQueue) {
  Detector d;
  auto s = d.detect(queue(kPlain2010, "site:default-first-site-name; version:8"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->direction, Direction::Outbound);
  EXPECT_EQ(s->signal_class, SignalClass::Fault);
  EXPECT_EQ(s->status, "TemporaryAuthenticationFailure");
  EXPECT_TRUE(s->peer_ip.empty());
  EXPECT_TRUE(s->peer_name.empty()) << "NextHopDomain is a site or delivery group, never a server";
  EXPECT_FALSE(s->peer_known());
  EXPECT_EQ(s->peer_context, "EX1\\3 -> site:default-first-site-name; version:8");
  EXPECT_EQ(s->evidence["identity"], "EX1\\3");
  EXPECT_TRUE(s->connector.empty());
  EXPECT_NE(s->verdict.find("an unknown server"), std::string::npos) << s->verdict;
}

TEST(DetectorQueue, ANextHopThatLooksLikeAHostIsStillNotThePeer) {
  Detector d;
  auto s = d.detect(queue(kPlain2010, "ex2.contoso.com"));
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->peer_known());
  EXPECT_EQ(s->peer_context, "EX1\\3 -> ex2.contoso.com");
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
  EXPECT_EQ(s->signal_class, SignalClass::Fault);
  EXPECT_EQ(s->status, "CannotAchieveExchangeServerAuthentication");
}

TEST(DetectorQueue, TheInternalTransportCertificateIsAFaultOfItsOwn) {
  Detector d;
  auto s = d.detect(queue("451 5.7.3 Cannot load Internal Transport Certificate. Please check the transport certificate "
                          "configuration"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->signal_class, SignalClass::Fault);
  EXPECT_EQ(s->status, "CannotLoadInternalTransportCertificate");
  EXPECT_EQ(s->rule, "queue-451-5.7.3-transport-certificate");
}

TEST(DetectorQueue, The451573TextsOfStartTlsAndBasicAuthAreNoise) {
  Detector d;
  for (const char* text : {"451 5.7.3 STARTTLS is required to send mail", "451 5.7.3 Must issue a STARTTLS command first",
                           "451 5.7.3 Require basic authentication", "451 5.7.3 Require STARTTLS to authenticate",
                           "451 5.7.3 Require STARTTLS to do basic authentication", "451 5.7.3 Require XOORG extension"}) {
    auto s = d.detect(queue(text));
    ASSERT_TRUE(s) << text;
    EXPECT_EQ(s->signal_class, SignalClass::Noise) << text;
    EXPECT_FALSE(s->verdict.empty());
  }
}

TEST(DetectorQueue, The454470TextsThatAreNotAuthenticationAreNoise) {
  Detector d;
  for (const char* text : {"454 4.7.0 Temporary authorization failure",
                           "451 4.4.0 Primary target IP address responded with: \"454 4.7.0 Cannot accept TLS as maximum TLS "
                           "rate exceeded for server\"",
                           "454 4.7.0 TLS not available due to local problem",
                           "454 4.7.0 Connection is not TLS protected because negotiated Tls cipher strength is too weak"}) {
    auto s = d.detect(queue(text));
    ASSERT_TRUE(s) << text;
    EXPECT_EQ(s->signal_class, SignalClass::Noise) << text;
  }
}

TEST(DetectorQueue, ExternalSmartHostAndDnsQueuesAreNeverTheFault) {
  Detector d;
  auto external = queue(kPlain2010, "contoso-partner.com");
  external.fields["NextHopCategory"] = "External";
  auto s = d.detect(external);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->signal_class, SignalClass::Noise);
  for (const char* type : {"SmartHostConnectorDelivery", "DnsConnectorDelivery"}) {
    auto e = queue(std::string("[{LRT=};{LED=") + kPlain2010 + "};{FQDN=relay.isp.example};{IP=192.0.2.9}]", "relay.isp.example");
    e.fields["DeliveryType"] = type;
    auto n = d.detect(e);
    ASSERT_TRUE(n) << type;
    EXPECT_EQ(n->signal_class, SignalClass::Noise) << type;
    EXPECT_NE(n->verdict.find(type), std::string::npos) << n->verdict;
  }
}

TEST(DetectorQueue, BracesInTheQuotedReplyDoNotSteerThePeer) {
  Detector d;
  // The remote server's reply is quoted inside LED and may hold anything, braces included.
  auto s = d.detect(queue("[{LRT=3/15/2024 10:14:03 AM};{LED=451 4.4.0 Primary target IP address responded with: \"454 4.7.0 "
                          "Temporary authentication failure {IP=6.6.6.6};{FQDN=evil.example}\" Attempted failover to alternate "
                          "host, but that did not succeed. The last endpoint attempted was 10.0.0.2:2525};"
                          "{FQDN=ex2.contoso.com};{IP=10.0.0.2}]"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->peer_ip, "10.0.0.2");
  EXPECT_EQ(s->peer_name, "ex2.contoso.com");
}

TEST(DetectorQueue, BracesInTheReplyAloneNameNoPeer) {
  Detector d;
  auto s = d.detect(queue("[{LRT=3/15/2024 10:14:03 AM};{LED=451 4.4.0 Primary target IP address responded with: \"454 4.7.0 "
                          "Temporary authentication failure};{IP=6.6.6.6}\" Attempted failover to alternate host, but that did "
                          "not succeed.}]"));
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->peer_known()) << s->peer_ip;
}

TEST(DetectorQueue, AFrontendProxysAddressIsNotThePeer) {
  Detector d;
  auto s = d.detect(queue("[{LRT=3/15/2024 10:14:03 AM};{LED=Proxy session setup failed on Frontend with '451 4.4.0 Primary "
                          "target IP address responded with: \"454 4.7.0 Temporary authentication failure.\" Attempted failover "
                          "to alternate host, but that did not succeed. Either there are no alternate hosts, or delivery failed "
                          "to all alternate hosts. The last endpoint attempted was 10.0.0.9:2525'};{FQDN=fe1.contoso.com};"
                          "{IP=10.0.0.5}]"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->peer_ip, "10.0.0.9") << "the endpoint the Frontend attempted";
  EXPECT_TRUE(s->peer_name.empty()) << "fe1 is the Frontend";
  EXPECT_EQ(s->evidence["via_frontend_proxy"], true);
}

TEST(DetectorQueue, AnEndpointInsideTheQuotedReplyIsNotTaken) {
  Detector d;
  auto s = d.detect(queue("451 4.4.0 Primary target IP address responded with: \"454 4.7.0 Temporary authentication failure. "
                          "The last endpoint attempted was 6.6.6.6:25\" Attempted failover to alternate host, but that did "
                          "not succeed."));
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->peer_known());
}

TEST(DetectorQueue, IPv6LastEndpointsWithAndWithoutAPort) {
  Detector d;
  const std::string head = std::string(kPlain2010) + " The last endpoint attempted was ";
  EXPECT_EQ(d.detect(queue(head + "2001:db8::1:25"))->peer_ip, "2001:db8::1");
  EXPECT_EQ(d.detect(queue(head + "2a01:111:f400::25"))->peer_ip, "2a01:111:f400::25") << "the rest is no address";
  EXPECT_EQ(d.detect(queue(head + "[2001:db8::7]:2525"))->peer_ip, "2001:db8::7");
  EXPECT_EQ(d.detect(queue(head + "fe80::1:2:3:4:5:2525."))->peer_ip, "fe80::1:2:3:4:5");
}

TEST(DetectorQueue, OtherErrorsOpenNothing) {
  Detector d;
  EXPECT_FALSE(d.detect(queue("451 4.4.0 DNS query failed. The error was: SMTPSEND.DNS.NonExistentDomain; nonexistent domain")));
  EXPECT_FALSE(d.detect(queue("441 4.4.1 Error encountered while communicating with primary target IP address: \"Failed to connect.\"")));
  EXPECT_FALSE(d.detect(queue("")));
}

// Event-log rules (docs/domain.md §1, §10): 1035/1034 on the receiver, 2003/2016/2017 on the sender,
// and what makes each a fault or a look-alike.
#include <gtest/gtest.h>

#include "core/detector.hpp"

using namespace authwatch;

namespace {

TransportEvent exchange_event(std::string provider, uint32_t id, std::vector<std::string> data, uint64_t record = 10489441) {
  TransportEvent e;
  e.source_kind = SourceKind::EventXml;
  e.location = "export.xml";
  e.provider = std::move(provider);
  e.event_id = id;
  e.channel = "Application";
  e.computer = "ex2.contoso.com";
  e.record_id = record;
  e.key = "evt:ex2.contoso.com|Application|" + std::to_string(record);
  e.time = *parse_iso8601("2016-08-24T17:21:43Z");
  for (size_t i = 0; i < data.size(); ++i) e.fields[std::to_string(i + 1)] = data[i];
  return e;
}

}  // namespace

TEST(DetectorEventLog, Inbound1035ExchangeAuthIsAFaultWithEveryField) {
  Detector d;
  auto s = d.detect(exchange_event("MSExchangeTransport", 1035, {"IllegalMessage", "Default EX2", "ExchangeAuth", "10.0.0.1"}));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->signal_class, SignalClass::Fault);
  EXPECT_EQ(s->direction, Direction::Inbound);
  EXPECT_EQ(s->status, "IllegalMessage");
  EXPECT_EQ(s->connector, "Default EX2");
  EXPECT_EQ(s->mechanism, "ExchangeAuth");
  EXPECT_EQ(s->peer_ip, "10.0.0.1");
  EXPECT_EQ(s->rule, "exchange-1035-inbound-auth");
  EXPECT_EQ(s->key, "evt:ex2.contoso.com|Application|10489441");
  EXPECT_EQ(s->evidence["data"]["1"], "IllegalMessage");
  EXPECT_EQ(s->evidence["record_id"], 10489441);
}

TEST(DetectorEventLog, All1035ProvidersCountAndGssapiIsServerToServer) {
  Detector d;
  for (const char* provider : {"MSExchangeTransport", "MSExchangeFrontEndTransport", "MSExchangeTransportDelivery", "msexchangetransport"}) {
    auto s = d.detect(exchange_event(provider, 1035, {"UnexpectedExchangeAuthBlob", "Default EX2", "Gssapi", "[10.0.0.9]"}));
    ASSERT_TRUE(s) << provider;
    EXPECT_EQ(s->signal_class, SignalClass::Fault) << provider;
    EXPECT_EQ(s->peer_ip, "10.0.0.9") << "bracketed %4 is unwrapped";
  }
}

TEST(DetectorEventLog, ClientLoginFailuresAreNoiseButStillSignals) {
  Detector d;
  for (const char* mech : {"Login", "Ntlm", "BasicAuth"}) {
    auto s = d.detect(exchange_event("MSExchangeFrontEndTransport", 1035, {"LogonDenied", "Client Frontend EX2", mech, "192.0.2.44"}));
    ASSERT_TRUE(s) << mech;
    EXPECT_EQ(s->signal_class, SignalClass::Noise) << mech;
    EXPECT_EQ(s->peer_ip, "192.0.2.44");
  }
}

TEST(DetectorEventLog, OtherProvidersAndIdsAreIgnored) {
  Detector d;
  EXPECT_FALSE(d.detect(exchange_event("MSExchangeTransportSubmission", 1035, {"IllegalMessage", "x", "ExchangeAuth", "10.0.0.1"})));
  EXPECT_FALSE(d.detect(exchange_event("MSExchangeTransport", 1036, {"IllegalMessage", "x", "ExchangeAuth", "10.0.0.1"})));
  EXPECT_FALSE(d.detect(exchange_event("Service Control Manager", 7036, {"AuthWatch", "running"})));
}

TEST(DetectorEventLog, Sender2017TakesThePeerFromTheTargetSpn) {
  Detector d;
  auto s = d.detect(exchange_event("MSExchangeTransport", 2017,
                                   {"LogonDenied", "Intra-Organization SMTP Send Connector", "ExchangeAuth", "SMTPSVC/ex1.contoso.com"}));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->direction, Direction::Outbound);
  EXPECT_EQ(s->signal_class, SignalClass::Fault);
  EXPECT_EQ(s->target_spn, "SMTPSVC/ex1.contoso.com");
  EXPECT_EQ(s->peer_name, "ex1.contoso.com");
  EXPECT_TRUE(s->peer_ip.empty());
}

TEST(DetectorEventLog, Sender2003CarriesTheRemoteReply) {
  Detector d;
  auto s = d.detect(exchange_event("MSExchangeTransport", 2003,
                                   {"Intra-Organization SMTP Send Connector", "EX1.contoso.com", "454 4.7.0 Temporary authentication failure"}));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->direction, Direction::Outbound);
  EXPECT_EQ(s->reply, "454 4.7.0 Temporary authentication failure");
  EXPECT_EQ(s->peer_name, "EX1.contoso.com");
  EXPECT_EQ(s->signal_class, SignalClass::Fault);

  auto by_ip = d.detect(exchange_event("MSExchangeTransport", 2003, {"Send", "10.0.0.1:2525", "454 4.7.0 Temporary authentication failure"}));
  ASSERT_TRUE(by_ip);
  EXPECT_EQ(by_ip->peer_ip, "10.0.0.1") << "the remote endpoint in %2 is the peer's address";
  EXPECT_TRUE(by_ip->peer_name.empty());
}

TEST(DetectorEventLog, Sender2003FromASmartHostRefusingAPasswordIsNoise) {
  Detector d;
  for (const char* reply : {"535 5.7.3 Authentication unsuccessful", "535 5.7.8 Error: authentication failed: authentication failure",
                            "454 4.7.0 Temporary authorization failure", "530 5.7.57 Client not authenticated to send mail"}) {
    auto s = d.detect(exchange_event("MSExchangeTransport", 2003, {"Outbound to Office 365", "40.92.1.1:25", reply}));
    ASSERT_TRUE(s) << reply;
    EXPECT_EQ(s->signal_class, SignalClass::Noise) << reply;
    EXPECT_NE(s->verdict.find("smart host"), std::string::npos) << s->verdict;
  }
}

TEST(DetectorEventLog, GssapiOnAClientConnectorIsAClientNotAServer) {
  Detector d;
  for (const char* connector : {"Client Frontend EX2", "Client Proxy EX2"}) {
    auto s = d.detect(exchange_event("MSExchangeFrontEndTransport", 1035, {"LogonDenied", connector, "Gssapi", "10.20.0.15"}));
    ASSERT_TRUE(s) << connector;
    EXPECT_EQ(s->signal_class, SignalClass::Noise) << connector << ": Send-MailMessage with Integrated auth";
    EXPECT_NE(s->verdict.find("client"), std::string::npos) << s->verdict;
  }
  auto server = d.detect(exchange_event("MSExchangeTransport", 1035, {"LogonDenied", "Default EX2", "Gssapi", "10.0.0.1"}));
  ASSERT_TRUE(server);
  EXPECT_EQ(server->signal_class, SignalClass::Fault);
}

TEST(DetectorEventLog, InitialisationFailures1034And2016AreFaultsOfTheSameKind) {
  Detector d;
  auto in = d.detect(exchange_event("MSExchangeTransport", 1034, {"TLS1_0NotSupported", "Default EX2", "ExchangeAuth", "10.0.0.1"}));
  ASSERT_TRUE(in);
  EXPECT_EQ(in->signal_class, SignalClass::Fault);
  EXPECT_EQ(in->direction, Direction::Inbound);
  EXPECT_EQ(in->peer_ip, "10.0.0.1");
  // "An authentication credential initialization error %1 occurred with Send connector %2. The
  // authentication mechanism used was %3. The name of the server ... was %4. This server was using the name %5."
  auto out = d.detect(exchange_event("MSExchangeTransport", 2016,
                                     {"TLS1_0NotSupported", "Intra-Organization SMTP Send Connector", "ExchangeAuth",
                                      "ex2.contoso.com", "ex1.contoso.com"}));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->signal_class, SignalClass::Fault);
  EXPECT_EQ(out->direction, Direction::Outbound);
  EXPECT_EQ(out->peer_name, "ex2.contoso.com");
  EXPECT_EQ(out->status, "TLS1_0NotSupported");
  auto smart_host = d.detect(exchange_event("MSExchangeTransport", 2016, {"CredentialsUnavailable", "To relay", "Login",
                                                                         "relay.isp.example", "ex1.contoso.com"}));
  ASSERT_TRUE(smart_host);
  EXPECT_EQ(smart_host->signal_class, SignalClass::Noise);
}

TEST(DetectorEventLog, NamedDataFieldsWorkThroughACustomTable) {
  // Rules are data: a table using named <Data Name=...> fields needs no code.
  DetectionRules rules;
  rules.event_log.push_back({"kerberos-3", {"Microsoft-Windows-Security-Kerberos"}, 3, Direction::Outbound,
                             {{SignalField::Status, "ErrorMessage"}, {SignalField::TargetSpn, "TargetName"}},
                             {{{}, SignalClass::Fault, "a Kerberos error {status}"}}});
  Detector d(rules);
  auto e = exchange_event("Microsoft-Windows-Security-Kerberos", 3, {});
  e.fields["ErrorMessage"] = "KRB_AP_ERR_SKEW";
  e.fields["TargetName"] = "SMTPSVC/ex2.contoso.com@CONTOSO.COM";
  auto s = d.detect(e);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, "KRB_AP_ERR_SKEW");
  EXPECT_EQ(s->peer_name, "ex2.contoso.com");
  EXPECT_EQ(s->verdict, "a Kerberos error KRB_AP_ERR_SKEW");
}

// docs/domain.md §1.6: the Kerberos client's System-log events, with their named fields.
static TransportEvent kerberos_event(std::string provider, uint32_t id, std::string error_code, std::string message,
                              std::string target) {
  auto e = exchange_event(std::move(provider), id, {});
  e.channel = "System";
  e.fields["ErrorCode"] = std::move(error_code);
  e.fields["ErrorMessage"] = std::move(message);
  e.fields["TargetName"] = std::move(target);
  e.fields["ServerTime"] = "10:12:2.0000 3/15/2024 Z";
  return e;
}

TEST(DetectorEventLog, AKerberosErrorIsContextForAnIncidentNeverAFault) {
  Detector d;
  for (const char* provider : {"Microsoft-Windows-Security-Kerberos", "Kerberos"}) {
    auto s = d.detect(kerberos_event(provider, 3, "0x25", "KRB_AP_ERR_SKEW", "SMTPSVC/ex2.contoso.com@CONTOSO.COM"));
    ASSERT_TRUE(s) << provider;
    EXPECT_EQ(s->signal_class, SignalClass::Context) << "it explains a 454; it is not one";
    EXPECT_EQ(s->rule, "kerberos-3-error");
    EXPECT_EQ(s->status, "KRB_AP_ERR_SKEW");
    EXPECT_EQ(s->target_spn, "SMTPSVC/ex2.contoso.com@CONTOSO.COM");
    EXPECT_EQ(s->peer_name, "ex2.contoso.com");
    EXPECT_EQ(s->evidence["data"]["ServerTime"], "10:12:2.0000 3/15/2024 Z") << "the remote clock is kept";
  }
  auto modified = kerberos_event("Kerberos", 4, "", "", "SMTPSVC/ex2.contoso.com");
  modified.fields.erase("ErrorCode");
  auto s4 = d.detect(modified);
  ASSERT_TRUE(s4);
  EXPECT_EQ(s4->signal_class, SignalClass::Context);
  EXPECT_EQ(s4->rule, "kerberos-4-ap-err-modified");
  EXPECT_EQ(s4->peer_name, "ex2.contoso.com");
}

TEST(DetectorEventLog, KerberosLoggingChatterIsNoise) {
  Detector d;
  for (const char* code : {"0x19", "0xD", " 0xd "}) {
    auto s = d.detect(kerberos_event("Microsoft-Windows-Security-Kerberos", 3, code, "KDC_ERR_PREAUTH_REQUIRED", "krbtgt/CONTOSO.COM"));
    ASSERT_TRUE(s) << code;
    EXPECT_EQ(s->signal_class, SignalClass::Noise) << code << ": every logon logs it while LogLevel=1";
  }
  EXPECT_FALSE(d.detect(kerberos_event("Microsoft-Windows-Kerberos-Key-Distribution-Center", 3, "0x25", "KRB_AP_ERR_SKEW", "x")))
      << "only the client's Kerberos provider";
  EXPECT_FALSE(d.detect(kerberos_event("Kerberos", 5, "0x25", "KRB_AP_ERR_SKEW", "x")));
}

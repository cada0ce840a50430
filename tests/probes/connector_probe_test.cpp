// The "connector" probe: RemoteIPRanges and bindings, its verdicts on hand-made connectors
// (pure), then EXCH01's connectors created in the Samba lab (whose schema the lab extends with
// the Exchange receive connector class): healthy, and a more specific relay connector without
// ExchangeServer that takes this server's connections. Each lab connector is deleted afterwards.
#include <gtest/gtest.h>

#include "lab_env.hpp"
#include "ldap_lab.hpp"
#include "probes/connector_probe.hpp"
#include "probes/engine.hpp"
#include "probes/probe_set.hpp"
#include "tests/lab/lab_skip.hpp"

namespace authwatch::probes {
namespace {

using namespace std::chrono_literals;

TEST(ConnectorRanges, SingleDashAndCidrInBothFamilies) {
  auto single = parse_ip_range("10.0.0.5");
  ASSERT_TRUE(single);
  EXPECT_TRUE(range_contains(*single, "10.0.0.5"));
  EXPECT_FALSE(range_contains(*single, "10.0.0.6"));

  auto dash = parse_ip_range("10.0.0.10-10.0.0.20");
  ASSERT_TRUE(dash);
  EXPECT_TRUE(range_contains(*dash, "10.0.0.10"));
  EXPECT_TRUE(range_contains(*dash, "10.0.0.20"));
  EXPECT_FALSE(range_contains(*dash, "10.0.0.21"));
  auto reversed = parse_ip_range("10.0.0.20-10.0.0.10");
  ASSERT_TRUE(reversed);
  EXPECT_TRUE(range_contains(*reversed, "10.0.0.15"));

  auto cidr = parse_ip_range("192.168.8.0/22");
  ASSERT_TRUE(cidr);
  EXPECT_TRUE(range_contains(*cidr, "192.168.11.255"));
  EXPECT_FALSE(range_contains(*cidr, "192.168.12.0"));
  EXPECT_TRUE(range_contains(*parse_ip_range("0.0.0.0-255.255.255.255"), "203.0.113.9"));
  EXPECT_TRUE(range_contains(*parse_ip_range("0.0.0.0/0"), "203.0.113.9"));
  EXPECT_FALSE(range_contains(*parse_ip_range("0.0.0.0/0"), "2001:db8::1")) << "an IPv4 range holds no IPv6 address";

  auto v6 = parse_ip_range("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(range_contains(*v6, "2001:db8:ffff::1"));
  EXPECT_FALSE(range_contains(*v6, "2001:db9::1"));
  EXPECT_TRUE(range_contains(*parse_ip_range("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "2001:db8::1"));
}

TEST(ConnectorRanges, MalformedRangesAreRejected) {
  for (const char* bad : {"", "10.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "10.0.0.1-", "10.0.0.1-::1", "ex2", "::/129"})
    EXPECT_FALSE(parse_ip_range(bad)) << '"' << bad << '"';
}

TEST(ConnectorBindings, PortOfEitherFamily) {
  EXPECT_EQ(binding_port("0.0.0.0:2525"), 2525);
  EXPECT_EQ(binding_port("[::]:25"), 25);
  EXPECT_EQ(binding_port(":::717"), 717);
  EXPECT_FALSE(binding_port("0.0.0.0"));
  EXPECT_FALSE(binding_port("0.0.0.0:0"));
  EXPECT_FALSE(binding_port("0.0.0.0:70000"));
}

TEST(ConnectorAuth, NamesAsGetReceiveConnectorShowsThem) {
  EXPECT_EQ(auth_mechanism_text(0), "None");
  EXPECT_EQ(auth_mechanism_text(kAuthDefault), "Tls, BasicAuth, BasicAuthRequireTLS, ExchangeServer");
  EXPECT_EQ(auth_mechanism_text(kAuthTls | kAuthIntegrated), "Tls, Integrated");
}

ReceiveConnector connector(std::string name, int64_t auth, std::vector<std::string> ranges, std::string binding = "0.0.0.0:2525") {
  ReceiveConnector c;
  c.name = std::move(name);
  c.dn = "CN=" + c.name + ",CN=SMTP Receive Connectors,CN=Protocols,CN=EX2,CN=Servers,CN=Exchange Administrative Group "
         "(FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com";
  c.auth_mechanism = auth;
  c.remote_ip_ranges = std::move(ranges);
  c.bindings = {std::move(binding)};
  return c;
}

ConnectorReport ex2(std::vector<ReceiveConnector> connectors, std::string local_ip = "10.0.0.1") {
  ConnectorReport r;
  r.server = "EX2";
  r.schema_present = true;
  r.connectors = std::move(connectors);
  r.local_ip = std::move(local_ip);
  r.source = "dc1.contoso.com (10.0.0.9:389)";
  return r;
}

const int64_t kDefaultServer = kAuthTls | kAuthIntegrated | kAuthBasicAuth | kAuthBasicAuthRequireTls | kAuthExchangeServer;

TEST(ConnectorVerdict, DefaultConnectorWithExchangeServerIsOk) {
  auto f = judge_connectors(ex2({connector("Default EX2", kDefaultServer, {"0.0.0.0-255.255.255.255"}),
                                 connector("Client Frontend EX2", kAuthTls | kAuthBasicAuth, {"0.0.0.0-255.255.255.255"}, "[::]:587")}));
  EXPECT_EQ(f.status, FindingStatus::Ok) << f.summary;
  EXPECT_EQ(f.target, "EX2");
  EXPECT_EQ(f.evidence["schema"], "present");
  ASSERT_EQ(f.evidence["connectors"].size(), 2u);
  EXPECT_EQ(f.evidence["connectors"][0]["exchange_server"], true);
  EXPECT_EQ(f.evidence["connectors"][0]["covers_local"], true);
  EXPECT_EQ(f.evidence["connectors"][0]["takes_local_traffic"], true);
  EXPECT_EQ(f.evidence["connectors"][1]["exchange_server"], false);
  EXPECT_EQ(f.evidence["connectors"][1]["covers_local"], true);
  EXPECT_EQ(f.evidence["connectors"][1]["takes_local_traffic"], false) << "587 is client submission, not server mail";
  EXPECT_TRUE(f.evidence["offending"].empty()) << f.evidence.dump();
}

TEST(ConnectorVerdict, OnlyThePortsExchangeSendsToCount) {
  auto report = ex2({connector("Default EX2", kDefaultServer, {"0.0.0.0-255.255.255.255"}),
                     connector("Custom 25", kAuthTls, {"0.0.0.0-255.255.255.255"}, "0.0.0.0:25")});
  auto both = judge_connectors(report);
  EXPECT_EQ(both.status, FindingStatus::Fail) << "port 25 is a default server-to-server port";
  EXPECT_EQ(both.evidence["offending"], nlohmann::json::array({"Custom 25"}));
  report.ports = {2525};  // --peer ex2:2525
  auto only_2525 = judge_connectors(report);
  EXPECT_EQ(only_2525.status, FindingStatus::Ok) << only_2525.summary;
}

TEST(ConnectorVerdict, MoreSpecificRelayWithoutExchangeServerIsOffending) {
  auto f = judge_connectors(ex2({connector("Default EX2", kDefaultServer, {"0.0.0.0-255.255.255.255"}),
                                 connector("Relay", kAuthTls, {"10.0.0.0/24"})}));
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["offending"], nlohmann::json::array({"Relay"}));
  EXPECT_EQ(f.evidence["connectors"][0]["takes_local_traffic"], false) << "the relay's /24 is more specific";
  EXPECT_EQ(f.evidence["connectors"][1]["takes_local_traffic"], true);
  EXPECT_EQ(f.evidence["connectors"][1]["auth_mechanism"], kAuthTls);
  EXPECT_NE(f.remediation.find("`Set-ReceiveConnector \"EX2\\Relay\" -AuthMechanism Tls,ExchangeServer`"), std::string::npos)
      << f.remediation;
}

TEST(ConnectorVerdict, BroaderConnectorWithoutExchangeServerTakesNothing) {
  // The relay covers this server too, but Default EX2 matches it more specifically.
  auto f = judge_connectors(ex2({connector("Default EX2", kDefaultServer, {"10.0.0.0/24"}), connector("Relay", kAuthTls, {"0.0.0.0/0"})}));
  EXPECT_EQ(f.status, FindingStatus::Ok) << f.summary;
  EXPECT_EQ(f.evidence["connectors"][1]["covers_local"], true);
  EXPECT_EQ(f.evidence["connectors"][1]["takes_local_traffic"], false);
  EXPECT_TRUE(f.evidence["offending"].empty());
}

TEST(ConnectorVerdict, DisabledConnectorTakesNothing) {
  auto relay = connector("Relay", kAuthTls, {"10.0.0.1"});
  relay.enabled = false;
  auto f = judge_connectors(ex2({connector("Default EX2", kDefaultServer, {"0.0.0.0-255.255.255.255"}), relay}));
  EXPECT_EQ(f.status, FindingStatus::Ok) << f.summary;
  EXPECT_EQ(f.evidence["connectors"][1]["enabled"], false);
}

TEST(ConnectorVerdict, AbsentAuthAttributeMeansExchangesDefault) {
  auto c = connector("Default EX2", 0, {"0.0.0.0-255.255.255.255"});
  c.auth_mechanism.reset();
  auto f = judge_connectors(ex2({c}));
  EXPECT_EQ(f.status, FindingStatus::Ok) << f.summary;
  EXPECT_TRUE(f.evidence["connectors"][0]["auth_mechanism"].is_null());
  EXPECT_EQ(f.evidence["connectors"][0]["exchange_server"], true);
}

TEST(ConnectorVerdict, NoConnectorWithExchangeServerFailsEvenWithoutLocalIp) {
  auto f = judge_connectors(ex2({connector("Default EX2", kAuthTls | kAuthBasicAuth, {"0.0.0.0-255.255.255.255"})}, ""));
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_TRUE(f.evidence["local_ip"].is_null());
  EXPECT_NE(f.remediation.find("ExchangeServer"), std::string::npos);
}

TEST(ConnectorVerdict, WithoutLocalIpNothingIsOffending) {
  auto f = judge_connectors(ex2({connector("Default EX2", kDefaultServer, {"0.0.0.0-255.255.255.255"}),
                                 connector("Relay", kAuthTls, {"10.0.0.0/24"})}, ""));
  EXPECT_EQ(f.status, FindingStatus::Ok) << f.summary;
  EXPECT_NE(f.summary.find("--local-ip"), std::string::npos) << f.summary;
  EXPECT_EQ(f.evidence["connectors"][1]["covers_local"], false);
}

TEST(ConnectorVerdict, NoConnectorForTheLocalIpIsAWarning) {
  auto f = judge_connectors(ex2({connector("Default EX2", kDefaultServer, {"192.168.0.0/16"})}));
  EXPECT_EQ(f.status, FindingStatus::Warn) << f.summary;
}

TEST(ConnectorVerdict, NoSchemaIsSkippedAndBadLocalIpIsAnError) {
  ConnectorReport r;
  r.server = "EX2";
  auto f = judge_connectors(r);
  EXPECT_EQ(f.status, FindingStatus::Skipped);
  EXPECT_EQ(f.evidence["schema"], "absent");
  auto bad = judge_connectors(ex2({connector("Default EX2", kDefaultServer, {"0.0.0.0/0"})}, "ex1.contoso.com"));
  EXPECT_EQ(bad.status, FindingStatus::Error);
  EXPECT_NE(bad.summary.find("ex1.contoso.com"), std::string::npos);
}

// ---- against the Samba lab: EXCH01's connectors in CN=Configuration ----

class ConnectorLab : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!test::lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
    auto fixtures = test::ensure_exchange_fixtures();
    ASSERT_TRUE(fixtures) << fixtures.error();
  }
  ProbeTargets targets() const {
    ProbeTargets t;
    t.dcs = {test::dc_ip(1)};
    t.peer_fqdn = "exch01.lab.example";
    t.local_ip = test::lab_subnet() + ".1";  // the host's address on the lab bridge
    t.ccache = test::lab_ccache();
    return t;
  }
  std::vector<Finding> run(const ProbeTargets& t) {
    ProbeSettings settings;
    settings.deadline = 8000ms;
    ConnectorProbe probe;
    return test::run_probe(probe, t, settings);
  }
  test::LabKerberosEnv krb5_;
};

const char* const kDefaultExch01 =
    "connector EXCH01 'Default EXCH01' Tls,Integrated,BasicAuth,BasicAuthRequireTLS,ExchangeServer 0.0.0.0-255.255.255.255";

TEST_F(ConnectorLab, DefaultConnectorWithExchangeServerIsOk) {
  test::LabChange lab({kDefaultExch01}, {"connector-delete EXCH01 'Default EXCH01'"});
  ASSERT_TRUE(lab.applied()) << lab.failure();
  auto findings = run(targets());
  ASSERT_EQ(findings.size(), 1u);
  const Finding& f = findings[0];
  EXPECT_EQ(f.status, FindingStatus::Ok) << f.summary;
  EXPECT_EQ(f.target, "EXCH01");
  EXPECT_EQ(f.evidence["schema"], "present");
  ASSERT_EQ(f.evidence["connectors"].size(), 1u);
  EXPECT_EQ(f.evidence["connectors"][0]["name"], "Default EXCH01");
  EXPECT_EQ(f.evidence["connectors"][0]["auth_mechanism"], 31);
  EXPECT_EQ(f.evidence["connectors"][0]["bindings"], nlohmann::json::array({"0.0.0.0:2525"}));
  EXPECT_EQ(f.evidence["connectors"][0]["takes_local_traffic"], true);
}

TEST_F(ConnectorLab, RelayConnectorWithoutExchangeServerIsFound) {
  test::LabChange lab({kDefaultExch01, "connector EXCH01 'Relay EXCH01' Tls " + test::lab_subnet() + ".0/24"},
                      {"connector-delete EXCH01 'Relay EXCH01'", "connector-delete EXCH01 'Default EXCH01'"});
  ASSERT_TRUE(lab.applied()) << lab.failure();
  auto findings = run(targets());
  ASSERT_EQ(findings.size(), 1u);
  const Finding& f = findings[0];
  EXPECT_EQ(f.status, FindingStatus::Fail) << f.summary;
  EXPECT_EQ(f.evidence["offending"], nlohmann::json::array({"Relay EXCH01"}));
  EXPECT_NE(f.remediation.find("`Set-ReceiveConnector \"EXCH01\\Relay EXCH01\" -AuthMechanism Tls,ExchangeServer`"), std::string::npos)
      << f.remediation;
  // Another server's connectors are not EXCH01's: the peer EXCH02 has none.
  auto t = targets();
  t.peer_fqdn = "exch02.lab.example";
  auto other = run(t);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].status, FindingStatus::Error) << other[0].summary;
  EXPECT_NE(other[0].summary.find("no receive connectors of EXCH02"), std::string::npos) << other[0].summary;
}

TEST_F(ConnectorLab, HealthyLabGivesOnlyOkThroughTheEngine) {
  test::LabChange lab({kDefaultExch01}, {"connector-delete EXCH01 'Default EXCH01'"});
  ASSERT_TRUE(lab.applied()) << lab.failure();
  auto probes = make_probes({"spn", "connector"});
  ASSERT_TRUE(probes.ok()) << probes.error();
  ProbeSettings settings;
  settings.deadline = 8000ms;
  auto result = run_probes(std::move(probes).value(), targets(), settings);
  ASSERT_EQ(result.findings.size(), 3u);  // exch01.lab.example, forest, EXCH01
  for (const auto& f : result.findings) EXPECT_EQ(f.status, FindingStatus::Ok) << f.probe << " " << f.target << ": " << f.summary;
}

}  // namespace
}  // namespace authwatch::probes

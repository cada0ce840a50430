// `authwatch probe` end to end against the real Samba AD lab (tests/lab) and the scripted Exchange
// peer (tests/peers): the acceptance checks of the probe engine, as an administrator runs them.
#include <cmath>
#include <cstdlib>
#include <string>

#include "cli_harness.hpp"
#include "lab_env.hpp"
#include "peer_process.hpp"
#include "tests/lab/lab_skip.hpp"

namespace authwatch::test {
namespace {

class ProbeLabTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    std::string why;
    if (!lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
  }

  // Starts the scripted peer; `extra` e.g. {"--mode", "no-xexps"}.
  std::string start_peer(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--port", "0", "--exit-when-stdin-closes"};
    args.insert(args.end(), extra.begin(), extra.end());
    if (!peer_.start(std::string(AUTHWATCH_PEERS_DIR) + "/exchange_smtp_peer.py", args)) {
      ADD_FAILURE() << peer_.why();
      return "";
    }
    return "127.0.0.1:" + std::to_string(peer_.port());
  }

  CliResult probe(const std::string& peer, const std::string& only = "clock,ports,smtp") {
    return cli({"probe", "--dc", dc_ip(1), "--realm", realm, "--peer", peer, "--only", only, "--format", "json"});
  }

  static nlohmann::json find(const nlohmann::json& run, const std::string& probe, const std::string& target) {
    for (const auto& f : run["findings"])
      if (f["probe"] == probe && f["target"] == target) return f;
    ADD_FAILURE() << "no " << probe << " finding for " << target << " in " << run.dump(1);
    return nlohmann::json::object();
  }

  PeerProcess peer_;
};

// Restarts DC1 under libfaketime for the test's scope, and back on the real clock afterwards.
struct SkewDc1 {
  explicit SkewDc1(const char* offset) {
    setenv("ADLAB_FAKETIME_DC1", offset, 1);
    ok = lab_cmd("restart 1") == 0;
    unsetenv("ADLAB_FAKETIME_DC1");
  }
  ~SkewDc1() { lab_cmd("restart 1"); }
  bool ok = false;
};

TEST_F(ProbeLabTest, HealthyLabAndExchangePeerAreAllOk) {
  auto peer = start_peer();
  ASSERT_FALSE(peer.empty());
  auto r = probe(peer);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto run = r.json();
  auto clock = find(run, "clock", dc_ip(1));
  EXPECT_EQ(clock["status"], "ok") << clock.dump(1);
  for (const char* method : {"sntp", "kerberos_udp", "kerberos_tcp", "ldap"}) {
    EXPECT_EQ(clock["evidence"]["readings"][method]["ok"], true) << method << ": " << clock.dump(1);
    EXPECT_LT(std::fabs(clock["evidence"]["readings"][method].value("offset_seconds", 99.0)), 2.0) << method;
  }
  auto peer_clock = find(run, "clock", "127.0.0.1");
  EXPECT_EQ(peer_clock["status"], "ok") << "the peer's clock is read from its SMTP banner: " << peer_clock.dump(1);
  EXPECT_EQ(peer_clock["evidence"]["readings"]["smtp_banner"]["ok"], true);
  auto ports = find(run, "ports", dc_ip(1));
  EXPECT_EQ(ports["status"], "ok") << ports.dump(1);
  EXPECT_TRUE(ports["evidence"]["blocked"].empty());
  EXPECT_EQ(find(run, "smtp", peer)["status"], "ok");
}

TEST_F(ProbeLabTest, DcTenMinutesAheadFailsTheClockProbeByEveryMethod) {
  SkewDc1 skew("+10m");
  ASSERT_TRUE(skew.ok) << "adlab.sh restart 1 under libfaketime failed";
  auto peer = start_peer();
  auto r = probe(peer, "clock");
  EXPECT_EQ(r.code, 5) << "exit 5: a finding failed\n" << r.out << r.err;
  auto clock = find(r.json(), "clock", dc_ip(1));
  EXPECT_EQ(clock["status"], "fail");
  EXPECT_NEAR(clock["evidence"]["offset_seconds"].get<double>(), 600.0, 5.0);
  EXPECT_NE(clock["summary"].get<std::string>().find("+600"), std::string::npos) << clock["summary"];
  for (const char* method : {"sntp", "kerberos_udp", "kerberos_tcp", "ldap"})
    EXPECT_NEAR(clock["evidence"]["readings"][method].value("offset_seconds", 0.0), 600.0, 5.0) << method;
  EXPECT_EQ(find(r.json(), "clock", "127.0.0.1")["status"], "ok") << "the peer's clock is still right";
}

TEST_F(ProbeLabTest, KerberosPortDroppedIsFilteredAndOnlyTheKerberosClockMethodFails) {
  UnblockDc1OnExit unblock;
  ASSERT_EQ(lab_cmd("block 1 88"), 0);
  auto peer = start_peer();
  auto r = probe(peer, "clock,ports");
  auto run = r.json();
  auto ports = find(run, "ports", dc_ip(1));
  EXPECT_EQ(ports["status"], "fail") << ports.dump(1);
  const auto blocked = ports["evidence"]["blocked"];
  EXPECT_NE(std::find(blocked.begin(), blocked.end(), "88/tcp filtered"), blocked.end()) << blocked;
  EXPECT_NE(std::find(blocked.begin(), blocked.end(), "88/udp filtered"), blocked.end()) << blocked;
  EXPECT_EQ(blocked.size(), 2u) << "nothing else is blocked: " << blocked;
  auto clock = find(run, "clock", dc_ip(1));
  const auto readings = clock["evidence"]["readings"];
  EXPECT_EQ(readings["kerberos_udp"]["ok"], false);
  EXPECT_EQ(readings["kerberos_tcp"]["ok"], false);
  EXPECT_EQ(readings["sntp"]["ok"], true) << "SNTP still measures: " << readings;
  EXPECT_EQ(readings["ldap"]["ok"], true) << "LDAP still measures: " << readings;
  EXPECT_EQ(clock["status"], "ok") << "the clock itself is right";
}

TEST_F(ProbeLabTest, PeerWithoutExchangeAuthenticationFailsTheSmtpProbe) {
  auto peer = start_peer({"--mode", "no-xexps"});
  auto r = probe(peer, "smtp");
  EXPECT_EQ(r.code, 5) << r.out << r.err;
  auto smtp = find(r.json(), "smtp", peer);
  EXPECT_EQ(smtp["status"], "fail");
  EXPECT_NE(smtp["remediation"].get<std::string>().find("ExchangeServer"), std::string::npos) << smtp["remediation"];
}

TEST_F(ProbeLabTest, PeerClockTenMinutesBehindIsReadFromItsBanner) {
  auto peer = start_peer({"--clock-offset", "-600"});
  auto r = probe(peer, "clock");
  EXPECT_EQ(r.code, 5) << r.out << r.err;
  auto clock = find(r.json(), "clock", "127.0.0.1");
  EXPECT_EQ(clock["status"], "fail") << clock.dump(1);
  EXPECT_EQ(clock["evidence"]["method"], "smtp_banner");
  EXPECT_NEAR(clock["evidence"]["offset_seconds"].get<double>(), -600.0, 2.0);
  EXPECT_EQ(find(r.json(), "clock", dc_ip(1))["status"], "ok");
}

}  // namespace
}  // namespace authwatch::test

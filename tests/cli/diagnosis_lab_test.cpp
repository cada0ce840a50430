// The directory issue's acceptance, end to end: each fault is injected for real into the two-DC
// Samba lab (or the scripted Exchange peer), `authwatch probe --format json` runs every probe, and
// the diagnosis must name that fault as its top cause, with evidence pointing at it. The healthy
// lab must name none. Each test undoes its fault (tests/probes/ldap_lab.hpp LabChange).
#include <cstdlib>
#include <string>
#include <vector>

#include "cli_harness.hpp"
#include "lab_env.hpp"
#include "ldap_lab.hpp"
#include "peer_process.hpp"

namespace authwatch::test {
namespace {

const std::string kPeerFqdn = "exch01.lab.example";

class DiagnosisLabTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    std::string why;
    if (!lab_available(why)) GTEST_SKIP() << why;
    if (lab_cmd("status 2>/dev/null | grep -q '^DC2 .*ldap=answers'") != 0)
      GTEST_SKIP() << "needs the two-DC lab (adlab.sh up 2; the ctest fixture starts it)";
    kerberos_ = std::make_unique<LabKerberosEnv>();
    auto fixtures = ensure_exchange_fixtures();
    ASSERT_EQ(fixtures, "") << fixtures;
  }

  // The scripted peer, and EXCH01's Default receive connector bound to the peer's port with
  // `auth` (Exchange's defaults include ExchangeServer); removed when the test ends.
  void start_peer(std::vector<std::string> peer_args = {},
                  const std::string& auth = "Tls,Integrated,BasicAuth,BasicAuthRequireTLS,ExchangeServer") {
    std::vector<std::string> args{"--port", "0", "--exit-when-stdin-closes"};
    args.insert(args.end(), peer_args.begin(), peer_args.end());
    ASSERT_TRUE(peer_.start(std::string(AUTHWATCH_PEERS_DIR) + "/exchange_smtp_peer.py", args)) << peer_.why();
    peer_endpoint_ = "127.0.0.1:" + std::to_string(peer_.port());
    connector_ = std::make_unique<LabChange>(
        std::vector<std::string>{"connector EXCH01 'Default EXCH01' " + auth + " 0.0.0.0-255.255.255.255 0.0.0.0:" +
                                 std::to_string(peer_.port())},
        std::vector<std::string>{"connector-delete EXCH01 'Default EXCH01'"});
    ASSERT_TRUE(connector_->applied()) << connector_->failure();
  }

  CliResult probe() {
    return cli({"probe", "--dc", dc_ip(1), "--dc", dc_ip(2), "--realm", realm, "--peer", peer_endpoint_, "--peer-fqdn",
                kPeerFqdn, "--local-ip", lab_subnet() + ".1", "--ccache", lab_ccache(), "--peer-keytab",
                lab_dir() + "/exch01.keytab", "--format", "json"});
  }

  // The ranked causes of a run, with the whole output in the failure message when the run broke.
  nlohmann::json causes(const CliResult& r) {
    nlohmann::json run;
    try {
      run = r.json();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not JSON (" << e.what() << "): " << r.out << r.err;
      return nlohmann::json::array();
    }
    last_run_ = run;
    return run["diagnosis"]["causes"];
  }

  // Asserts the top cause; returns it for further checks.
  nlohmann::json expect_top(const CliResult& r, const std::string& cause) {
    auto ranked = causes(r);
    if (ranked.empty()) {
      ADD_FAILURE() << "no cause found; expected " << cause << "\n" << last_run_.dump(1);
      return nlohmann::json::object();
    }
    EXPECT_EQ(ranked[0]["cause"], cause) << "ranked: " << ranked.dump(1) << "\nfindings: " << last_run_["findings"].dump(1);
    EXPECT_EQ(r.code, 5) << "a finding failed: exit 5";
    for (const char* field : {"target", "evidence", "fix", "confidence"})
      EXPECT_TRUE(ranked[0].contains(field)) << field << " missing in " << ranked[0].dump(1);
    return ranked[0];
  }

  std::unique_ptr<LabKerberosEnv> kerberos_;
  PeerProcess peer_;
  std::string peer_endpoint_;
  std::unique_ptr<LabChange> connector_;
  nlohmann::json last_run_;
};

TEST_F(DiagnosisLabTest, HealthyLabNamesNoCause) {
  start_peer();
  auto r = probe();
  auto ranked = causes(r);
  EXPECT_TRUE(ranked.empty()) << ranked.dump(1) << "\n" << last_run_["findings"].dump(1);
  EXPECT_EQ(r.code, 0) << r.out;
  for (const auto& f : last_run_["findings"])
    EXPECT_TRUE(f["status"] == "ok" || f["status"] == "skipped") << f.dump(1);
}

TEST_F(DiagnosisLabTest, MissingSpn) {
  start_peer();
  // Settled: DC2 has the deletion too. Probed in the seconds before that, the DCs disagree and the
  // diagnosis rightly ranks replication (DC2 has not received the change) first.
  LabChange fault({"spn delete SMTPSVC/exch01.lab.example 'EXCH01$'", "replicate 2"},
                  {"spn add SMTPSVC/exch01.lab.example 'EXCH01$'", "replicate 2"});
  ASSERT_TRUE(fault.applied()) << fault.failure();
  auto top = expect_top(probe(), "spn-missing");
  EXPECT_EQ(top["target"], kPeerFqdn);
  EXPECT_NE(top["fix"].get<std::string>().find("setspn -S SMTPSVC/exch01.lab.example"), std::string::npos) << top["fix"];
}

TEST_F(DiagnosisLabTest, DuplicateSpn) {
  start_peer();
  LabChange fault({"dupspn SMTPSVC/exch01.lab.example 'EXCH02$'"}, {"undupspn SMTPSVC/exch01.lab.example 'EXCH02$'"});
  ASSERT_TRUE(fault.applied()) << fault.failure();
  auto top = expect_top(probe(), "spn-duplicate");
  const auto fix = top["fix"].get<std::string>();
  EXPECT_NE(fix.find("setspn -D SMTPSVC/exch01.lab.example"), std::string::npos) << fix;
  EXPECT_NE(fix.find("EXCH02$"), std::string::npos) << "the fix removes it from the other holder: " << fix;
}

TEST_F(DiagnosisLabTest, SpnOnTheWrongAccount) {
  start_peer();
  LabChange fault({"spn delete SMTPSVC/exch01.lab.example 'EXCH01$'", "spn add SMTPSVC/exch01.lab.example 'EXCH02$'", "replicate 2"},
                  {"spn delete SMTPSVC/exch01.lab.example 'EXCH02$' 2>/dev/null || true",
                   "spn add SMTPSVC/exch01.lab.example 'EXCH01$' 2>/dev/null || true", "replicate 2"});
  ASSERT_TRUE(fault.applied()) << fault.failure();
  auto top = expect_top(probe(), "spn-wrong-owner");
  EXPECT_NE(top["fix"].get<std::string>().find("EXCH02$"), std::string::npos) << top["fix"];
}

TEST_F(DiagnosisLabTest, StaleKeyAfterAPasswordChange) {
  start_peer();
  // DC2 pulls the new keys at once, so the DCs agree: only the peer's keytab is behind.
  LabChange fault({"rekey EXCH01", "replicate 2"}, {"keytab", "replicate 2"});
  ASSERT_TRUE(fault.applied()) << fault.failure();
  auto top = expect_top(probe(), "stale-key");
  EXPECT_NE(top["evidence"].dump().find("kvno"), std::string::npos) << top["evidence"].dump(1);
}

TEST_F(DiagnosisLabTest, Dc2NotReplicatingWhileTheSpnChangesOnDc1) {
  start_peer();
  LabChange isolated({"isolate 2"}, {"rejoin 2"});
  ASSERT_TRUE(isolated.applied()) << isolated.failure();
  LabChange changed({"spn delete SMTP/exch01.lab.example 'EXCH01$'"}, {"spn add SMTP/exch01.lab.example 'EXCH01$'"});
  ASSERT_TRUE(changed.applied()) << changed.failure();
  ASSERT_NE(lab_cmd("replicate 2 DC=lab,DC=example >/dev/null 2>&1"), 0) << "DC2 replicated although isolated";
  auto top = expect_top(probe(), "replication");
  EXPECT_NE(top["evidence"].dump().find(dc_ip(2)), std::string::npos) << "names DC2: " << top["evidence"].dump(1);
}

TEST_F(DiagnosisLabTest, DcClockTenMinutesAhead) {
  start_peer();
  setenv("ADLAB_FAKETIME_DC1", "+10m", 1);
  LabChange skewed({"restart 1"}, {"restart 1", "rejoin 2"});
  unsetenv("ADLAB_FAKETIME_DC1");
  ASSERT_TRUE(skewed.applied()) << skewed.failure();
  auto top = expect_top(probe(), "clock-skew");
  EXPECT_EQ(top["target"], dc_ip(1));
  EXPECT_NE(top["evidence"].dump().find("60"), std::string::npos) << top["evidence"].dump(1);
}

TEST_F(DiagnosisLabTest, PeerClockTenMinutesBehind) {
  start_peer({"--clock-offset", "-600"});
  auto top = expect_top(probe(), "clock-skew");
  EXPECT_EQ(top["target"], "127.0.0.1") << "the peer's clock, read from its banner";
}

TEST_F(DiagnosisLabTest, KerberosPortBlockedOnBothDcs) {
  start_peer();
  LabChange blocked({"block 1 88", "block 2 88"}, {"unblock 1", "unblock 2"});
  ASSERT_TRUE(blocked.applied()) << blocked.failure();
  auto top = expect_top(probe(), "ports-blocked");
  EXPECT_NE(top["evidence"].dump().find("88"), std::string::npos) << top["evidence"].dump(1);
}

TEST_F(DiagnosisLabTest, KerberosAndLdapDroppedOnOneDcOnly) {
  // DC2 black-holed for Kerberos and LDAP: every probe still gets its answers from DC1 in time
  // (the ticket included), and the cause is DC2's firewall.
  start_peer();
  LabChange blocked({"block 2 '{ 88, 389, 3268 }'"}, {"unblock 2"});
  ASSERT_TRUE(blocked.applied()) << blocked.failure();
  auto top = expect_top(probe(), "ports-blocked");
  EXPECT_EQ(top["target"], dc_ip(2));
  for (const auto& f : last_run_["findings"]) {
    if (f["probe"] == "ticket") {
      EXPECT_EQ(f["status"], "ok") << "DC1's KDC issues the ticket: " << f.dump(1);
    }
  }
}

TEST_F(DiagnosisLabTest, ConnectorWithoutExchangeServerAuthentication) {
  // The connector as an administrator might leave it, and the EHLO such a connector gives.
  start_peer({"--mode", "no-xexps"}, "Tls,Integrated,BasicAuth,BasicAuthRequireTLS");
  auto top = expect_top(probe(), "connector-auth");
  EXPECT_NE(top["fix"].get<std::string>().find("ExchangeServer"), std::string::npos) << top["fix"];
  EXPECT_NE(top["fix"].get<std::string>().find("Default EXCH01"), std::string::npos) << top["fix"];
}

}  // namespace
}  // namespace authwatch::test

// `probe` prints the diagnosis after its findings, and adds it to --format json; run against the
// scripted Exchange peer (tests/peers/exchange_smtp_peer.py) on 127.0.0.1.
#include <gmock/gmock.h>

#include <fstream>

#include "cli_harness.hpp"
#include "peer_process.hpp"
#include "storage/database.hpp"
#include "storage/store.hpp"

namespace authwatch::test {
namespace {

using ::testing::HasSubstr;

class ProbeDiagnosis : public CliTest {
 protected:
  std::string start_peer(const std::string& mode) {
    if (!peer_.start(std::string(AUTHWATCH_PEERS_DIR) + "/exchange_smtp_peer.py",
                     {"--port", "0", "--mode", mode, "--bind", "127.0.0.1", "--exit-when-stdin-closes"})) {
      ADD_FAILURE() << peer_.why();
      return "";
    }
    return "127.0.0.1:" + std::to_string(peer_.port());
  }
  void TearDown() override {
    peer_.stop();
    CliTest::TearDown();
  }
  PeerProcess peer_;
};

TEST_F(ProbeDiagnosis, JsonHasADiagnosisWithConnectorAuthOnTop) {
  auto peer = start_peer("no-xexps");
  ASSERT_FALSE(peer.empty());
  auto r = cli({"probe", "--only", "smtp", "--peer", peer, "--format", "json"});
  EXPECT_EQ(r.code, 5) << r.err;
  auto j = r.json();
  ASSERT_TRUE(j["diagnosis"].is_object()) << r.out;
  ASSERT_TRUE(j["diagnosis"]["notes"].is_array());
  const auto& causes = j["diagnosis"]["causes"];
  ASSERT_EQ(causes.size(), 1u) << r.out;
  EXPECT_EQ(causes[0]["cause"], "connector-auth");
  EXPECT_EQ(causes[0]["target"], "ex2.contoso.com");
  EXPECT_EQ(causes[0]["evidence"][0]["probe"], "smtp");
  EXPECT_EQ(causes[0]["evidence"][0]["target"], peer);
  EXPECT_EQ(causes[0]["evidence"][0]["x_exps"], false);
  EXPECT_THAT(causes[0]["fix"].get<std::string>(), HasSubstr("`Set-ReceiveConnector \"ex2\\Default ex2\" -AuthMechanism "));
}

// The deadline and the slow retry come from the config's probes section, the flags override it,
// and both are bounded (a run must stay bounded).
TEST_F(ProbeDiagnosis, DeadlineAndSlowRetryFromConfigAndFlags) {
  auto defaults = cli({"probe", "--only", "kerberos-logging", "--format", "json"});
  ASSERT_EQ(defaults.code, 0) << defaults.err;
  EXPECT_EQ(defaults.json()["settings"], nlohmann::json({{"deadline_ms", 3000}, {"slow_retry_ms", 10000}}));

  const auto config = dir_ / "probes.json";
  std::ofstream(config) << R"({"probes": {"deadline_ms": 1500, "slow_retry_ms": 0}})";
  auto from_config = cli({"--config", config.string(), "probe", "--only", "kerberos-logging", "--format", "json"});
  ASSERT_EQ(from_config.code, 0) << from_config.err;
  EXPECT_EQ(from_config.json()["settings"], nlohmann::json({{"deadline_ms", 1500}, {"slow_retry_ms", 0}}));

  auto flags = cli({"--config", config.string(), "probe", "--only", "kerberos-logging", "--slow-retry-ms", "2500", "--format", "json"});
  ASSERT_EQ(flags.code, 0) << flags.err;
  EXPECT_EQ(flags.json()["settings"], nlohmann::json({{"deadline_ms", 1500}, {"slow_retry_ms", 2500}}));

  EXPECT_EQ(cli({"probe", "--only", "kerberos-logging", "--slow-retry-ms", "900000"}).code, 2) << "beyond 120000 ms";
  std::ofstream(config) << R"({"probes": {"slow_retry_ms": -5}})";
  auto bad = cli({"--config", config.string(), "probe", "--only", "kerberos-logging"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_THAT(bad.err, HasSubstr("probes.slow_retry_ms: must be an integer number of milliseconds from 0 to 120000"));
}

TEST_F(ProbeDiagnosis, TablePrintsTheDiagnosisAfterTheFindings) {
  auto peer = start_peer("no-xexps");
  ASSERT_FALSE(peer.empty());
  auto r = cli({"probe", "--only", "smtp", "--peer", peer});
  EXPECT_EQ(r.code, 5) << r.err;
  const auto findings = r.out.find("probe  target");
  const auto diagnosis = r.out.find("\nDiagnosis\nrank  cause           target           confidence  fix\n");
  ASSERT_NE(findings, std::string::npos) << r.out;
  ASSERT_NE(diagnosis, std::string::npos) << r.out;
  EXPECT_LT(findings, diagnosis);
  EXPECT_THAT(r.out, HasSubstr("1     connector-auth  ex2.contoso.com  0.70        On ex2.contoso.com: `Set-ReceiveConnector"));
}

TEST_F(ProbeDiagnosis, AnExchangePeerGivesNoCause) {
  auto peer = start_peer("exchange");
  ASSERT_FALSE(peer.empty());
  auto r = cli({"probe", "--only", "smtp", "--peer", peer});
  EXPECT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_THAT(r.out, HasSubstr("\nDiagnosis\nNo cause found.\n"));
  auto j = cli({"probe", "--only", "smtp", "--peer", peer, "--format", "json"}).json();
  EXPECT_TRUE(j["diagnosis"]["causes"].empty());
}

TEST_F(ProbeDiagnosis, ARunForAnIncidentIsDiagnosedAgainByShow) {
  auto peer = start_peer("no-xexps");
  ASSERT_FALSE(peer.empty());
  {
    auto db = storage::Database::open(db_, storage::Database::Mode::ReadWrite);
    ASSERT_TRUE(db.ok()) << db.error();
    storage::Store store(*db.value());
    Incident i;
    i.peer = "127.0.0.1";
    i.first_seen = i.last_seen = *parse_iso8601("2024-03-15T10:00:00Z");
    store.insert_incident(i);
  }
  auto probe = cli({"probe", "--only", "smtp", "--peer", peer, "--incident", "1", "--format", "json"}).json();
  auto show = cli({"show", "1", "--format", "json"}).json();
  EXPECT_EQ(show["probe_run"]["id"], probe["run_id"]);
  EXPECT_EQ(show["diagnosis"], probe["diagnosis"]);
}

}  // namespace
}  // namespace authwatch::test

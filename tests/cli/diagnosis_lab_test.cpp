// The directory issue's acceptance, end to end: each fault is injected for real into the two-DC
// Samba lab (or the scripted Exchange peer), `authwatch probe --format json` runs every probe
// against both DCs, the peer and this server's own SPNs, and the diagnosis must name that fault as
// its top cause, with evidence pointing at it. The healthy lab must name none. Each test undoes its
// fault (tests/probes/ldap_lab.hpp LabChange).
//
// AUTHWATCH_RECORD_DIR=<dir> writes each run's JSON to <dir>/<test name>.json: that is how
// tests/data/diagnosis/ was recorded (see its PROVENANCE.tsv).
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli_harness.hpp"
#include "lab_env.hpp"
#include "ldap_lab.hpp"
#include "peer_process.hpp"
#include "tests/lab/lab_skip.hpp"

namespace authwatch::test {
namespace {

const std::string kPeerFqdn = "exch01.lab.example";
const std::string kLocalFqdn = "exch02.lab.example";
const std::string kExch01Dn = "CN=EXCH01,CN=Computers,DC=lab,DC=example";
const std::string kExch02Dn = "CN=EXCH02,CN=Computers,DC=lab,DC=example";
// What Exchange registers on every transport server; the lab's fixtures give them to EXCH01 only.
const std::vector<std::string> kExch02Spns = {"SMTPSVC/exch02", "SMTPSVC/exch02.lab.example", "SMTP/exch02",
                                              "SMTP/exch02.lab.example"};

bool has_string(const nlohmann::json& list, const std::string& value) {
  if (!list.is_array()) return false;
  for (const auto& v : list)
    if (v.is_string() && v.get<std::string>() == value) return true;
  return false;
}

class DiagnosisLabTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    std::string why;
    if (!lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
    if (lab_cmd("status 2>/dev/null | grep -q '^DC2 .*ldap=answers'") != 0)
      AUTHWATCH_PEER_UNAVAILABLE() << "needs the two-DC lab (adlab.sh up 2; the ctest fixture starts it)";
    kerberos_ = std::make_unique<LabKerberosEnv>();
    auto fixtures = ensure_exchange_fixtures();
    ASSERT_TRUE(fixtures) << fixtures.error();
  }

  // The healthy lab as Exchange would leave it, removed when the test ends: EXCH02 (this server)
  // with its own SMTP SPNs, the scripted peer, and EXCH01's Default receive connector bound to the
  // peer's port with `auth` (Exchange's defaults include ExchangeServer). Then DC2 replicates
  // every partition, so both DCs agree before any fault: a probe that falls over to DC2 (DC1 is
  // slow to its first GSSAPI bind after a schema change) must not see the lab half-made.
  void start_peer(std::vector<std::string> peer_args = {},
                  const std::string& auth = "Tls,Integrated,BasicAuth,BasicAuthRequireTLS,ExchangeServer") {
    // The peer plays EXCH01: its banner and EHLO name it, as Exchange's do.
    std::vector<std::string> args{"--port", "0", "--fqdn", kPeerFqdn, "--exit-when-stdin-closes"};
    args.insert(args.end(), peer_args.begin(), peer_args.end());
    ASSERT_TRUE(peer_.start(std::string(AUTHWATCH_PEERS_DIR) + "/exchange_smtp_peer.py", args)) << peer_.why();
    peer_endpoint_ = "127.0.0.1:" + std::to_string(peer_.port());
    std::vector<std::string> apply, undo;
    // `|| true`: a run killed before its undo leaves them; the healthy test checks they are there.
    for (const auto& spn : kExch02Spns) apply.push_back("spn add " + spn + " 'EXCH02$' 2>/dev/null || true");
    apply.push_back("connector EXCH01 'Default EXCH01' " + auth + " 0.0.0.0-255.255.255.255 0.0.0.0:" +
                    std::to_string(peer_.port()));
    apply.push_back("settle 2");
    undo.push_back("connector-delete EXCH01 'Default EXCH01'");
    for (const auto& spn : kExch02Spns) undo.push_back("spn delete " + spn + " 'EXCH02$' 2>/dev/null || true");
    undo.push_back("settle 2");
    healthy_ = std::make_unique<LabChange>(apply, undo);
    ASSERT_TRUE(healthy_->applied()) << healthy_->failure();
  }

  CliResult probe(const std::string& only = "") {
    std::vector<std::string> args{"probe", "--dc", dc_ip(1), "--dc", dc_ip(2), "--realm", realm, "--peer", peer_endpoint_,
                                  "--peer-fqdn", kPeerFqdn, "--local-fqdn", kLocalFqdn, "--local-ip", lab_subnet() + ".1",
                                  "--ccache", lab_ccache(), "--peer-keytab", lab_dir() + "/exch01.keytab", "--format", "json"};
    if (!only.empty()) args.insert(args.end(), {"--only", only});
    return cli(args);
  }

  // Samba's KDC and LDAP answer late for a while after a change (the schema, a connector): the
  // moments TheSlowMomentsAfterAChangeNameNoFirewall probes on purpose. A test of the settled lab
  // waits them out: until the DCs answer Kerberos and LDAP within the deadline (at most 120 s).
  void wait_until_settled() {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds{120};
    std::string last;
    while (std::chrono::steady_clock::now() < give_up) {
      auto r = probe("ports,ticket");
      bool settled = r.code == 0;
      try {
        for (const auto& f : r.json()["findings"]) settled = settled && f["status"] == "ok";
      } catch (const std::exception&) {
        settled = false;
      }
      if (settled) return;
      last = r.out;
      // Samba settles in its own (real) time; a probe run takes up to its deadline, so a short
      // pause between runs is enough and a settled lab is seen at once.
      std::this_thread::sleep_for(std::chrono::milliseconds{200});
    }
    ADD_FAILURE() << "the lab's DCs did not settle within 120 s:\n" << last;
  }

  // The ranked causes' names.
  static std::vector<std::string> cause_names(const nlohmann::json& ranked) {
    std::vector<std::string> out;
    for (const auto& c : ranked) out.push_back(c["cause"]);
    return out;
  }

  // A DC that is only slow or hung is never a firewall's doing (docs/domain.md §10): the run names
  // no cause but dc-unresponsive.
  void expect_no_cause_but_unresponsive(const nlohmann::json& ranked, const std::string& moment) {
    for (const auto& c : ranked)
      EXPECT_EQ(c["cause"], "dc-unresponsive") << moment << ": " << ranked.dump(1) << "\nfindings: " << last_run_["findings"].dump(1);
  }

  // The state each port of `dc` ended in ("88/tcp" -> "slow").
  std::map<std::string, std::string> port_states(const std::string& dc) const {
    std::map<std::string, std::string> out;
    auto f = finding("ports", dc);
    if (f.is_null()) return out;
    for (const auto& p : f["evidence"]["ports"])
      out[std::to_string(p["port"].get<int>()) + "/" + p["protocol"].get<std::string>()] = p["state"];
    return out;
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
    record(run);
    return run["diagnosis"]["causes"];
  }

  // A test with several runs names each (`record_as`): <test name>-<suffix>.json.
  void record(const nlohmann::json& run) {
    const char* dir = std::getenv("AUTHWATCH_RECORD_DIR");
    if (!dir || !*dir) return;
    std::filesystem::create_directories(dir);
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    if (!record_as_.empty()) name += "-" + record_as_;
    std::ofstream(std::filesystem::path(dir) / (name + ".json")) << run.dump(1) << '\n';
  }

  std::string record_as_;

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

  // The cause's evidence item from `probe` in `role` (shows, corroborates), or null.
  static nlohmann::json evidence(const nlohmann::json& cause, const std::string& probe, const std::string& role = "shows") {
    if (cause.contains("evidence"))
      for (const auto& e : cause["evidence"])
        if (e["probe"] == probe && e["role"] == role) return e;
    return nullptr;
  }

  // The run's finding of `probe` about `target`, or null.
  nlohmann::json finding(const std::string& probe, const std::string& target) const {
    for (const auto& f : last_run_["findings"])
      if (f["probe"] == probe && f["target"] == target) return f;
    return nullptr;
  }

  std::unique_ptr<LabKerberosEnv> kerberos_;
  PeerProcess peer_;
  std::string peer_endpoint_;
  std::unique_ptr<LabChange> healthy_;
  nlohmann::json last_run_;
};

TEST_F(DiagnosisLabTest, HealthyLabNamesNoCause) {
  start_peer();
  wait_until_settled();
  auto r = probe();
  auto ranked = causes(r);
  EXPECT_TRUE(ranked.empty()) << ranked.dump(1) << "\n" << last_run_["findings"].dump(1);
  EXPECT_EQ(r.code, 0) << r.out;
  for (const auto& f : last_run_["findings"])
    EXPECT_TRUE(f["status"] == "ok" || f["status"] == "skipped") << f.dump(1);
  // Every probe ran against what it was pointed at, so "no cause" means checked and healthy.
  for (const auto& [probe, target] : std::vector<std::pair<std::string, std::string>>{
           {"clock", dc_ip(1)}, {"clock", dc_ip(2)}, {"clock", "127.0.0.1"}, {"ports", dc_ip(1)}, {"ports", dc_ip(2)},
           {"smtp", peer_endpoint_}, {"ticket", "SMTPSVC/" + kPeerFqdn}, {"replication", dc_ip(1)},
           {"replication", dc_ip(2)}, {"replication", kExch01Dn}, {"spn", kPeerFqdn}, {"spn", kLocalFqdn},
           {"spn", "forest"}, {"connector", "EXCH01"}}) {
    auto f = finding(probe, target);
    ASSERT_FALSE(f.is_null()) << "no " << probe << " finding about " << target << "\n" << last_run_["findings"].dump(1);
    EXPECT_EQ(f["status"], "ok") << f.dump(1);
  }
  EXPECT_EQ(finding("clock", "127.0.0.1")["evidence"]["method"], "smtp_banner") << "the peer's banner clock was read";
  EXPECT_EQ(finding("ticket", "SMTPSVC/" + kPeerFqdn)["evidence"]["accept"]["ok"], true) << "the peer's keytab accepts";
  EXPECT_EQ(finding("connector", "EXCH01")["evidence"]["connectors"][0]["exchange_server"], true);
  EXPECT_TRUE(last_run_["diagnosis"]["notes"].empty()) << last_run_["diagnosis"]["notes"].dump(1);
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
  auto shows = evidence(top, "spn");
  EXPECT_EQ(shows["target"], kPeerFqdn) << top.dump(1);
  EXPECT_EQ(shows["account"], kExch01Dn) << top.dump(1);
  EXPECT_EQ(shows["missing"], nlohmann::json::array({"SMTPSVC/exch01.lab.example"})) << top.dump(1);
  EXPECT_NE(top["fix"].get<std::string>().find("setspn -S SMTPSVC/exch01.lab.example LAB\\EXCH01$"), std::string::npos)
      << top["fix"];
}

TEST_F(DiagnosisLabTest, DuplicateSpn) {
  start_peer();
  LabChange fault({"dupspn SMTPSVC/exch01.lab.example 'EXCH02$'"}, {"undupspn SMTPSVC/exch01.lab.example 'EXCH02$'"});
  ASSERT_TRUE(fault.applied()) << fault.failure();
  auto top = expect_top(probe(), "spn-duplicate");
  EXPECT_EQ(top["target"], "SMTPSVC/exch01.lab.example");
  auto shows = evidence(top, "spn");
  EXPECT_EQ(shows["spn"], "SMTPSVC/exch01.lab.example") << top.dump(1);
  EXPECT_TRUE(has_string(shows["owners"], kExch01Dn) && has_string(shows["owners"], kExch02Dn)) << top.dump(1);
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
  EXPECT_EQ(top["target"], "SMTPSVC/exch01.lab.example");
  auto shows = evidence(top, "spn");
  EXPECT_EQ(shows["target"], kPeerFqdn) << top.dump(1);
  EXPECT_NE(shows.dump().find(kExch02Dn), std::string::npos) << "names the account that holds it: " << top.dump(1);
  // The KDC encrypts the ticket in EXCH02$'s key, which the peer's keytab lacks.
  EXPECT_FALSE(evidence(top, "ticket", "corroborates").is_null()) << top.dump(1);
  const auto fix = top["fix"].get<std::string>();
  EXPECT_NE(fix.find("setspn -D SMTPSVC/exch01.lab.example LAB\\EXCH02$"), std::string::npos) << fix;
}

TEST_F(DiagnosisLabTest, StaleKeyAfterAPasswordChange) {
  start_peer();
  // DC2 pulls the new keys at once, so the DCs agree: only the peer's keytab is behind.
  LabChange fault({"rekey EXCH01", "replicate 2"}, {"keytab", "replicate 2"});
  ASSERT_TRUE(fault.applied()) << fault.failure();
  auto top = expect_top(probe(), "stale-key");
  EXPECT_EQ(top["target"], "SMTPSVC/" + kPeerFqdn);
  auto shows = evidence(top, "ticket");
  ASSERT_TRUE(shows.is_object()) << top.dump(1);
  EXPECT_EQ(shows["outcome"], "stale-key") << top.dump(1);
  // The ticket is in the new key (kvno 3 after the fixtures' 2); the keytab holds the old one.
  ASSERT_TRUE(shows["kvno"].is_number() && shows["accept"]["keytab_kvno"].is_number()) << top.dump(1);
  EXPECT_GT(shows["kvno"].get<int>(), shows["accept"]["keytab_kvno"].get<int>()) << top.dump(1);
  EXPECT_EQ(shows["accept"]["ok"], false) << top.dump(1);
}

TEST_F(DiagnosisLabTest, Dc2NotReplicatingWhileTheSpnChangesOnDc1) {
  start_peer();
  LabChange isolated({"isolate 2"}, {"rejoin 2"});
  ASSERT_TRUE(isolated.applied()) << isolated.failure();
  LabChange changed({"spn delete SMTP/exch01.lab.example 'EXCH01$'"}, {"spn add SMTP/exch01.lab.example 'EXCH01$'"});
  ASSERT_TRUE(changed.applied()) << changed.failure();
  ASSERT_NE(lab_cmd("replicate 2 DC=lab,DC=example >/dev/null 2>&1"), 0) << "DC2 replicated although isolated";
  auto top = expect_top(probe(), "replication");
  EXPECT_EQ(top["target"], kExch01Dn) << "the object the DCs disagree on";
  auto shows = evidence(top, "replication");
  EXPECT_TRUE(has_string(shows["disagree"], "servicePrincipalName")) << top.dump(1);
  EXPECT_TRUE(has_string(shows["behind"], dc_ip(2))) << "DC2 is behind: " << top.dump(1);
  // DC2's own failing inbound link corroborates it.
  auto neighbors = evidence(top, "replication", "corroborates");
  ASSERT_TRUE(neighbors.is_object()) << top.dump(1);
  EXPECT_EQ(neighbors["target"], dc_ip(2)) << top.dump(1);
}

TEST_F(DiagnosisLabTest, DcClockTenMinutesAhead) {
  start_peer();
  setenv("ADLAB_FAKETIME_DC1", "+10m", 1);
  LabChange skewed({"restart 1"}, {"restart 1", "rejoin 2"});
  unsetenv("ADLAB_FAKETIME_DC1");
  ASSERT_TRUE(skewed.applied()) << skewed.failure();
  auto top = expect_top(probe(), "clock-skew");
  EXPECT_EQ(top["target"], dc_ip(1));
  auto shows = evidence(top, "clock");
  ASSERT_TRUE(shows["offset_seconds"].is_number()) << top.dump(1);
  EXPECT_NEAR(shows["offset_seconds"].get<double>(), 600, 10) << top.dump(1);
  // The other DC's clock is fine: this is DC1's, not this server's.
  EXPECT_EQ(finding("clock", dc_ip(2))["status"], "ok") << last_run_["findings"].dump(1);
  // Every Kerberos LDAP bind to DC1 fails "Clock skew too great": the directory probes moved on
  // to DC2 and checked there ...
  for (const auto& [probe, target] : std::vector<std::pair<std::string, std::string>>{
           {"spn", kPeerFqdn}, {"spn", kLocalFqdn}, {"spn", "forest"}, {"connector", "EXCH01"}})
    EXPECT_EQ(finding(probe, target)["status"], "ok") << finding(probe, target).dump(1);
  // ... and DC1's own replication state, which only DC1 can give, says why it is unread and what
  // to re-run, instead of advising TCP 389 and credentials.
  auto replication = finding("replication", dc_ip(1));
  ASSERT_EQ(replication["status"], "error") << replication.dump(1);
  bool said = false;
  for (const auto& n : last_run_["diagnosis"]["notes"]) {
    if (n["probe"] != "replication" || n["target"] != dc_ip(1)) continue;
    const std::string text = n["text"];
    said = true;
    EXPECT_NE(text.find("could not run because of clock-skew on " + dc_ip(1) + " (see cause 1)"), std::string::npos) << text;
    EXPECT_NE(text.find("re-run `authwatch probe --only replication --dc " + dc_ip(1) + "` after fixing it"), std::string::npos) << text;
    EXPECT_EQ(text.find("TCP 389"), std::string::npos) << text;
  }
  EXPECT_TRUE(said) << last_run_["diagnosis"]["notes"].dump(1);
}

TEST_F(DiagnosisLabTest, PeerClockTenMinutesBehind) {
  start_peer({"--clock-offset", "-600"});
  auto top = expect_top(probe(), "clock-skew");
  EXPECT_EQ(top["target"], "127.0.0.1") << "the peer's clock, read from its banner";
  auto shows = evidence(top, "clock");
  EXPECT_EQ(shows["method"], "smtp_banner") << top.dump(1);
  ASSERT_TRUE(shows["offset_seconds"].is_number()) << top.dump(1);
  EXPECT_NEAR(shows["offset_seconds"].get<double>(), -600, 10) << top.dump(1);
}

// 88 dropped on every DC: the DCs are up (their other ports answer), a firewall drops Kerberos,
// and no KDC answers the ticket request. ports-blocked, not kdc-unreachable: the fix is the
// firewall rule, and kdc-unreachable is for a DC that answers on nothing (down, retired,
// unroutable). The ticket's "no KDC answered" is folded in as corroboration.
TEST_F(DiagnosisLabTest, KerberosPortBlockedOnBothDcs) {
  start_peer();
  LabChange blocked({"block 1 88", "block 2 88"}, {"unblock 1", "unblock 2"});
  ASSERT_TRUE(blocked.applied()) << blocked.failure();
  auto top = expect_top(probe(), "ports-blocked");
  auto ranked = last_run_["diagnosis"]["causes"];
  ASSERT_GE(ranked.size(), 2u) << ranked.dump(1);
  EXPECT_EQ(ranked[1]["cause"], "ports-blocked") << "both DCs: " << ranked.dump(1);
  EXPECT_EQ((std::set<std::string>{ranked[0]["target"], ranked[1]["target"]}), (std::set<std::string>{dc_ip(1), dc_ip(2)}));
  auto shows = evidence(top, "ports");
  EXPECT_TRUE(has_string(shows["blocked"], "88/tcp filtered") && has_string(shows["blocked"], "88/udp filtered"))
      << top.dump(1);
  auto ticket = evidence(top, "ticket", "corroborates");
  EXPECT_EQ(ticket["outcome"], "kdc-unreachable") << top.dump(1);
  for (const auto& c : ranked) EXPECT_NE(c["cause"], "kdc-unreachable") << "folded into ports-blocked: " << ranked.dump(1);
  // Silence was tried once more with the slow retry before it was called filtered, and no
  // connection was ever made.
  for (const auto& p : finding("ports", dc_ip(1))["evidence"]["ports"]) {
    if (p["port"] != 88) continue;
    EXPECT_TRUE(p.contains("first_try")) << p.dump();
    if (p["protocol"] == "tcp") {
      EXPECT_EQ(p["connected"], false) << p.dump();
    }
  }
  EXPECT_TRUE(finding("ticket", "SMTPSVC/" + kPeerFqdn)["evidence"].contains("first_attempt")) << "the ticket was asked again";
}

// 88 dropped on DC2 only: DC1 still issues the ticket, so nothing fails today, but every client
// that picks DC2 waits out its KDC timeout first: a real fault of DC2's firewall, ports-blocked on
// DC2 alone, at the confidence of the port check alone (no ticket failure corroborates it).
TEST_F(DiagnosisLabTest, KerberosPortDroppedOnOneDcOnly) {
  start_peer();
  LabChange blocked({"block 2 88"}, {"unblock 2"});
  ASSERT_TRUE(blocked.applied()) << blocked.failure();
  auto top = expect_top(probe(), "ports-blocked");
  EXPECT_EQ(top["target"], dc_ip(2));
  auto shows = evidence(top, "ports");
  EXPECT_TRUE(has_string(shows["blocked"], "88/tcp filtered")) << top.dump(1);
  EXPECT_TRUE(evidence(top, "ticket", "corroborates").is_null()) << "the ticket was issued: " << top.dump(1);
  EXPECT_EQ(last_run_["diagnosis"]["causes"].size(), 1u) << last_run_["diagnosis"]["causes"].dump(1);
  EXPECT_EQ(finding("ticket", "SMTPSVC/" + kPeerFqdn)["status"], "ok") << "DC1's KDC issues the ticket";
  EXPECT_EQ(finding("ports", dc_ip(1))["status"], "ok");
}

TEST_F(DiagnosisLabTest, KerberosAndLdapDroppedOnOneDcOnly) {
  // DC2 black-holed for Kerberos and LDAP: every probe still gets its answers from DC1 in time
  // (the ticket included), and the cause is DC2's firewall.
  start_peer();
  LabChange blocked({"block 2 '{ 88, 389, 3268 }'"}, {"unblock 2"});
  ASSERT_TRUE(blocked.applied()) << blocked.failure();
  auto top = expect_top(probe(), "ports-blocked");
  EXPECT_EQ(top["target"], dc_ip(2));
  EXPECT_EQ(finding("ticket", "SMTPSVC/" + kPeerFqdn)["status"], "ok") << "DC1's KDC issues the ticket";
  // DC2's replication state could not be read because of the block: the note says so.
  bool said = false;
  for (const auto& n : last_run_["diagnosis"]["notes"])
    if (n["probe"] == "replication" && n["target"] == dc_ip(2)) {
      said = true;
      EXPECT_NE(n["text"].get<std::string>().find("could not run because of ports-blocked on " + dc_ip(2) + " (see cause 1)"),
                std::string::npos)
          << n.dump(1);
    }
  EXPECT_TRUE(said) << last_run_["diagnosis"]["notes"].dump(1);
}

// ---- a slow DC is not a firewall (docs/domain.md §10) -----------------------------------------------

// DC1's samba stopped for 6 s (adlab.sh slow): its ports accept connections and answer only after
// the 3 s deadline. The slow retry (10 s) hears them: no cause, never ports-blocked.
TEST_F(DiagnosisLabTest, ASlowDcIsNeverPortsBlocked) {
  start_peer();
  LabChange slow({"slow 1 6"}, {"thaw 1"});
  ASSERT_TRUE(slow.applied()) << slow.failure();
  auto ranked = causes(probe());
  expect_no_cause_but_unresponsive(ranked, "DC1 stopped for 6 s");
  const auto states = port_states(dc_ip(1));
  ASSERT_FALSE(states.empty()) << last_run_["findings"].dump(1);
  int slow_ports = 0;
  for (const auto& [port, state] : states) {
    EXPECT_NE(state, "filtered") << port << "\n" << finding("ports", dc_ip(1)).dump(1);
    EXPECT_NE(state, "closed") << port;
    slow_ports += state == "slow";
  }
  EXPECT_GE(slow_ports, 2) << "the stop was seen (Kerberos and LDAP answered late): " << finding("ports", dc_ip(1)).dump(1);
  EXPECT_EQ(states.at("88/tcp"), "slow") << finding("ports", dc_ip(1)).dump(1);
  EXPECT_EQ(states.at("389/tcp"), "slow") << finding("ports", dc_ip(1)).dump(1);
  EXPECT_EQ(port_states(dc_ip(2)).at("88/tcp"), "open");
  EXPECT_EQ(finding("ticket", "SMTPSVC/" + kPeerFqdn)["evidence"]["outcome"], "ok") << "DC2's KDC issues it";
}

// DC1's KDC stopped for longer than the deadline and the slow retry (adlab.sh freeze-kdc): TCP 88
// accepts, nothing answers. dc-unresponsive on DC1, the ticket probe's silent KDC corroborating it.
TEST_F(DiagnosisLabTest, AHungKdcIsDcUnresponsiveNotAFirewall) {
  start_peer();
  LabChange frozen({"freeze-kdc 1 40"}, {"thaw 1"});
  ASSERT_TRUE(frozen.applied()) << frozen.failure();
  auto top = expect_top(probe(), "dc-unresponsive");
  EXPECT_EQ(top["target"], dc_ip(1));
  for (const auto& c : last_run_["diagnosis"]["causes"]) {
    EXPECT_NE(c["cause"], "ports-blocked") << last_run_["diagnosis"]["causes"].dump(1);
    EXPECT_NE(c["cause"], "kdc-unreachable") << last_run_["diagnosis"]["causes"].dump(1);
  }
  auto shows = evidence(top, "ports");
  EXPECT_TRUE(has_string(shows["unresponsive"], "88/tcp (connection accepted, no reply)")) << top.dump(1);
  const auto states = port_states(dc_ip(1));
  EXPECT_EQ(states.at("88/tcp"), "unresponsive");
  EXPECT_EQ(states.at("88/udp"), "unresponsive");
  EXPECT_EQ(states.at("389/tcp"), "open") << "only the KDC is stopped";
  auto ticket = evidence(top, "ticket", "corroborates");
  EXPECT_EQ(ticket["silent_kdc"], dc_ip(1)) << top.dump(1);
  EXPECT_GE(top["confidence"].get<double>(), 0.85) << "two probes saw it";
  EXPECT_NE(top["fix"].get<std::string>().find("dcdiag /s:" + dc_ip(1)), std::string::npos) << top["fix"];
}

// The moments that gave "ports-blocked, 0.9" in a healthy lab: right after `up 2`, after the
// Exchange schema is added, after a connector is. Real runs, each probed at once: no cause but
// dc-unresponsive. (This test provisions its own lab, as the fixture does, and leaves it healthy.)
TEST_F(DiagnosisLabTest, TheSlowMomentsAfterAChangeNameNoFirewall) {
  ASSERT_EQ(lab_cmd("up 2"), 0);
  ASSERT_EQ(lab_cmd("fixtures"), 0);
  // The peer, with no receive connector yet (no Exchange schema: the connector probe skips).
  std::vector<std::string> args{"--port", "0", "--fqdn", kPeerFqdn, "--exit-when-stdin-closes"};
  ASSERT_TRUE(peer_.start(std::string(AUTHWATCH_PEERS_DIR) + "/exchange_smtp_peer.py", args)) << peer_.why();
  peer_endpoint_ = "127.0.0.1:" + std::to_string(peer_.port());
  auto fresh = [&] {
    return cli({"probe", "--dc", dc_ip(1), "--dc", dc_ip(2), "--realm", realm, "--peer", peer_endpoint_, "--peer-fqdn", kPeerFqdn,
                "--local-ip", lab_subnet() + ".1", "--ccache", lab_ccache(), "--peer-keytab", lab_dir() + "/exch01.keytab",
                "--format", "json"});
  };
  record_as_ = "AfterUp";
  expect_no_cause_but_unresponsive(causes(fresh()), "right after up 2");
  record_as_ = "AfterExchangeSchema";
  ASSERT_EQ(lab_cmd("exchange-schema"), 0);
  expect_no_cause_but_unresponsive(causes(fresh()), "right after exchange-schema");
  record_as_ = "AfterAConnector";
  LabChange connector({"connector EXCH01 'Default EXCH01' Tls,Integrated,BasicAuth,BasicAuthRequireTLS,ExchangeServer "
                       "0.0.0.0-255.255.255.255 0.0.0.0:" + std::to_string(peer_.port())},
                      {"connector-delete EXCH01 'Default EXCH01'", "settle 2"});
  ASSERT_TRUE(connector.applied()) << connector.failure();
  expect_no_cause_but_unresponsive(causes(fresh()), "right after a connector");
  EXPECT_FALSE(finding("connector", "EXCH01").is_null()) << "the connector was checked";
}

TEST_F(DiagnosisLabTest, ConnectorWithoutExchangeServerAuthentication) {
  // The connector as an administrator might leave it, and the EHLO such a connector gives.
  start_peer({"--mode", "no-xexps"}, "Tls,Integrated,BasicAuth,BasicAuthRequireTLS");
  auto top = expect_top(probe(), "connector-auth");
  EXPECT_EQ(top["target"], "EXCH01\\Default EXCH01");
  auto shows = evidence(top, "connector");
  EXPECT_EQ(shows["connector"], "Default EXCH01") << top.dump(1);
  EXPECT_EQ(shows["takes_local_traffic"], true) << top.dump(1);
  auto ehlo = evidence(top, "smtp", "corroborates");
  EXPECT_EQ(ehlo["target"], peer_endpoint_) << "the EHLO without X-EXPS corroborates: " << top.dump(1);
  EXPECT_EQ(ehlo["x_exps"], false) << top.dump(1);
  EXPECT_EQ(last_run_["diagnosis"]["causes"].size(), 1u) << "the EHLO is the same fault seen from the wire: "
                                                         << last_run_["diagnosis"]["causes"].dump(1);
  EXPECT_NE(top["fix"].get<std::string>().find("ExchangeServer"), std::string::npos) << top["fix"];
  EXPECT_NE(top["fix"].get<std::string>().find("Default EXCH01"), std::string::npos) << top["fix"];
}

}  // namespace
}  // namespace authwatch::test

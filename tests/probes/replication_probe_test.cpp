// The replication probe against the 2-DC Samba lab (tests/lab/adlab.sh up 2, then fixtures):
// healthy, then "DC2 not replicating while the SPN is changed on DC1" — DC2 cut off from DC1
// (adlab.sh isolate 2), an SPN added to EXCH01$ on DC1, one replication attempt that fails and is
// recorded in DC2's repsFrom — and healthy again once the lab is restored. The lab is restored
// whatever the test asserted (RAII), so later tests see a converged directory.
#include <gtest/gtest.h>

#include <optional>

#include "lab_env.hpp"
#include "ldap_lab.hpp"
#include "probes/ldap/root_dse.hpp"
#include "probes/replication_probe.hpp"
#include "tests/lab/lab_skip.hpp"

namespace authwatch::probes {
namespace {

using namespace std::chrono_literals;
using test::dc_ip;
using test::finding_for;
using test::lab_cmd;

const std::string kMovedSpn = "SMTPSVC/exch01-moved.lab.example";
const std::string kDomainNc = "DC=lab,DC=example";

std::vector<Finding> run_replication_probe(const ProbeTargets& targets, const ProbeSettings& settings) {
  ReplicationProbe probe;
  return test::run_probe(probe, targets, settings);
}

// (const json's operator[] must not be given a missing key: these look first.)
const nlohmann::json* link_of(const Finding& f, const std::string& nc) {
  if (!f.evidence.contains("neighbors")) return nullptr;
  for (const auto& n : f.evidence["neighbors"])
    if (n.value("naming_context", "") == nc) return &n;
  return nullptr;
}

// Whether DC `dc`'s copy of the object (per_dc) holds `spn`.
bool holds(const Finding& object, const std::string& dc, const std::string& spn) {
  const auto per_dc = object.evidence.value("per_dc", nlohmann::json::object());
  if (!per_dc.contains(dc)) return false;
  for (const auto& s : per_dc[dc].value("servicePrincipalName", nlohmann::json::array()))
    if (s.get<std::string>() == spn) return true;
  return false;
}

class ReplicationLab : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!test::lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
    if (!read_root_dse(dc_ip(2), 389, 2000ms))
      AUTHWATCH_PEER_UNAVAILABLE() << "needs the 2-DC lab: DC2 (" << dc_ip(2) << ") does not answer; run 'tests/lab/adlab.sh up 2'";
    kerberos_.emplace();  // GSSAPI as the lab's administrator, against the lab's KDCs
    if (auto fixtures = test::ensure_exchange_fixtures(); !fixtures) FAIL() << fixtures.error();
    targets_.dcs = {dc_ip(1), dc_ip(2)};
    targets_.domain = test::domain;
    targets_.realm = test::realm;
    targets_.peer_fqdn = "exch01.lab.example";
    targets_.ccache = test::lab_ccache();
    settings_.deadline = 5000ms;
  }

  std::optional<test::LabKerberosEnv> kerberos_;
  ProbeTargets targets_;
  ProbeSettings settings_;
};

// Asserts the converged lab: both DCs' links not failing, EXCH01$ the same everywhere.
void expect_healthy(const std::vector<Finding>& findings) {
  ASSERT_EQ(findings.size(), 3u);
  for (int dc : {1, 2}) {
    const Finding* f = finding_for(findings, dc_ip(dc));
    ASSERT_NE(f, nullptr) << "no finding for DC" << dc;
    EXPECT_EQ(f->status, FindingStatus::Ok) << f->summary;
    EXPECT_EQ(f->evidence.value("method", ""), "repsFrom");  // Samba has no msDS-ReplAllInboundNeighbors
    const auto* domain = link_of(*f, kDomainNc);
    ASSERT_NE(domain, nullptr) << f->evidence.dump();
    EXPECT_EQ((*domain)["state"], "ok");
    EXPECT_EQ((*domain)["source_dsa"], "dc" + std::to_string(3 - dc) + ".lab.example");
    EXPECT_EQ((*domain)["consecutive_failures"], 0);
  }
  const Finding& object = findings.back();
  EXPECT_EQ(object.status, FindingStatus::Ok) << object.summary << "\n" << object.evidence.dump(1);
  EXPECT_EQ(object.target, "CN=EXCH01,CN=Computers,DC=lab,DC=example");
  EXPECT_EQ(object.evidence.value("disagree", nlohmann::json()), nlohmann::json::array());
  for (int dc : {1, 2}) {
    EXPECT_TRUE(holds(object, dc_ip(dc), "SMTPSVC/exch01.lab.example")) << object.evidence.dump(1);
    EXPECT_FALSE(holds(object, dc_ip(dc), kMovedSpn)) << object.evidence.dump(1);
  }
}

TEST_F(ReplicationLab, AHealthyLabIsOkEverywhere) {
  // Other lab tests block DC1's ports, which can leave a failed periodic pull in DC2's repsFrom
  // until the next one (5 min): replicate every NC both ways now so "healthy" is this moment's fact.
  ASSERT_EQ(lab_cmd("rejoin 2"), 0) << "the lab's DCs do not replicate";
  auto findings = run_replication_probe(targets_, settings_);
  expect_healthy(findings);
}

TEST_F(ReplicationLab, DcNotReplicatingWhileTheSpnChangesOnDc1) {
  {
    // Undone whatever the test asserts, in reverse order: the SPN taken away on DC1, then DC2
    // rejoined, which replicates every NC both ways (so DC2 loses the SPN it never had, too).
    test::LabChange isolation({"isolate 2"}, {"rejoin 2"});
    ASSERT_TRUE(isolation.applied()) << isolation.failure();
    test::LabChange spn({"spn add " + kMovedSpn + " 'EXCH01$'"}, {"spn delete " + kMovedSpn + " 'EXCH01$'"});
    ASSERT_TRUE(spn.applied()) << spn.failure();
    // DC2 tries to pull the change from DC1 and fails: the failure is recorded in its repsFrom.
    ASSERT_NE(lab_cmd("replicate 2 " + kDomainNc), 0) << "DC2 replicated although isolated";

    auto findings = run_replication_probe(targets_, settings_);
    ASSERT_EQ(findings.size(), 3u);

    const Finding& object = findings.back();
    EXPECT_EQ(object.status, FindingStatus::Fail) << object.summary;
    EXPECT_EQ(object.evidence.value("disagree", nlohmann::json()), nlohmann::json::array({"servicePrincipalName"}))
        << object.evidence.dump(1);
    EXPECT_EQ(object.evidence.value("behind", nlohmann::json()), nlohmann::json::array({dc_ip(2)})) << object.evidence.dump(1);
    EXPECT_TRUE(holds(object, dc_ip(1), kMovedSpn)) << object.evidence.dump(1);
    EXPECT_FALSE(holds(object, dc_ip(2), kMovedSpn)) << object.evidence.dump(1);
    EXPECT_TRUE(holds(object, dc_ip(2), "SMTPSVC/exch01.lab.example")) << object.evidence.dump(1);
    EXPECT_NE(object.remediation.find("repadmin /syncall /AdeP"), std::string::npos) << object.remediation;
    EXPECT_NE(object.remediation.find("DC=lab,DC=example from dc1.lab.example"), std::string::npos) << object.remediation;

    const Finding* dc2 = finding_for(findings, dc_ip(2));
    ASSERT_NE(dc2, nullptr);
    EXPECT_EQ(dc2->status, FindingStatus::Fail) << dc2->summary;
    const auto* domain = link_of(*dc2, kDomainNc);
    ASSERT_NE(domain, nullptr) << dc2->evidence.dump(1);
    EXPECT_EQ((*domain)["state"], "failing");
    EXPECT_EQ((*domain)["source_dsa"], "dc1.lab.example");
    EXPECT_GT((*domain)["consecutive_failures"].get<int64_t>(), 0);
    EXPECT_NE((*domain)["last_result"].get<int64_t>(), 0);
    EXPECT_FALSE((*domain)["last_result_text"].get<std::string>().empty()) << (*domain)["last_result"];
    EXPECT_TRUE((*domain)["last_success_age_seconds"].is_number());
    EXPECT_NE(dc2->remediation.find("`repadmin /replicate DC2 DC1 DC=lab,DC=example`"), std::string::npos) << dc2->remediation;
    EXPECT_NE(dc2->remediation.find("`repadmin /showrepl DC2`"), std::string::npos) << dc2->remediation;

    const Finding* dc1 = finding_for(findings, dc_ip(1));
    ASSERT_NE(dc1, nullptr);
    EXPECT_NE(dc1->status, FindingStatus::Error) << dc1->summary;  // the host still reaches DC1
  }
  // Restored: the SPN is gone again from both DCs and DC2's links succeed.
  expect_healthy(run_replication_probe(targets_, settings_));
}

TEST_F(ReplicationLab, ASilentDcIsReportedWithinTheDeadline) {
  test::LabChange blocked({"block 1 389"}, {"unblock 1"});
  ASSERT_TRUE(blocked.applied()) << blocked.failure();
  settings_.deadline = 1500ms;
  const auto start = std::chrono::steady_clock::now();
  auto findings = run_replication_probe(targets_, settings_);
  EXPECT_LT(std::chrono::steady_clock::now() - start, settings_.deadline + 500ms);
  const Finding* dc1 = finding_for(findings, dc_ip(1));
  ASSERT_NE(dc1, nullptr);
  EXPECT_EQ(dc1->status, FindingStatus::Error) << dc1->summary;
  const Finding* dc2 = finding_for(findings, dc_ip(2));
  ASSERT_NE(dc2, nullptr);
  EXPECT_NE(dc2->status, FindingStatus::Error) << dc2->summary;  // the other DC is still read
  const auto per_dc = findings.back().evidence.value("per_dc", nlohmann::json::object());
  EXPECT_TRUE(per_dc.contains(dc_ip(1)) && per_dc[dc_ip(1)].contains("error")) << findings.back().evidence.dump(1);
  EXPECT_TRUE(holds(findings.back(), dc_ip(2), "SMTPSVC/exch01.lab.example")) << findings.back().evidence.dump(1);
}

}  // namespace
}  // namespace authwatch::probes

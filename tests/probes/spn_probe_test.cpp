// The "spn" probe: its verdicts on hand-made directory answers (pure), then against the Samba lab
// with each fault made for real and undone afterwards — an SPN deleted (samba-tool), held twice
// (written below samldb, which refuses duplicates), moved to the wrong account, a host without
// an account — and a black-holed DC that must not hold the probe past its deadline.
#include <gtest/gtest.h>

#include "lab_env.hpp"
#include "ldap_lab.hpp"
#include "probes/spn_probe.hpp"
#include "tests/lab/lab_skip.hpp"

namespace authwatch::probes {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

const SpnAccount kEx2{"CN=EX2,CN=Computers,DC=contoso,DC=com", "EX2$", "ex2.contoso.com"};
const SpnAccount kOld{"CN=OLDHOST,OU=Retired,DC=contoso,DC=com", "OLDHOST$", "oldhost.contoso.com"};
const SpnAccount kChild{"CN=EX9,CN=Computers,DC=emea,DC=contoso,DC=com", "EX9$", "ex9.emea.contoso.com"};

NetbiosNames contoso_names() { return {{"DC=contoso,DC=com", "CONTOSO"}, {"DC=emea,DC=contoso,DC=com", "EUROPE"}}; }

HostSpnReport healthy_ex2() {
  HostSpnReport r;
  r.host = "ex2.contoso.com";
  r.account = kEx2;
  r.expected = expected_smtp_spns("ex2", "ex2.contoso.com");
  for (const auto& spn : r.expected) r.holders[spn] = {kEx2};
  r.netbios = contoso_names();
  r.source = "dc1.contoso.com (10.0.0.1:389), global catalog dc1.contoso.com (10.0.0.1:3268)";
  return r;
}

TEST(SpnExpected, SmtpsvcAndSmtpForShortNameAndFqdn) {
  EXPECT_EQ(expected_smtp_spns("ex2", "ex2.contoso.com"),
            (std::vector<std::string>{"SMTPSVC/ex2", "SMTPSVC/ex2.contoso.com", "SMTP/ex2", "SMTP/ex2.contoso.com"}));
  EXPECT_EQ(expected_smtp_spns("ex2", ""), (std::vector<std::string>{"SMTPSVC/ex2", "SMTP/ex2"}));
}

TEST(SpnAccountName, UsesTheCrossRefNetbiosNameOfTheLongestDomain) {
  EXPECT_EQ(setspn_account(kEx2, contoso_names()), "CONTOSO\\EX2$");
  EXPECT_EQ(setspn_account(kChild, contoso_names()), "EUROPE\\EX9$") << "the child domain, not the forest root";
  EXPECT_EQ(setspn_account(kChild, {}), "EMEA\\EX9$") << "without crossRefs: the first DC= label";
  SpnAccount no_sam{"CN=EX3,CN=Computers,DC=contoso,DC=com", "", ""};
  EXPECT_EQ(setspn_account(no_sam, contoso_names()), "CONTOSO\\EX3$");
  // A suffix that is not a whole RDN boundary must not match: DC=xcontoso,DC=com is another domain.
  SpnAccount other{"CN=EX4,DC=xcontoso,DC=com", "EX4$", ""};
  EXPECT_EQ(setspn_account(other, {{"DC=contoso,DC=com", "CONTOSO"}}), "XCONTOSO\\EX4$");
}

TEST(SpnVerdict, AllFourOnTheOwnAccountIsOk) {
  auto f = judge_host_spns(healthy_ex2());
  EXPECT_EQ(f.status, FindingStatus::Ok) << f.summary;
  EXPECT_EQ(f.probe, "spn");
  EXPECT_EQ(f.target, "ex2.contoso.com");
  EXPECT_EQ(f.evidence["account"], kEx2.dn);
  EXPECT_EQ(f.evidence["account_name"], "CONTOSO\\EX2$");
  EXPECT_EQ(f.evidence["present"].size(), 4u);
  EXPECT_TRUE(f.evidence["missing"].empty());
  EXPECT_TRUE(f.evidence["duplicates"].empty());
  EXPECT_TRUE(f.evidence["wrong_owner"].empty());
  EXPECT_TRUE(f.remediation.empty());
}

TEST(SpnVerdict, MissingSpnFailsWithTheSetspnCommand) {
  auto r = healthy_ex2();
  r.holders.erase("SMTPSVC/ex2.contoso.com");
  auto f = judge_host_spns(r);
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["missing"], nlohmann::json::array({"SMTPSVC/ex2.contoso.com"}));
  EXPECT_EQ(f.evidence["present"].size(), 3u);
  EXPECT_NE(f.remediation.find("`setspn -S SMTPSVC/ex2.contoso.com CONTOSO\\EX2$`"), std::string::npos) << f.remediation;
  EXPECT_NE(f.summary.find("SMTPSVC/ex2.contoso.com missing"), std::string::npos) << f.summary;
}

TEST(SpnVerdict, DuplicateListsEveryHolderAndRemovesTheOthers) {
  auto r = healthy_ex2();
  r.holders["SMTPSVC/ex2"] = {kEx2, kOld};
  auto f = judge_host_spns(r);
  EXPECT_EQ(f.status, FindingStatus::Fail);
  ASSERT_EQ(f.evidence["duplicates"].size(), 1u);
  EXPECT_EQ(f.evidence["duplicates"][0]["spn"], "SMTPSVC/ex2");
  EXPECT_EQ(f.evidence["duplicates"][0]["owners"], nlohmann::json::array({kEx2.dn, kOld.dn}));
  EXPECT_TRUE(f.evidence["wrong_owner"].empty()) << "the own account holds it: a duplicate, not a wrong owner";
  EXPECT_NE(f.remediation.find("`setspn -D SMTPSVC/ex2 CONTOSO\\OLDHOST$`"), std::string::npos) << f.remediation;
  EXPECT_EQ(f.remediation.find("setspn -S"), std::string::npos) << "nothing to add: " << f.remediation;
}

TEST(SpnVerdict, WrongOwnerRemovesThenAddsInThatOrder) {
  auto r = healthy_ex2();
  r.holders["SMTP/ex2.contoso.com"] = {kOld};
  auto f = judge_host_spns(r);
  EXPECT_EQ(f.status, FindingStatus::Fail);
  ASSERT_EQ(f.evidence["wrong_owner"].size(), 1u);
  EXPECT_EQ(f.evidence["wrong_owner"][0]["spn"], "SMTP/ex2.contoso.com");
  EXPECT_EQ(f.evidence["wrong_owner"][0]["owner"], kOld.dn);
  EXPECT_TRUE(f.evidence["missing"].empty());
  EXPECT_TRUE(f.evidence["duplicates"].empty());
  const auto remove = f.remediation.find("`setspn -D SMTP/ex2.contoso.com CONTOSO\\OLDHOST$`");
  const auto add = f.remediation.find("`setspn -S SMTP/ex2.contoso.com CONTOSO\\EX2$`");
  ASSERT_NE(remove, std::string::npos) << f.remediation;
  ASSERT_NE(add, std::string::npos) << f.remediation;
  EXPECT_LT(remove, add) << "setspn -S refuses an SPN another account holds";
}

TEST(SpnVerdict, NoAccountFailsWithAccountNull) {
  HostSpnReport r;
  r.host = "ex3.contoso.com";
  r.expected = expected_smtp_spns("ex3", "ex3.contoso.com");
  auto f = judge_host_spns(r);
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_TRUE(f.evidence["account"].is_null());
  EXPECT_EQ(f.evidence["missing"].size(), 4u);
  EXPECT_NE(f.summary.find("no computer account"), std::string::npos) << f.summary;
  EXPECT_NE(f.summary.find("EX3$"), std::string::npos) << f.summary;
}

TEST(SpnVerdict, DirectoryErrorIsAnErrorFinding) {
  HostSpnReport r;
  r.host = "ex2.contoso.com";
  r.error = "LDAP 10.0.0.1:389: connect: TCP connect: no answer (filtered?)";
  auto f = judge_host_spns(r);
  EXPECT_EQ(f.status, FindingStatus::Error);
  EXPECT_EQ(f.evidence["error"], r.error);
  EXPECT_NE(f.summary.find("no answer"), std::string::npos);
}

TEST(SpnForestVerdict, GroupsCaseInsensitivelyAndNamesTheHolderToRemove) {
  ForestSpnReport r;
  r.netbios = contoso_names();
  r.holders["SMTPSVC/ex2.contoso.com"].push_back(kEx2);
  r.holders["smtpsvc/EX2.CONTOSO.COM"].push_back(kOld);  // the same SPN to AD
  r.holders["SMTP/ex9"].push_back(kChild);
  ASSERT_EQ(r.holders.size(), 2u);
  auto f = judge_forest_spns(r);
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.target, "forest");
  EXPECT_EQ(f.evidence["scanned"], 2);
  ASSERT_EQ(f.evidence["duplicates"].size(), 1u);
  EXPECT_EQ(f.evidence["duplicates"][0]["owners"], nlohmann::json::array({kEx2.dn, kOld.dn}));
  // EX2's own SPN (its dNSHostName): the old host's copy is the one to remove.
  EXPECT_NE(f.remediation.find("`setspn -D SMTPSVC/ex2.contoso.com CONTOSO\\OLDHOST$`"), std::string::npos) << f.remediation;
  EXPECT_EQ(f.remediation.find("CONTOSO\\EX2$`"), std::string::npos) << f.remediation;
}

TEST(SpnForestVerdict, NoDuplicatesIsOk) {
  ForestSpnReport r;
  r.holders["SMTPSVC/ex2"].push_back(kEx2);
  auto f = judge_forest_spns(r);
  EXPECT_EQ(f.status, FindingStatus::Ok);
  EXPECT_EQ(f.evidence["scanned"], 1);
  EXPECT_TRUE(f.evidence["duplicates"].empty());
}

TEST(SpnProbeRun, SkippedWithoutADc) {
  ProbeTargets t;
  t.peer_fqdn = "ex2.contoso.com";
  SpnProbe probe;
  auto findings = test::run_probe(probe, t, ProbeSettings{});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].status, FindingStatus::Skipped);
}

// ---- against the Samba lab: EXCH01 holds SMTPSVC/ and SMTP/ for exch01 and exch01.lab.example ----

class SpnLab : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!test::lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
    auto fixtures = test::ensure_exchange_fixtures();
    ASSERT_TRUE(fixtures) << fixtures.error();
  }
  ProbeTargets targets(const std::string& peer_fqdn = "exch01.lab.example") const {
    ProbeTargets t;
    t.dcs = {test::dc_ip(1)};
    t.peer_fqdn = peer_fqdn;
    t.ccache = test::lab_ccache();
    return t;
  }
  std::vector<Finding> run(const ProbeTargets& t) {
    ProbeSettings settings;
    settings.deadline = 8000ms;
    SpnProbe probe;
    return test::run_probe(probe, t, settings);
  }
  test::LabKerberosEnv krb5_;
};

const char* const kExch01 = "CN=EXCH01,CN=Computers,DC=lab,DC=example";
const char* const kExch02 = "CN=EXCH02,CN=Computers,DC=lab,DC=example";

TEST_F(SpnLab, HealthyLabIsOkForTheHostAndTheForest) {
  auto findings = run(targets());
  ASSERT_EQ(findings.size(), 2u);
  const Finding* host = test::finding_for(findings, "exch01.lab.example");
  const Finding* forest = test::finding_for(findings, "forest");
  ASSERT_TRUE(host && forest);
  EXPECT_EQ(host->status, FindingStatus::Ok) << host->summary;
  EXPECT_EQ(host->evidence["account"], kExch01);
  EXPECT_EQ(host->evidence["account_name"], "LAB\\EXCH01$");
  EXPECT_EQ(host->evidence["present"].size(), 4u);
  EXPECT_NE(host->evidence["source"].get<std::string>().find("3268"), std::string::npos);
  EXPECT_EQ(forest->status, FindingStatus::Ok) << forest->summary;
  EXPECT_GE(forest->evidence["scanned"].get<int>(), 4);
}

TEST_F(SpnLab, ShortPeerNameFindsTheFqdnFromTheAccount) {
  auto findings = run(targets("exch01"));
  const Finding* host = test::finding_for(findings, "exch01");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->status, FindingStatus::Ok) << host->summary;
  EXPECT_EQ(host->evidence["expected"].size(), 4u) << "the FQDN comes from EXCH01's dNSHostName";
}

TEST_F(SpnLab, DeletedSpnIsMissing) {
  test::LabChange fault({"spn delete SMTPSVC/exch01.lab.example 'EXCH01$'"}, {"spn add SMTPSVC/exch01.lab.example 'EXCH01$'"});
  ASSERT_TRUE(fault.applied()) << fault.failure();
  auto findings = run(targets());
  const Finding* host = test::finding_for(findings, "exch01.lab.example");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->status, FindingStatus::Fail);
  EXPECT_EQ(host->evidence["missing"], nlohmann::json::array({"SMTPSVC/exch01.lab.example"}));
  EXPECT_TRUE(host->evidence["duplicates"].empty());
  EXPECT_TRUE(host->evidence["wrong_owner"].empty());
  EXPECT_NE(host->remediation.find("`setspn -S SMTPSVC/exch01.lab.example LAB\\EXCH01$`"), std::string::npos) << host->remediation;
}

TEST_F(SpnLab, DuplicateSpnIsFoundForTheHostAndInTheForestScan) {
  test::LabChange fault({"dupspn SMTPSVC/exch01 'EXCH02$'"}, {"undupspn SMTPSVC/exch01 'EXCH02$'"});
  ASSERT_TRUE(fault.applied()) << fault.failure();
  auto findings = run(targets());
  const Finding* host = test::finding_for(findings, "exch01.lab.example");
  const Finding* forest = test::finding_for(findings, "forest");
  ASSERT_TRUE(host && forest);
  EXPECT_EQ(host->status, FindingStatus::Fail);
  ASSERT_EQ(host->evidence["duplicates"].size(), 1u);
  EXPECT_EQ(host->evidence["duplicates"][0]["spn"], "SMTPSVC/exch01");
  auto owners = host->evidence["duplicates"][0]["owners"].get<std::vector<std::string>>();
  std::sort(owners.begin(), owners.end());
  EXPECT_EQ(owners, (std::vector<std::string>{kExch01, kExch02}));
  EXPECT_TRUE(host->evidence["missing"].empty());
  EXPECT_TRUE(host->evidence["wrong_owner"].empty());
  EXPECT_NE(host->remediation.find("`setspn -D SMTPSVC/exch01 LAB\\EXCH02$`"), std::string::npos) << host->remediation;
  EXPECT_EQ(forest->status, FindingStatus::Fail);
  ASSERT_EQ(forest->evidence["duplicates"].size(), 1u);
  EXPECT_TRUE(iequals(forest->evidence["duplicates"][0]["spn"].get<std::string>(), "SMTPSVC/exch01"));
  EXPECT_NE(forest->remediation.find("`setspn -D SMTPSVC/exch01 LAB\\EXCH02$`"), std::string::npos) << forest->remediation;
}

TEST_F(SpnLab, SpnOnAnotherAccountIsAWrongOwner) {
  test::LabChange fault({"spn delete SMTP/exch01.lab.example 'EXCH01$'", "spn add SMTP/exch01.lab.example 'EXCH02$'"},
                        {"spn delete SMTP/exch01.lab.example 'EXCH02$' 2>/dev/null || true",
                         "spn add SMTP/exch01.lab.example 'EXCH01$' 2>/dev/null || true"});
  ASSERT_TRUE(fault.applied()) << fault.failure();
  auto findings = run(targets());
  const Finding* host = test::finding_for(findings, "exch01.lab.example");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->status, FindingStatus::Fail);
  ASSERT_EQ(host->evidence["wrong_owner"].size(), 1u);
  EXPECT_EQ(host->evidence["wrong_owner"][0]["spn"], "SMTP/exch01.lab.example");
  EXPECT_EQ(host->evidence["wrong_owner"][0]["owner"], kExch02);
  EXPECT_TRUE(host->evidence["missing"].empty());
  EXPECT_TRUE(host->evidence["duplicates"].empty());
  const auto remove = host->remediation.find("`setspn -D SMTP/exch01.lab.example LAB\\EXCH02$`");
  const auto add = host->remediation.find("`setspn -S SMTP/exch01.lab.example LAB\\EXCH01$`");
  ASSERT_NE(remove, std::string::npos) << host->remediation;
  ASSERT_NE(add, std::string::npos) << host->remediation;
  EXPECT_LT(remove, add);
}

TEST_F(SpnLab, LocalFqdnIsCheckedToo) {
  // EXCH02 has an account but no SMTP SPNs; EXCH03 has no account at all.
  auto t = targets();
  t.local_fqdn = "exch02.lab.example";
  auto findings = run(t);
  ASSERT_EQ(findings.size(), 3u);
  const Finding* local = test::finding_for(findings, "exch02.lab.example");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->status, FindingStatus::Fail);
  EXPECT_EQ(local->evidence["account"], kExch02);
  EXPECT_EQ(local->evidence["missing"].size(), 4u);
  EXPECT_NE(local->remediation.find("`setspn -S SMTPSVC/exch02 LAB\\EXCH02$`"), std::string::npos) << local->remediation;

  auto none = run(targets("exch03.lab.example"));
  const Finding* ghost = test::finding_for(none, "exch03.lab.example");
  ASSERT_TRUE(ghost);
  EXPECT_EQ(ghost->status, FindingStatus::Fail);
  EXPECT_TRUE(ghost->evidence["account"].is_null());
}

TEST_F(SpnLab, BlackHoledDcGivesErrorsWithinTheDeadline) {
  test::UnblockDc1OnExit unblock;
  ASSERT_EQ(test::lab_cmd("block 1 '{ 389, 3268 }'"), 0);
  ProbeSettings settings;
  settings.deadline = 1500ms;
  SpnProbe probe;
  const auto t0 = steady_clock::now();
  auto findings = test::run_probe(probe, targets(), settings);
  EXPECT_LE(steady_clock::now() - t0, 1500ms + 400ms);
  ASSERT_EQ(findings.size(), 2u);
  for (const auto& f : findings) {
    EXPECT_EQ(f.status, FindingStatus::Error) << f.target << ": " << f.summary;
    EXPECT_NE(f.summary.find(test::dc_ip(1)), std::string::npos) << f.summary;
  }
}

}  // namespace
}  // namespace authwatch::probes

// The replication verdicts (pure): link states, a DC's finding built from the lab's real repsFrom
// captures, and the peer's computer object compared across DCs (disagree, behind, absent).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "probes/ldap/reps_from.hpp"
#include "probes/replication_judge.hpp"
#include "probes/replication_probe.hpp"

namespace authwatch::probes {
namespace {

using namespace std::chrono;

const std::string kDc1Dsa = "CN=NTDS Settings,CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=lab,DC=example";
const TimePoint kNow = TimePoint{seconds{1795879760 + 600}};  // 10 min after the failing capture's last attempt

// A link as the probe builds it from a captured repsFrom value.
InboundLink link_from(const std::string& capture, const std::string& nc) {
  std::ifstream in(std::string(AUTHWATCH_TEST_DATA) + "/ldap/" + capture, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto r = ldap::decode_reps_from(bytes);
  EXPECT_TRUE(r) << capture << ": " << (r ? "" : r.error());
  ldap::ReplNeighbor n;
  if (r) {
    n.naming_context = nc;
    n.source_dsa_guid = r.value().source_dsa_guid;
    n.source_dsa_dn = kDc1Dsa;
    n.source_address = r.value().source_address;
    n.last_success = r.value().last_success;
    n.last_attempt = r.value().last_attempt;
    n.last_result = r.value().last_result;
    n.consecutive_failures = r.value().consecutive_failures;
  }
  return {n, "dc1.lab.example"};
}

DcNeighbors dc2_with(std::vector<InboundLink> links) {
  DcNeighbors d;
  d.dc = "198.18.77.12";
  d.dc_name = "dc2.lab.example";
  d.method = "repsFrom";
  d.links = std::move(links);
  return d;
}

TEST(ReplicationLinks, StateIsFailingOkOrUnknown) {
  EXPECT_EQ(link_state(link_from("repsFrom-dc2-domain-failing-1232.bin", "DC=lab,DC=example").neighbor), "failing");
  EXPECT_EQ(link_state(link_from("repsFrom-dc2-config-failing-5.bin", "CN=Configuration,DC=lab,DC=example").neighbor), "failing");
  EXPECT_EQ(link_state(link_from("repsFrom-dc2-domain-recovered.bin", "DC=lab,DC=example").neighbor), "ok");
  EXPECT_EQ(link_state(link_from("repsFrom-dc1-schema-never.bin", "CN=Schema,CN=Configuration,DC=lab,DC=example").neighbor), "unknown");
  ldap::ReplNeighbor result_only;  // a non-zero result counts even without a failure count
  result_only.last_attempt = kNow;
  result_only.last_result = 8524;
  EXPECT_EQ(link_state(result_only), "failing");
  // Seen in the healthy lab right after its setup (CI, 2026-12-08): Samba reported one consecutive
  // failure beside a successful last attempt and a success seconds old. The link works.
  ldap::ReplNeighbor count_lagging;
  count_lagging.last_attempt = kNow;
  count_lagging.last_success = kNow;
  count_lagging.last_result = 0;
  count_lagging.consecutive_failures = 1;
  EXPECT_EQ(link_state(count_lagging), "ok");
}

TEST(ReplicationLinks, CommonErrorsHaveTheirText) {
  EXPECT_EQ(replication_error_text(1722), "The RPC server is unavailable.");
  EXPECT_EQ(replication_error_text(8524), "The DSA operation is unable to proceed because of a DNS lookup failure.");
  EXPECT_EQ(replication_error_text(1256), "The remote system is not available.");
  EXPECT_EQ(replication_error_text(8453), "Replication access was denied.");
  EXPECT_EQ(replication_error_text(1232), "The network location cannot be reached.");
  EXPECT_NE(replication_error_text(0x80090322u).find("target principal name is incorrect"), std::string::npos);
  EXPECT_EQ(replication_error_text(4242), "");
}

TEST(ReplicationNeighbors, AFailingLinkFailsTheDcAndNamesTheLink) {
  auto f = judge_neighbors(dc2_with({link_from("repsFrom-dc2-domain-failing-1232.bin", "DC=lab,DC=example"),
                                     link_from("repsFrom-dc2-domain-recovered.bin", "CN=Configuration,DC=lab,DC=example")}),
                           kNow);
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.probe, "replication");
  EXPECT_EQ(f.target, "198.18.77.12");
  EXPECT_EQ(f.evidence["method"], "repsFrom");
  const auto n = f.evidence["neighbors"][0];
  EXPECT_EQ(n["state"], "failing");
  EXPECT_EQ(n["source_dsa"], "dc1.lab.example");
  EXPECT_EQ(n["source_dsa_dn"], kDc1Dsa);
  EXPECT_EQ(n["naming_context"], "DC=lab,DC=example");
  EXPECT_EQ(n["consecutive_failures"], 8);
  EXPECT_EQ(n["last_result"], 1232);
  EXPECT_EQ(n["last_result_text"], "The network location cannot be reached.");
  EXPECT_EQ(n["last_success"], "2026-11-28T15:23:27.000Z");
  EXPECT_EQ(n["last_success_age_seconds"], 1795879760 + 600 - 1795879407);
  EXPECT_EQ(n["last_attempt"], "2026-11-28T15:29:20.000Z");
  EXPECT_EQ(f.evidence["neighbors"][1]["state"], "ok");
  EXPECT_NE(f.summary.find("DC=lab,DC=example from dc1.lab.example (1232"), std::string::npos) << f.summary;
  EXPECT_NE(f.remediation.find("`repadmin /showrepl DC2`"), std::string::npos) << f.remediation;
  EXPECT_NE(f.remediation.find("`repadmin /replicate DC2 DC1 DC=lab,DC=example`"), std::string::npos) << f.remediation;
  EXPECT_NE(f.remediation.find("`repadmin /syncall /AdeP`"), std::string::npos) << f.remediation;
}

TEST(ReplicationNeighbors, AnHresultIsReportedSignedAsRepadminShowsIt) {
  auto l = link_from("repsFrom-dc2-domain-failing-1232.bin", "DC=lab,DC=example");
  l.neighbor.last_result = 0x80090322u;
  auto f = judge_neighbors(dc2_with({l}), kNow);
  EXPECT_EQ(f.evidence["neighbors"][0]["last_result"], -2146893022);
}

TEST(ReplicationNeighbors, NeverAttemptedLinksAreUnknownNotOk) {
  auto mixed = judge_neighbors(dc2_with({link_from("repsFrom-dc2-domain-recovered.bin", "DC=lab,DC=example"),
                                         link_from("repsFrom-dc1-schema-never.bin", "CN=Schema,CN=Configuration,DC=lab,DC=example")}),
                               kNow);
  EXPECT_EQ(mixed.status, FindingStatus::Ok);
  EXPECT_EQ(mixed.evidence["neighbors"][1]["state"], "unknown");
  EXPECT_TRUE(mixed.evidence["neighbors"][1]["last_success"].is_null());
  EXPECT_TRUE(mixed.evidence["neighbors"][1]["last_success_age_seconds"].is_null());
  EXPECT_NE(mixed.summary.find("1 never attempted"), std::string::npos) << mixed.summary;

  auto only_unknown = judge_neighbors(dc2_with({link_from("repsFrom-dc1-schema-never.bin", "CN=Schema,CN=Configuration,DC=lab,DC=example")}), kNow);
  EXPECT_EQ(only_unknown.status, FindingStatus::Warn);
  EXPECT_NE(only_unknown.remediation.find("repadmin /showrepl"), std::string::npos);
}

TEST(ReplicationNeighbors, NoLinksIsNormalOnlyForTheForestsSoleDc) {
  auto lonely = dc2_with({});
  EXPECT_EQ(judge_neighbors(lonely, kNow).status, FindingStatus::Warn);
  lonely.sole_dc = true;
  EXPECT_EQ(judge_neighbors(lonely, kNow).status, FindingStatus::Ok);
  lonely.unreadable = {"DC=lab,DC=example: repsFrom value malformed: version 9 (known: 1, 2)"};
  auto f = judge_neighbors(lonely, kNow);
  EXPECT_EQ(f.status, FindingStatus::Warn);
  EXPECT_EQ(f.evidence["unreadable"][0], lonely.unreadable[0]);
}

TEST(ReplicationNeighbors, AnUnreadableDcIsAnError) {
  auto d = dc2_with({});
  d.error = "LDAP 198.18.77.12:389: connect: timed out";
  auto f = judge_neighbors(d, kNow);
  EXPECT_EQ(f.status, FindingStatus::Error);
  EXPECT_EQ(f.evidence["error"], d.error);
}

ComputerObject exch01(std::vector<std::string> spns, int64_t kvno, TimePoint changed) {
  ComputerObject o;
  o.dn = "CN=EXCH01,CN=Computers,DC=lab,DC=example";
  o.spns = std::move(spns);
  o.kvno = kvno;
  o.when_changed = changed;
  o.usn_changed = 4100;
  o.pwd_last_set = 134090000000000000;
  return o;
}

const std::vector<std::string> kSpns = {"SMTPSVC/exch01", "SMTPSVC/exch01.lab.example", "SMTP/exch01", "SMTP/exch01.lab.example"};

TEST(ReplicationObject, AgreeingCopiesAreOk) {
  std::vector<ObjectCopy> copies = {{"dc1", "dc1.lab.example", exch01(kSpns, 2, kNow), "", ""},
                                    {"dc2", "dc2.lab.example", exch01({kSpns.rbegin(), kSpns.rend()}, 2, kNow + 3s), "", ""}};
  copies[1].object->spns[0] = "smtp/EXCH01.lab.example";  // SPNs compare case-insensitively
  copies[1].object->usn_changed = 9999;                    // each DC's own counter: never compared
  auto f = judge_object("EXCH01$", copies);
  EXPECT_EQ(f.status, FindingStatus::Ok) << f.summary;
  EXPECT_EQ(f.target, "CN=EXCH01,CN=Computers,DC=lab,DC=example");
  EXPECT_TRUE(f.evidence["disagree"].empty());
  EXPECT_TRUE(f.evidence["behind"].empty());
  EXPECT_EQ(f.evidence["per_dc"]["dc1"]["msDS-KeyVersionNumber"], 2);
  EXPECT_EQ(f.evidence["per_dc"]["dc1"]["uSNChanged"], 4100);
  EXPECT_EQ(f.evidence["per_dc"]["dc2"]["whenChanged"], format_iso8601(kNow + 3s));
  EXPECT_EQ(f.evidence["per_dc"]["dc1"]["servicePrincipalName"].size(), 4u);
}

TEST(ReplicationObject, AnSpnChangeNotReplicatedFailsAndNamesTheDcBehind) {
  auto changed = kSpns;
  changed.push_back("SMTPSVC/exch01-moved.lab.example");
  std::vector<ObjectCopy> copies = {
      {"dc1", "dc1.lab.example", exch01(changed, 2, kNow), "", ""},
      {"dc2", "dc2.lab.example", exch01(kSpns, 2, kNow - 10min), "",
       "DC=lab,DC=example from dc1.lab.example (1232 The network location cannot be reached., 8 consecutive failures)"}};
  auto f = judge_object("EXCH01$", copies);
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["disagree"], nlohmann::json::array({"servicePrincipalName"}));
  EXPECT_EQ(f.evidence["behind"], nlohmann::json::array({"dc2"}));
  EXPECT_NE(f.summary.find("behind: dc2.lab.example"), std::string::npos) << f.summary;
  EXPECT_NE(f.remediation.find("8 consecutive failures"), std::string::npos) << f.remediation;
  EXPECT_NE(f.remediation.find("`repadmin /syncall /AdeP`"), std::string::npos) << f.remediation;
  EXPECT_NE(f.remediation.find("repadmin /replicate DC2 DC1"), std::string::npos) << f.remediation;
}

TEST(ReplicationObject, AKeyVersionBehindFailsAndPwdLastSetAloneWarns) {
  std::vector<ObjectCopy> copies = {{"dc1", "", exch01(kSpns, 3, kNow - 5min), "", ""}, {"dc2", "", exch01(kSpns, 2, kNow), "", ""}};
  auto kvno = judge_object("EXCH01$", copies);
  EXPECT_EQ(kvno.status, FindingStatus::Fail);
  EXPECT_EQ(kvno.evidence["disagree"], nlohmann::json::array({"msDS-KeyVersionNumber"}));
  EXPECT_EQ(kvno.evidence["behind"], nlohmann::json::array({"dc2"}));  // the lower key version, whatever whenChanged says

  copies[0].object->kvno = 2;
  copies[1].object->pwd_last_set = *copies[0].object->pwd_last_set - 1;
  auto pwd = judge_object("EXCH01$", copies);
  EXPECT_EQ(pwd.status, FindingStatus::Warn);
  EXPECT_EQ(pwd.evidence["disagree"], nlohmann::json::array({"pwdLastSet"}));
  EXPECT_EQ(pwd.evidence["behind"], nlohmann::json::array({"dc2"}));
}

TEST(ReplicationObject, AnAccountMissingOnOneDcFails) {
  std::vector<ObjectCopy> copies = {{"dc1", "", exch01(kSpns, 2, kNow), "", ""}, {"dc2", "", std::nullopt, "", ""}};
  auto f = judge_object("EXCH01$", copies);
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["absent"], nlohmann::json::array({"dc2"}));
  EXPECT_EQ(f.evidence["behind"], nlohmann::json::array({"dc2"}));
  EXPECT_TRUE(f.evidence["per_dc"]["dc2"].contains("error"));
}

TEST(ReplicationObject, UnreadableDcsWarnOrErr) {
  std::vector<ObjectCopy> copies = {{"dc1", "", exch01(kSpns, 2, kNow), "", ""}, {"dc2", "", std::nullopt, "connect: timed out", ""}};
  auto one = judge_object("EXCH01$", copies);
  EXPECT_EQ(one.status, FindingStatus::Warn);
  EXPECT_EQ(one.evidence["per_dc"]["dc2"]["error"], "connect: timed out");
  copies[0] = {"dc1", "", std::nullopt, "bind: no credentials", ""};
  EXPECT_EQ(judge_object("EXCH01$", copies).status, FindingStatus::Error);
  copies = {{"dc1", "", std::nullopt, "", ""}, {"dc2", "", std::nullopt, "", ""}};
  auto none = judge_object("EXCH01$", copies);
  EXPECT_EQ(none.status, FindingStatus::Error);
  EXPECT_NE(none.summary.find("no computer account EXCH01$"), std::string::npos) << none.summary;
}

TEST(ReplicationObject, TheAccountNameComesFromThePeersHostName) {
  EXPECT_EQ(computer_account_of("exch01.lab.example"), "EXCH01$");
  EXPECT_EQ(computer_account_of("Ex2"), "EX2$");
  EXPECT_EQ(computer_account_of("10.0.0.2"), "");
  EXPECT_EQ(computer_account_of(""), "");
}

}  // namespace
}  // namespace authwatch::probes

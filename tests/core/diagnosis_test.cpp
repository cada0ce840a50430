// Diagnosis on recorded findings (tests/core/recorded_findings.hpp): one test per cause, the
// combinations that make a cause more or less likely, and the runs that must yield no cause.
#include "core/diagnosis.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/diagnosis_matchers.hpp"
#include "core/diagnosis_rules.hpp"
#include "core/evidence_causes.hpp"
#include "core/text.hpp"
#include "tests/core/recorded_findings.hpp"

using namespace authwatch;
namespace rec = authwatch::test::recorded;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// Every cause is complete: vocabulary, KB step, target, rendered templates, evidence naming its finding.
void expect_complete(const Diagnosis& d) {
  static const std::vector<std::string> steps = {"clock", "replication", "spn", "ports", "logging", "connector"};
  for (const auto& c : d.causes) {
    EXPECT_THAT(cause_vocabulary(), ::testing::Contains(c.cause));
    EXPECT_THAT(steps, ::testing::Contains(c.kb_step)) << c.cause;
    EXPECT_FALSE(c.target.empty()) << c.cause;
    EXPECT_GT(c.confidence, 0.0);
    EXPECT_LE(c.confidence, 1.0);
    EXPECT_EQ(c.fix.find('{'), std::string::npos) << "unrendered template: " << c.fix;
    EXPECT_EQ(c.summary.find('{'), std::string::npos) << "unrendered template: " << c.summary;
    ASSERT_TRUE(c.evidence.is_array());
    ASSERT_FALSE(c.evidence.empty());
    EXPECT_EQ(c.evidence[0]["role"], "shows");
    for (const auto& e : c.evidence) {
      EXPECT_TRUE(e.contains("probe") && e.contains("target") && e.contains("status")) << e.dump();
      EXPECT_GT(e.size(), 4u) << "evidence without a value: " << e.dump();
    }
  }
  for (size_t i = 1; i < d.causes.size(); ++i) EXPECT_GE(d.causes[i - 1].confidence, d.causes[i].confidence);
}

Diagnosis run(const std::vector<Finding>& findings) {
  auto d = diagnose(findings);
  expect_complete(d);
  return d;
}

std::string causes_text(const Diagnosis& d) { return to_json(d).dump(1); }

}  // namespace

// ---- no cause -------------------------------------------------------------------------------

TEST(Diagnosis, HealthyFindingsGiveNoCauseAndNoNotes) {
  auto d = run({rec::dns_ok(), rec::clock_dc("dc1.contoso.com", 0.4, "ok"), rec::clock_dc("dc2.contoso.com", -1.2, "ok"),
                rec::clock_peer_ok(), rec::ports_ok("dc1.contoso.com"), rec::ports_ok("dc2.contoso.com"), rec::smtp_ok(),
                rec::spn_ok(), rec::replication_dc("dc1.contoso.com", false), rec::replication_dc("dc2.contoso.com", false),
                rec::replication_object(false, false), rec::ticket_ok(), rec::connector(false), rec::kerberos_logging(1)});
  EXPECT_TRUE(d.causes.empty()) << causes_text(d);
  EXPECT_TRUE(d.notes.empty()) << causes_text(d);
}

TEST(Diagnosis, NoFindingsGiveNoCause) {
  auto d = run({});
  EXPECT_TRUE(d.causes.empty());
  EXPECT_TRUE(d.notes.empty());
}

TEST(Diagnosis, ErrorsOnlyGiveNoCauseButUnverifiedNotes) {
  auto creds = rec::ticket("no-credentials", {{"message", "No Kerberos credentials available (default cache: FILE:/tmp/krb5cc_0)"}});
  auto d = run({rec::clock_unreadable(), creds});
  EXPECT_TRUE(d.causes.empty()) << causes_text(d);
  ASSERT_EQ(d.notes.size(), 2u);
  EXPECT_EQ(d.notes[0].kind, "unverified");
  EXPECT_EQ(d.notes[0].probe, "clock");
  EXPECT_EQ(d.notes[0].target, "127.0.0.2");
  EXPECT_EQ(d.notes[0].text, "could not read the clock of 127.0.0.2 by any method");
  EXPECT_EQ(d.notes[1].kind, "unverified");
  EXPECT_EQ(d.notes[1].probe, "ticket");
}

TEST(Diagnosis, SkippedFindingsSayNothing) {
  Finding skipped{"connector", "", FindingStatus::Skipped, "no Exchange schema in the forest", {{"schema", "absent"}}, ""};
  auto d = run({skipped});
  EXPECT_TRUE(d.causes.empty());
  EXPECT_TRUE(d.notes.empty());
}

TEST(Diagnosis, AWarningAloneIsNotACause) {
  auto warn = rec::clock_dc("dc2.contoso.com", 95, "warn");
  warn.remediation = "Correct the time on dc2.contoso.com";
  auto d = run({warn});
  EXPECT_TRUE(d.causes.empty()) << causes_text(d);
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].kind, "suspicious");
  EXPECT_EQ(d.notes[0].text, "dc2.contoso.com clock. What to do: Correct the time on dc2.contoso.com");
}

TEST(Diagnosis, AFailureNoRuleReadsIsAnUnexplainedNote) {
  Finding odd{"future-probe", "x", FindingStatus::Fail, "something new failed", {{"what", 1}}, ""};
  auto d = run({odd, rec::clock_dc("dc1.contoso.com", 0.2, "ok")});
  EXPECT_TRUE(d.causes.empty());
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].kind, "unexplained");
  EXPECT_EQ(d.notes[0].text, "something new failed");
}

TEST(Diagnosis, EvidenceOfTheWrongShapeIsNoCause) {
  // Stored by some other version: types not as probes/FINDINGS.md says. Read as "not shown".
  Finding clock{"clock", "dc1", FindingStatus::Fail, "odd", {{"offset_seconds", "412"}, {"readings", 3}}, ""};
  Finding ports{"ports", "dc1", FindingStatus::Fail, "odd", nlohmann::json::array({1, 2}), ""};
  Finding spn{"spn", "ex2", FindingStatus::Fail, "odd", {{"missing", "SMTPSVC/ex2"}, {"duplicates", {{{"spn", 5}}}}}, ""};
  auto d = run({clock, ports, spn});
  EXPECT_TRUE(d.causes.empty()) << causes_text(d);
  EXPECT_EQ(d.notes.size(), 3u);
  for (const auto& n : d.notes) EXPECT_EQ(n.kind, "unexplained");
}

// ---- clock ----------------------------------------------------------------------------------

TEST(Diagnosis, ClockFailAloneIsClockSkewOnThatDc) {
  auto d = run({rec::clock_dc("dc1.contoso.com", 0.2, "ok"), rec::clock_dc("dc2.contoso.com", 412, "fail")});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  const auto& c = d.causes[0];
  EXPECT_EQ(c.cause, "clock-skew");
  EXPECT_EQ(c.kb_step, "clock");
  EXPECT_EQ(c.target, "dc2.contoso.com");
  EXPECT_DOUBLE_EQ(c.confidence, 0.8);
  EXPECT_THAT(c.summary, HasSubstr("dc2.contoso.com's clock is 413 s ahead of this server's (ldap)"));
  EXPECT_THAT(c.fix, HasSubstr("fix its time source first"));
  EXPECT_THAT(c.fix, HasSubstr("then `w32tm /resync /rediscover` on dc2.contoso.com"));
  EXPECT_EQ(c.evidence[0]["probe"], "clock");
  EXPECT_EQ(c.evidence[0]["target"], "dc2.contoso.com");
  EXPECT_DOUBLE_EQ(c.evidence[0]["offset_seconds"].get<double>(), 412.5);
}

TEST(Diagnosis, TicketSkewCorroboratesTheClockAndFoldsIntoIt) {
  auto d = run({rec::ticket_skew(), rec::clock_dc("dc1.contoso.com", 0.2, "ok"), rec::clock_dc("dc2.contoso.com", 412, "fail")});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  const auto& c = d.causes[0];
  EXPECT_EQ(c.cause, "clock-skew");
  EXPECT_EQ(c.target, "dc2.contoso.com");
  EXPECT_DOUBLE_EQ(c.confidence, 0.95);
  ASSERT_EQ(c.evidence.size(), 2u);
  EXPECT_EQ(c.evidence[1]["probe"], "ticket");
  EXPECT_EQ(c.evidence[1]["role"], "corroborates");
  EXPECT_EQ(c.evidence[1]["krb_error_code"], 37);
  EXPECT_THAT(c.summary, HasSubstr("KRB_AP_ERR_SKEW (37)"));
  EXPECT_TRUE(d.notes.empty());
}

TEST(Diagnosis, TicketSkewAloneIsALessCertainClockSkew) {
  auto d = run({rec::ticket_skew()});
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].cause, "clock-skew");
  EXPECT_EQ(d.causes[0].target, "SMTPSVC/ex2.contoso.com");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.6);
  EXPECT_THAT(d.causes[0].fix, HasSubstr("w32tm /stripchart /computer:<dc>"));
}

TEST(Diagnosis, AClockWarningBecomesACauseWhenTheKdcRefusedForSkew) {
  auto d = run({rec::clock_dc("dc2.contoso.com", -95, "warn"), rec::ticket_skew()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].target, "dc2.contoso.com");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.7);
  EXPECT_THAT(d.causes[0].summary, HasSubstr("95 s behind this server's"));
}

TEST(Diagnosis, PeerClockIsFixedAsAMemberServer) {
  auto d = run({rec::clock_peer_ahead()});
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].target, "ex2.contoso.com");
  EXPECT_THAT(d.causes[0].fix, HasSubstr("On ex2.contoso.com: `w32tm /query /source`"));
  EXPECT_THAT(d.causes[0].fix, HasSubstr("syncfromflags:domhier"));
  EXPECT_THAT(d.causes[0].fix, Not(HasSubstr("PDC")));
}

TEST(Diagnosis, EveryClockOffTheSameWayMeansThisServersClock) {
  auto d = run({rec::clock_dc("dc1.contoso.com", 400, "fail"), rec::clock_dc("dc2.contoso.com", 402, "fail"), rec::ticket_skew()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "clock-skew");
  EXPECT_EQ(d.causes[0].target, "this server");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.95);
  EXPECT_THAT(d.causes[0].summary, HasSubstr("This server's clock is 402 s behind every clock it measured"));
  EXPECT_THAT(d.causes[0].fix, HasSubstr("On this server"));
}

TEST(Diagnosis, ClocksOffInOppositeDirectionsAreEachTheirOwnCause) {
  auto d = run({rec::clock_dc("dc1.contoso.com", 400, "fail"), rec::clock_dc("dc2.contoso.com", -400, "fail")});
  ASSERT_EQ(d.causes.size(), 2u) << causes_text(d);
  EXPECT_EQ(d.causes[0].target, "dc1.contoso.com");
  EXPECT_EQ(d.causes[1].target, "dc2.contoso.com");
}

// ---- SPNs -----------------------------------------------------------------------------------

TEST(Diagnosis, MissingSpnIsAddedToTheServersAccount) {
  auto d = run({rec::spn_missing_fqdn()});
  ASSERT_EQ(d.causes.size(), 1u);
  const auto& c = d.causes[0];
  EXPECT_EQ(c.cause, "spn-missing");
  EXPECT_EQ(c.kb_step, "spn");
  EXPECT_EQ(c.target, "ex2.contoso.com");
  EXPECT_DOUBLE_EQ(c.confidence, 0.8);
  EXPECT_THAT(c.fix, HasSubstr("`setspn -S SMTPSVC/ex2.contoso.com CONTOSO\\EX2$`"));
  EXPECT_THAT(c.summary, HasSubstr("asked dc1.contoso.com"));
  EXPECT_EQ(c.evidence[0]["missing"], nlohmann::json({"SMTPSVC/ex2.contoso.com"}));
}

TEST(Diagnosis, TicketPrincipalUnknownCorroboratesTheMissingSpn) {
  auto d = run({rec::ticket_principal_unknown(), rec::spn_missing_fqdn()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "spn-missing");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.95);
  EXPECT_THAT(d.causes[0].summary, HasSubstr("KDC_ERR_S_PRINCIPAL_UNKNOWN (7)"));
}

TEST(Diagnosis, TicketPrincipalUnknownAndDuplicatesAreADuplicateSpn) {
  auto d = run({rec::ticket_principal_unknown(), rec::spn_duplicated_on_oldhost()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  const auto& c = d.causes[0];
  EXPECT_EQ(c.cause, "spn-duplicate");
  EXPECT_EQ(c.target, "SMTPSVC/ex2.contoso.com");
  EXPECT_DOUBLE_EQ(c.confidence, 0.95);
  EXPECT_THAT(c.fix, HasSubstr("Keep it on CONTOSO\\EX2$: `setspn -D SMTPSVC/ex2.contoso.com CONTOSO\\OLDHOST$`"));
  EXPECT_THAT(c.fix, Not(HasSubstr("-D SMTPSVC/ex2.contoso.com CONTOSO\\EX2$")));
  EXPECT_THAT(c.fix, HasSubstr("`setspn -X -F` must not list SMTPSVC/ex2.contoso.com"));
}

TEST(Diagnosis, ForestScanDuplicateKeepsTheHolderNamedLikeTheHost) {
  auto d = run({rec::spn_forest_duplicates()});
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].cause, "spn-duplicate");
  EXPECT_EQ(d.causes[0].target, "SMTP/ex1.contoso.com");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.8) << "one finding alone stays below 0.85";
  EXPECT_THAT(d.causes[0].fix, HasSubstr("Keep it on CONTOSO\\EX1$: `setspn -D SMTP/ex1.contoso.com CONTOSO\\EX1-OLD$`"));
}

TEST(Diagnosis, DuplicateWithNoHolderNamedLikeTheHostPicksNone) {
  auto f = rec::spn_forest_duplicates();
  f.evidence["duplicates"][0]["owners"] = {"CN=SVC-A,OU=Apps,DC=contoso,DC=com", "CN=SVC-B,OU=Apps,DC=contoso,DC=com"};
  auto d = run({f});
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_THAT(d.causes[0].fix, HasSubstr("none of the holders is named so"));
  EXPECT_THAT(d.causes[0].fix, Not(HasSubstr("CONTOSO\\SVC-A$`")));
}

TEST(Diagnosis, SpnOnTheWrongAccountWithAStaleKeyIsTheWrongOwner) {
  auto d = run({rec::spn_held_by_oldhost(), rec::ticket_stale_key()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  const auto& c = d.causes[0];
  EXPECT_EQ(c.cause, "spn-wrong-owner");
  EXPECT_DOUBLE_EQ(c.confidence, 0.95);
  EXPECT_EQ(c.fix, "`setspn -D SMTPSVC/ex2.contoso.com CONTOSO\\OLDHOST$`, then `setspn -S SMTPSVC/ex2.contoso.com CONTOSO\\EX2$`");
}

TEST(Diagnosis, SpnHeldOnlyByOtherAccountsIsOneWrongOwnerCause) {
  // As judge_host_spns writes it: one wrong_owner entry per holder, and the SPN among duplicates too.
  auto f = rec::spn_host(nlohmann::json::array(),
                         {{{"spn", "SMTPSVC/ex2.contoso.com"}, {"owners", {rec::kOldHostDn, "CN=EX2-TEMP,CN=Computers,DC=contoso,DC=com"}}}},
                         {{{"spn", "SMTPSVC/ex2.contoso.com"}, {"owner", rec::kOldHostDn}},
                          {{"spn", "SMTPSVC/ex2.contoso.com"}, {"owner", "CN=EX2-TEMP,CN=Computers,DC=contoso,DC=com"}}});
  auto d = run({f});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "spn-wrong-owner");
  EXPECT_EQ(d.causes[0].fix,
            "`setspn -D SMTPSVC/ex2.contoso.com CONTOSO\\OLDHOST$`, `setspn -D SMTPSVC/ex2.contoso.com CONTOSO\\EX2-TEMP$`, "
            "then `setspn -S SMTPSVC/ex2.contoso.com CONTOSO\\EX2$`");
}

TEST(Diagnosis, MissingComputerAccountSaysSo) {
  auto d = run({rec::spn_no_account()});
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].cause, "spn-missing");
  EXPECT_THAT(d.causes[0].summary, HasSubstr("No computer account for ex9.contoso.com"));
  EXPECT_THAT(d.causes[0].fix, HasSubstr("`setspn -S SMTPSVC/ex9.contoso.com CONTOSO\\EX9$`"));
}

TEST(Diagnosis, TicketPrincipalUnknownAloneNamesTheSpnToCheck) {
  auto d = run({rec::ticket_principal_unknown()});
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].cause, "spn-missing");
  EXPECT_EQ(d.causes[0].target, "SMTPSVC/ex2.contoso.com");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.55);
  EXPECT_THAT(d.causes[0].fix, HasSubstr("`setspn -S SMTPSVC/ex2.contoso.com CONTOSO\\EX2$`"));
}

TEST(Diagnosis, KdcDoesNotKnowAnSpnTheDirectoryHoldsIsReplication) {
  auto d = run({rec::ticket_principal_unknown(), rec::spn_ok()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "replication");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.45);
  EXPECT_EQ(d.causes[0].evidence[1]["probe"], "spn");
}

TEST(Diagnosis, KdcPrincipalNotUniqueIsADuplicate) {
  auto d = run({rec::ticket("principal-unknown", {{"krb_error_code", 8}, {"message", "Principal not unique"}})});
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].cause, "spn-duplicate");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.7);
}

// ---- replication ----------------------------------------------------------------------------

TEST(Diagnosis, DcsDisagreeingOnTheSpnRankAboveTheSpnMissingOnOneDc) {
  // The spn probe asked dc2, which has not received the SPN that dc1 holds; dc2's inbound link fails.
  auto d = run({rec::spn_missing_fqdn("dc2.contoso.com"), rec::replication_object(true, false),
                rec::replication_dc("dc1.contoso.com", false), rec::replication_dc("dc2.contoso.com", true)});
  ASSERT_EQ(d.causes.size(), 3u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "replication");
  EXPECT_EQ(d.causes[0].target, rec::kEx2Dn);
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.9);
  EXPECT_THAT(d.causes[0].summary, HasSubstr("SMTPSVC/ex2.contoso.com is on dc1.contoso.com but not on dc2.contoso.com"));
  EXPECT_THAT(d.causes[0].fix,
              HasSubstr("`repadmin /replsingleobj dc2.contoso.com dc1.contoso.com \"CN=EX2,OU=Exchange Servers,DC=contoso,DC=com\"`"));
  EXPECT_THAT(d.causes[0].fix, HasSubstr("`repadmin /syncall dc2.contoso.com /AdeP`"));

  EXPECT_EQ(d.causes[1].cause, "replication");
  EXPECT_EQ(d.causes[1].target, "dc2.contoso.com");
  EXPECT_THAT(d.causes[1].summary, HasSubstr("from DC1: 1722 The RPC server is unavailable. (14 consecutive failures)"));
  EXPECT_EQ(d.causes[1].evidence[0]["failing"][0]["source_dsa"], "DC1");
  EXPECT_THAT(d.causes[1].fix, HasSubstr("TCP 135 and the dynamic RPC ports"));

  EXPECT_EQ(d.causes[2].cause, "spn-missing");
  EXPECT_DOUBLE_EQ(d.causes[2].confidence, 0.5);
  EXPECT_THAT(d.causes[2].summary, HasSubstr("but the DCs disagree on the SPNs of EX2"));
  EXPECT_EQ(d.causes[2].evidence.back()["role"], "contradicts");
}

TEST(Diagnosis, AccountMissingOnADcIsReplication) {
  auto f = rec::replication_object(false, false);
  f.status = FindingStatus::Fail;
  f.evidence["per_dc"]["dc2.contoso.com"] = {{"error", std::string("no account ") + rec::kEx2Dn + " on this DC"}};
  f.evidence["absent"] = {"dc2.contoso.com"};
  f.evidence["behind"] = {"dc2.contoso.com"};
  auto d = run({f, rec::replication_dc("dc2.contoso.com", true)});
  ASSERT_GE(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "replication");
  EXPECT_EQ(d.causes[0].target, rec::kEx2Dn);
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.9);
  EXPECT_THAT(d.causes[0].summary, HasSubstr("EX2 exists on dc1.contoso.com but not on dc2.contoso.com"));
  EXPECT_THAT(d.causes[0].fix, HasSubstr("`repadmin /replsingleobj dc2.contoso.com dc1.contoso.com"));
}

TEST(Diagnosis, FailingNeighborAloneIsReplication) {
  auto d = run({rec::replication_dc("dc2.contoso.com", true)});
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].cause, "replication");
  EXPECT_EQ(d.causes[0].kb_step, "replication");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.7);
  EXPECT_THAT(d.causes[0].fix, HasSubstr("`repadmin /syncall dc2.contoso.com /AdeP`"));
  EXPECT_EQ(d.causes[0].evidence[0]["failing"][0]["last_result"], 1722);
}

TEST(Diagnosis, KeyVersionDisagreementExplainsTheStaleKey) {
  auto d = run({rec::replication_object(false, true), rec::ticket_stale_key()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "replication");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.9);
  EXPECT_THAT(d.causes[0].summary, HasSubstr("key version dc1.contoso.com 4, dc2.contoso.com 3"));
  EXPECT_THAT(d.causes[0].fix, HasSubstr("klist purge -li 0x3e7"));
}

TEST(Diagnosis, StaleKeyAlone) {
  auto d = run({rec::ticket_stale_key()});
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].cause, "stale-key");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.75);
  EXPECT_THAT(d.causes[0].summary, HasSubstr("ticket kvno 4, service kvno 3"));
  EXPECT_THAT(d.causes[0].fix, HasSubstr("on ex2.contoso.com `Test-ComputerSecureChannel -Repair`"));
}

TEST(Diagnosis, AnErrorFindingIsNeverACauseHoweverTellingItsEvidence) {
  auto d = run({rec::ticket("other", {{"kvno", 5}, {"accept", {{"ok", false}, {"keytab_kvno", 4}, {"error", "kvno 5 not found"}}}})});
  // outcome other is an error finding: never a cause, however telling its evidence.
  EXPECT_TRUE(d.causes.empty());
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].kind, "unverified");
}

// ---- ports, KDC -----------------------------------------------------------------------------

TEST(Diagnosis, Port88FilteredIsPortsBlocked) {
  auto d = run({rec::ports_kerberos_filtered(), rec::ports_ok("dc1.contoso.com")});
  ASSERT_EQ(d.causes.size(), 1u);
  const auto& c = d.causes[0];
  EXPECT_EQ(c.cause, "ports-blocked");
  EXPECT_EQ(c.target, "dc2.contoso.com");
  EXPECT_DOUBLE_EQ(c.confidence, 0.75);
  EXPECT_THAT(c.summary, HasSubstr("88/tcp filtered, 88/udp filtered"));
  EXPECT_THAT(c.fix, HasSubstr("`portqry -n dc2.contoso.com -e 88 -p both`"));
}

TEST(Diagnosis, Port88FilteredAndKdcUnreachableIsOneCause) {
  auto d = run({rec::ports_kerberos_filtered(), rec::ticket_kdc_unreachable()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "ports-blocked");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.9);
  EXPECT_EQ(d.causes[0].evidence[1]["outcome"], "kdc-unreachable");
}

TEST(Diagnosis, ADcAnsweringOnNoPortIsUnreachableNotFiltered) {
  auto d = run({rec::ports_all_closed(), rec::ticket_kdc_unreachable()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "kdc-unreachable");
  EXPECT_EQ(d.causes[0].target, "127.0.0.2");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.9);
  EXPECT_THAT(d.causes[0].summary, HasSubstr("none of the 13 Kerberos/AD ports checked (all closed)"));
}

TEST(Diagnosis, KdcUnreachableAlone) {
  auto d = run({rec::ticket_kdc_unreachable()});
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].cause, "kdc-unreachable");
  EXPECT_EQ(d.causes[0].kb_step, "ports");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.6);
  EXPECT_THAT(d.causes[0].fix, HasSubstr("`nltest /dsgetdc:contoso.com /kdc`"));
}

TEST(Diagnosis, MissingLocatorRecordsExplainAnUnreachableKdc) {
  auto d = run({rec::dns_no_kerberos_records(), rec::ticket_kdc_unreachable()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "dc-locator");
  EXPECT_EQ(d.causes[0].target, "contoso.com");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.85);
  EXPECT_THAT(d.causes[0].summary, HasSubstr("10.0.0.53 has no DC locator records for contoso.com"));
  EXPECT_THAT(d.causes[0].fix, HasSubstr("nltest /dsregdns"));
}

// ---- a slow DC is not a firewall (docs/domain.md §10) ------------------------------------------

TEST(Diagnosis, AKdcThatAcceptsAndNeverAnswersIsUnresponsiveNotBlocked) {
  auto d = run({rec::ports_kdc_unresponsive(), rec::ports_ok("dc1.contoso.com")});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  const auto& c = d.causes[0];
  EXPECT_EQ(c.cause, "dc-unresponsive");
  EXPECT_EQ(c.kb_step, "ports");
  EXPECT_EQ(c.target, "dc2.contoso.com");
  EXPECT_DOUBLE_EQ(c.confidence, 0.7);
  EXPECT_THAT(c.summary, HasSubstr("88/tcp (connection accepted, no reply)"));
  EXPECT_THAT(c.summary, HasSubstr("overloaded or hung, not firewalled"));
  EXPECT_THAT(c.fix, HasSubstr("`dcdiag /s:dc2.contoso.com`"));
  EXPECT_THAT(c.fix, HasSubstr("lsass.exe"));
  EXPECT_THAT(c.fix, HasSubstr("move clients to another DC"));
  EXPECT_THAT(c.fix, Not(HasSubstr("Firewall")));
  EXPECT_EQ(c.evidence[0]["unresponsive"], nlohmann::json({"88/tcp (connection accepted, no reply)", "88/udp (no reply)"}));
}

TEST(Diagnosis, TheTicketMeetingTheSameSilentKdcCorroboratesUnresponsive) {
  // dc2's KDC took the ticket probe's connection and said nothing; dc1 issued the ticket.
  auto d = run({rec::ports_kdc_unresponsive(), rec::ticket_ok_after_a_silent_kdc()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "dc-unresponsive");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.85);
  ASSERT_EQ(d.causes[0].evidence.size(), 2u);
  EXPECT_EQ(d.causes[0].evidence[1]["probe"], "ticket");
  EXPECT_EQ(d.causes[0].evidence[1]["role"], "corroborates");
  EXPECT_EQ(d.causes[0].evidence[1]["silent_kdc"], "dc2.contoso.com");
  // A silent KDC the ports probe found answering (another DC) corroborates nothing.
  auto other = run({rec::ports_kdc_unresponsive(), rec::ticket_ok_after_a_silent_kdc("dc3.contoso.com")});
  ASSERT_EQ(other.causes.size(), 1u);
  EXPECT_DOUBLE_EQ(other.causes[0].confidence, 0.7);
}

TEST(Diagnosis, NoKdcAnsweringAfterConnectingIsUnresponsiveAndFoldsIntoThePorts) {
  auto alone = run({rec::ticket_kdc_unresponsive()});
  ASSERT_EQ(alone.causes.size(), 1u) << causes_text(alone);
  EXPECT_EQ(alone.causes[0].cause, "dc-unresponsive");
  EXPECT_EQ(alone.causes[0].target, "dc2.contoso.com") << "about the DC, not the SPN";
  EXPECT_DOUBLE_EQ(alone.causes[0].confidence, 0.6);
  EXPECT_THAT(alone.causes[0].summary, HasSubstr("The KDC dc2.contoso.com accepted the request for SMTPSVC/ex2.contoso.com"));

  auto both = run({rec::ports_kdc_unresponsive(), rec::ticket_kdc_unresponsive()});
  ASSERT_EQ(both.causes.size(), 1u) << causes_text(both);
  EXPECT_EQ(both.causes[0].cause, "dc-unresponsive");
  EXPECT_DOUBLE_EQ(both.causes[0].confidence, 0.85);
  for (const auto& c : both.causes) {
    EXPECT_NE(c.cause, "ports-blocked");
    EXPECT_NE(c.cause, "kdc-unreachable");
  }
}

TEST(Diagnosis, TheIncidentAsAnOlderProbeRecordedItIsNotAFirewall) {
  // TCP 88/389 accepted (a bare connect), UDP 88/389 answered after the 3 s deadline: it was
  // "ports-blocked, a firewall drops Kerberos". By §10 the DC is slow or hung.
  auto d = run({rec::ports_legacy_slow_dc()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "dc-unresponsive");
  EXPECT_EQ(d.causes[0].target, "dc1.contoso.com");
  EXPECT_LT(d.causes[0].confidence, 0.85);
  EXPECT_THAT(d.causes[0].summary, HasSubstr("88/udp (no reply)"));
}

TEST(Diagnosis, UdpDroppedWhileTheKdcAnswersOverTcpIsStillFiltered) {
  auto d = run({rec::ports_udp88_dropped_tcp_answers()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "ports-blocked");
  EXPECT_THAT(d.causes[0].summary, HasSubstr("88/udp filtered"));
}

TEST(Diagnosis, ADcThatAnsweredOnlyInTheSlowRetryIsNoCause) {
  auto d = run({rec::ports_all_slow(), rec::ticket_ok_after_a_silent_kdc("dc2.contoso.com", "dc1.contoso.com", FindingStatus::Warn)});
  EXPECT_TRUE(d.causes.empty()) << causes_text(d);
  ASSERT_EQ(d.notes.size(), 2u) << to_json(d)["notes"].dump(1);
  for (const auto& n : d.notes) EXPECT_EQ(n.kind, "suspicious");
}

// ---- trust ----------------------------------------------------------------------------------

TEST(Diagnosis, BadIntegrityOnTheCrossRealmRequestIsTheTrust) {
  auto d = run({rec::ticket_trust()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  const auto& c = d.causes[0];
  EXPECT_EQ(c.cause, "trust");
  EXPECT_EQ(c.kb_step, "logging");
  EXPECT_EQ(c.target, "CONTOSO.COM");
  EXPECT_DOUBLE_EQ(c.confidence, 0.7);
  EXPECT_THAT(c.summary, HasSubstr("KRB_AP_ERR_BAD_INTEGRITY (31)"));
  EXPECT_THAT(c.summary, HasSubstr("the trust between CHILD.CONTOSO.COM and CONTOSO.COM"));
  EXPECT_THAT(c.fix, HasSubstr("`netdom trust contoso.com /domain:child.contoso.com /verify`"));
  EXPECT_THAT(c.fix, HasSubstr("/resetOneSide"));
  EXPECT_THAT(c.fix, HasSubstr("on a DC of child.contoso.com `netdom trust child.contoso.com /domain:contoso.com /resetOneSide"));
}

// ---- checks a cause kept from running ---------------------------------------------------------

TEST(Diagnosis, ACheckTheSkewStoppedSaysSoAndWhatToReRun) {
  const std::string skew_error =
      "LDAP dc1.contoso.com:389: bind (SASL GSSAPI for ldap/dc1.contoso.com): Local error (SASL(-1): generic failure: GSSAPI "
      "Error: Unspecified GSS failure.  Minor code may provide more information (Clock skew too great))";
  auto d = run({rec::clock_dc("dc1.contoso.com", 420, "fail"), rec::clock_dc("dc2.contoso.com", 0.3, "ok"),
                rec::replication_dc_unreadable("dc1.contoso.com", skew_error), rec::replication_dc("dc2.contoso.com", false)});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "clock-skew");
  ASSERT_EQ(d.notes.size(), 1u) << to_json(d)["notes"].dump(1);
  EXPECT_EQ(d.notes[0].kind, "unverified");
  EXPECT_EQ(d.notes[0].probe, "replication");
  EXPECT_THAT(d.notes[0].text, HasSubstr("could not run because of clock-skew on dc1.contoso.com (see cause 1)"));
  EXPECT_THAT(d.notes[0].text, HasSubstr("re-run `authwatch probe --only replication --dc dc1.contoso.com` after fixing it"));
  EXPECT_THAT(d.notes[0].text, HasSubstr("Clock skew too great"));
  EXPECT_THAT(d.notes[0].text, Not(HasSubstr("TCP 389"))) << "the probe's own advice would mislead";
}

TEST(Diagnosis, AnErrorNoCauseExplainsKeepsItsOwnAdvice) {
  // The same bind failure on a DC whose clock is fine, and an access error on the skewed one.
  auto d = run({rec::clock_dc("dc1.contoso.com", 420, "fail"),
                rec::replication_dc_unreadable("dc2.contoso.com", "LDAP dc2.contoso.com:389: bind: Clock skew too great"),
                rec::replication_dc_unreadable("dc1.contoso.com", "LDAP dc1.contoso.com:389: Insufficient access")});
  ASSERT_EQ(d.notes.size(), 2u) << to_json(d)["notes"].dump(1);
  for (const auto& n : d.notes) {
    EXPECT_THAT(n.text, Not(HasSubstr("could not run because"))) << n.target;
    EXPECT_THAT(n.text, HasSubstr("TCP 389")) << n.target;
  }
}

TEST(Diagnosis, ThisServersClockStopsEveryKerberosCheck) {
  auto d = run({rec::clock_dc("dc1.contoso.com", 400, "fail"), rec::clock_dc("dc2.contoso.com", 402, "fail"),
                rec::ticket("no-credentials", {{"message", "Clock skew too great while getting initial credentials"}})});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].target, "this server");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_THAT(d.notes[0].text, HasSubstr("could not run because of clock-skew on this server (see cause 1); re-run "
                                         "`authwatch probe --only ticket` after fixing it"));
}

TEST(Diagnosis, ADcBlockedForLdapExplainsThePartlyReadObjectAndTheUnreadDc) {
  auto blocked = rec::ports_with("dc2.contoso.com", {{"389/tcp", "filtered"}, {"389/udp", "filtered"}, {"88/tcp", "filtered"},
                                                     {"88/udp", "filtered"}});
  auto object = rec::replication_object(false, false);
  object.status = FindingStatus::Warn;
  object.summary = "EX2$: the DCs that answered agree; not read from dc2.contoso.com";
  object.evidence["per_dc"]["dc2.contoso.com"] = {{"error", "LDAP dc2.contoso.com:389: cannot connect: Can't contact LDAP server"}};
  auto d = run({blocked, object,
                rec::replication_dc_unreadable("dc2.contoso.com", "LDAP rootDSE at ldap://dc2.contoso.com:389: cannot connect: "
                                                                  "Can't contact LDAP server")});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "ports-blocked");
  ASSERT_EQ(d.notes.size(), 2u) << to_json(d)["notes"].dump(1);
  EXPECT_EQ(d.notes[0].kind, "unverified");
  EXPECT_THAT(d.notes[0].text, HasSubstr("could not run because of ports-blocked on dc2.contoso.com (see cause 1); re-run "
                                         "`authwatch probe --only replication --dc dc2.contoso.com`"));
  EXPECT_EQ(d.notes[1].kind, "suspicious");
  EXPECT_THAT(d.notes[1].text, HasSubstr("not read from dc2.contoso.com; part of it could not run because of ports-blocked on "
                                         "dc2.contoso.com (see cause 1); re-run `authwatch probe --only replication` after"));
}

// ---- connectors -----------------------------------------------------------------------------

TEST(Diagnosis, NoXExpsIsConnectorAuth) {
  auto d = run({rec::smtp_no_xexps()});
  ASSERT_EQ(d.causes.size(), 1u);
  const auto& c = d.causes[0];
  EXPECT_EQ(c.cause, "connector-auth");
  EXPECT_EQ(c.kb_step, "connector");
  EXPECT_EQ(c.target, "ex2.contoso.com");
  EXPECT_DOUBLE_EQ(c.confidence, 0.7);
  EXPECT_THAT(c.fix, HasSubstr("`Set-ReceiveConnector \"ex2\\Default ex2\" -AuthMechanism Tls,Integrated,BasicAuth,BasicAuthRequireTLS,ExchangeServer`"));
  EXPECT_EQ(c.evidence[0]["x_exps"], false);
}

TEST(Diagnosis, OffendingConnectorGetsExchangeServerAddedToWhatItHas) {
  auto d = run({rec::connector(true, 5), rec::smtp_no_xexps()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  const auto& c = d.causes[0];
  EXPECT_EQ(c.cause, "connector-auth");
  EXPECT_EQ(c.target, "EX2\\Relay Apps");
  EXPECT_DOUBLE_EQ(c.confidence, 0.95);
  EXPECT_THAT(c.fix, HasSubstr("`Set-ReceiveConnector \"EX2\\Relay Apps\" -AuthMechanism Tls,BasicAuth,ExchangeServer`"));
  EXPECT_THAT(c.fix, HasSubstr("narrow its RemoteIPRanges (10.0.0.0/24)"));
}

TEST(Diagnosis, ConnectorMechanismsAsBitsAddTlsWhenMissing) {
  auto d = run({rec::connector(true, 4)});  // BasicAuth only
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.8) << "one finding alone stays below 0.85";
  EXPECT_THAT(d.causes[0].fix, HasSubstr("-AuthMechanism Tls,BasicAuth,ExchangeServer`"));
  EXPECT_THAT(d.causes[0].summary, HasSubstr("(AuthMechanism BasicAuth)"));
}

TEST(Diagnosis, ConnectorMechanismsFromTheProbesTextWithoutBits) {
  auto f = rec::connector(true, 5);
  f.evidence["connectors"][2].erase("auth_mechanism");
  f.evidence["connectors"][2]["auth_mechanism_text"] = "Integrated, BasicAuth";
  auto d = run({f});
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_THAT(d.causes[0].fix, HasSubstr("-AuthMechanism Tls,Integrated,BasicAuth,ExchangeServer`"));
}

TEST(Diagnosis, NoConnectorOfferingExchangeServerIsConnectorAuth) {
  auto d = run({rec::connector_none_offer(), rec::smtp_no_xexps()});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "connector-auth");
  EXPECT_EQ(d.causes[0].target, "EX2");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.95);
  EXPECT_THAT(d.causes[0].fix, HasSubstr("`Set-ReceiveConnector \"EX2\\Default EX2\" -AuthMechanism Tls,Integrated,BasicAuth,"
                                         "BasicAuthRequireTLS,ExchangeServer -PermissionGroups"));
}

TEST(Diagnosis, NoXExpsThoughTheConnectorsHaveItIsSomethingInBetween) {
  auto d = run({rec::smtp_no_xexps(), rec::connector(false)});
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "smtp-inspection");
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, 0.5);
  EXPECT_THAT(d.causes[0].fix, HasSubstr("no inspect esmtp"));
}

// ---- logging, etype -------------------------------------------------------------------------

TEST(Diagnosis, EtypeMismatch) {
  auto d = run({rec::ticket("etype", {{"krb_error_code", 14}, {"message", "KDC has no support for encryption type"}})});
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].cause, "etype-mismatch");
  EXPECT_THAT(d.causes[0].summary, HasSubstr("KDC_ERR_ETYPE_NOSUPP (14)"));
  EXPECT_THAT(d.causes[0].fix, HasSubstr("msDS-SupportedEncryptionTypes of CONTOSO\\EX2$"));
}

TEST(Diagnosis, KerberosLoggingOffIsANextStepWhileNothingIsCertain) {
  auto unsure = run({rec::kerberos_logging(0), rec::ticket_kdc_unreachable()});
  ASSERT_EQ(unsure.notes.size(), 1u);
  EXPECT_EQ(unsure.notes[0].kind, "next-step");
  EXPECT_THAT(unsure.notes[0].text, HasSubstr("/v LogLevel /t REG_DWORD /d 1"));

  auto sure = run({rec::kerberos_logging(0), rec::ticket_skew(), rec::clock_dc("dc2.contoso.com", 412, "fail")});
  EXPECT_TRUE(sure.notes.empty());
  EXPECT_TRUE(run({rec::kerberos_logging(1)}).notes.empty());
}

// ---- ranking, JSON ----------------------------------------------------------------------------

TEST(Diagnosis, CorroboratedCausesRankFirst) {
  auto d = run({rec::ports_kerberos_filtered("dc1.contoso.com"), rec::smtp_no_xexps(), rec::ticket_skew(),
                rec::clock_dc("dc2.contoso.com", 412, "fail"), rec::replication_dc("dc2.contoso.com", true)});
  ASSERT_EQ(d.causes.size(), 4u) << causes_text(d);
  EXPECT_EQ(d.causes[0].cause, "clock-skew");  // 0.95, two probes
  EXPECT_EQ(d.causes[1].cause, "ports-blocked");  // 0.75
  EXPECT_EQ(d.causes[2].cause, "replication");     // 0.7: ties with the connector; KB order breaks it
  EXPECT_EQ(d.causes[3].cause, "connector-auth");
}

TEST(Diagnosis, JsonListsRankedCausesAndNotes) {
  auto j = to_json(diagnose({rec::ticket_skew(), rec::clock_dc("dc2.contoso.com", 412, "fail"), rec::clock_unreadable()}));
  ASSERT_EQ(j["causes"].size(), 1u);
  const auto& c = j["causes"][0];
  EXPECT_EQ(c["rank"], 1);
  EXPECT_EQ(c["cause"], "clock-skew");
  EXPECT_EQ(c["kb_step"], "clock");
  EXPECT_EQ(c["target"], "dc2.contoso.com");
  EXPECT_DOUBLE_EQ(c["confidence"].get<double>(), 0.95);
  EXPECT_TRUE(c["fix"].is_string());
  EXPECT_TRUE(c["summary"].is_string());
  EXPECT_EQ(c["evidence"][0]["probe"], "clock");
  ASSERT_EQ(j["notes"].size(), 1u);
  EXPECT_EQ(j["notes"][0]["kind"], "unverified");
  EXPECT_EQ(j["notes"][0]["probe"], "clock");
}

// ---- the table itself -------------------------------------------------------------------------

TEST(DiagnosisRules, EveryRowNamesAKnownCauseStepAndProbe) {
  static const std::vector<std::string_view> probes = {"dns", "clock", "ports", "smtp", "spn", "replication", "ticket",
                                                        "connector", "kerberos-logging"};
  for (const auto& r : default_diagnosis_rules().causes) {
    EXPECT_THAT(cause_vocabulary(), ::testing::Contains(r.cause)) << r.name;
    EXPECT_THAT(probes, ::testing::Contains(r.probe)) << r.name;
    EXPECT_NE(r.match, nullptr) << r.name;
    EXPECT_GE(r.confidence, 0.0);
    EXPECT_LE(r.confidence, 1.0);
    EXPECT_TRUE(r.status == FindingStatus::Fail || r.status == FindingStatus::Warn)
        << r.name << ": healthy or unchecked findings must not start a cause";
    for (const auto& m : r.modifiers) EXPECT_THAT(probes, ::testing::Contains(m.probe)) << r.name;
  }
}

TEST(DiagnosisRules, NewCausesAreAppendedSoAlertIdsDoNotMove) {
  // An alert's event id is 1100 + the index (pipeline/alerts.hpp, installer/windows/events.mc).
  const std::vector<std::string_view> before = {"clock-skew",     "replication", "spn-missing",    "spn-duplicate",
                                                "spn-wrong-owner", "stale-key",   "ports-blocked",  "kdc-unreachable",
                                                "connector-auth", "dc-locator",  "etype-mismatch", "smtp-inspection"};
  const auto& v = cause_vocabulary();
  ASSERT_EQ(v.size(), before.size() + 3);
  for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(v[i], before[i]) << i;
  EXPECT_EQ(v[12], "dc-unresponsive");
  EXPECT_EQ(v[13], "trust");
  EXPECT_EQ(v[14], "transport-certificate") << "named by the evidence (core/evidence_causes.hpp)";
}

namespace {

// What the walk below feeds the table: every situation of recorded_findings.hpp and every
// finding of the real lab runs (tests/data/diagnosis/).
std::vector<Finding> sample_findings() {
  auto ex9_unknown = rec::ticket_principal_unknown();
  ex9_unknown.target = "SMTPSVC/ex9.contoso.com";
  auto peer_warn = rec::clock_peer_ahead();
  peer_warn.status = FindingStatus::Warn;
  peer_warn.evidence["offset_seconds"] = 95.0;
  std::vector<Finding> out = {
      rec::clock_dc("dc1.contoso.com", 0.4, "ok"), rec::clock_dc("dc1.contoso.com", 400, "fail"),
      rec::clock_dc("dc2.contoso.com", 402, "fail"), rec::clock_dc("dc2.contoso.com", -95, "warn"), rec::clock_unreadable(),
      rec::clock_peer_ok(), rec::clock_peer_ahead(), peer_warn, rec::ports_all_closed(), rec::ports_kerberos_filtered(),
      rec::ports_ok("dc1.contoso.com"), rec::ports_kdc_unresponsive(), rec::ports_all_slow(), rec::ports_udp88_dropped_tcp_answers(),
      rec::ports_legacy_slow_dc(), rec::ports_with("dc2.contoso.com", {{"464/tcp", "filtered"}}), rec::dns_ok(),
      rec::dns_no_kerberos_records(), rec::smtp_no_xexps(), rec::smtp_ok(), rec::spn_ok(), rec::spn_missing_fqdn(),
      rec::spn_duplicated_on_oldhost(), rec::spn_held_by_oldhost(), rec::spn_forest_duplicates(), rec::spn_no_account(),
      rec::replication_dc("dc2.contoso.com", true), rec::replication_dc("dc1.contoso.com", false), rec::replication_object(true, false),
      rec::replication_object(false, true), rec::replication_object_absent(), rec::ticket_skew(), rec::ticket_principal_unknown(),
      ex9_unknown, rec::ticket("principal-unknown", {{"krb_error_code", 8}}), rec::ticket_kdc_unreachable(), rec::ticket_stale_key(),
      rec::ticket_ok(), rec::ticket("etype", {{"krb_error_code", 14}}), rec::ticket_kdc_unresponsive(), rec::ticket_ok_after_a_silent_kdc(),
      rec::ticket_ok_after_a_silent_kdc("dc2.contoso.com", "dc1.contoso.com", FindingStatus::Warn), rec::ticket_trust(),
      rec::connector(true, 5), rec::connector(false), rec::connector_none_offer(), rec::kerberos_logging(0)};
  for (const auto& entry : std::filesystem::directory_iterator(std::string(AUTHWATCH_TEST_DATA) + "/diagnosis")) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    // The document is kept: a range over parse(in).at(...) would outlive its temporary (found by ASan).
    const auto document = nlohmann::json::parse(in);
    for (const auto& f : document.at("findings")) out.push_back(rec::finding(f.dump()));
  }
  return out;
}

// The findings a cause rests on: distinct (probe, target) among its evidence.
size_t independent_findings(const Cause& c) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& e : c.evidence) seen.emplace(e["probe"].get<std::string>(), to_lower(e["target"].get<std::string>()));
  return seen.size();
}

// The smallest runs that reach `rule`: one finding, or two of its probe for a row whose matcher
// compares several (clock_this_server).
std::vector<std::vector<Finding>> reaching(const DiagnosisRule& rule, const std::vector<Finding>& samples) {
  std::vector<std::vector<Finding>> out;
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& f = samples[i];
    if (f.probe != rule.probe || f.status != rule.status) continue;
    if (rule.rests_on < 2) {
      if (!rule.match(f, {f}).empty()) out.push_back({f});
      continue;
    }
    for (size_t j = 0; j < samples.size(); ++j)
      if (j != i && samples[j].probe == f.probe && !rule.match(f, {f, samples[j]}).empty()) out.push_back({f, samples[j]});
  }
  return out;
}

}  // namespace

// Confidence never exceeds its evidence: a cause at 0.85 or more rests on two independent
// findings (another probe, or another target); one finding alone stays below. Walks every row and
// every modifier that lifts a row that high, with the samples that reach them.
TEST(DiagnosisRules, ACauseAt085OrMoreRestsOnTwoIndependentFindings) {
  const auto samples = sample_findings();
  for (const auto& f : samples)
    for (const auto& c : diagnose({f}).causes)
      EXPECT_LT(c.confidence, kCorroboratedConfidence) << c.cause << " from the lone finding " << f.probe << " " << f.target;
  for (const auto& rule : default_diagnosis_rules().causes) {
    SCOPED_TRACE(std::string(rule.name));
    if (rule.rests_on < 2) {
      EXPECT_LT(rule.confidence, kCorroboratedConfidence) << "a row reading one finding starts below 0.85";
    }
    const auto bases = reaching(rule, samples);
    EXPECT_FALSE(bases.empty()) << "no sample reaches this row: add one to tests/core/recorded_findings.hpp";
    for (const auto& base : bases) {
      for (const auto& c : diagnose(base).causes) {
        if (c.confidence >= kCorroboratedConfidence) {
          EXPECT_GE(independent_findings(c), 2u) << causes_text(diagnose(base));
        }
      }
    }
    for (const auto& m : rule.modifiers) {
      if (m.effect != Modifier::Effect::Corroborates || m.confidence < kCorroboratedConfidence) continue;
      SCOPED_TRACE(std::string(m.probe) + " " + std::string(to_string(m.status)));
      bool lifted = false;
      for (const auto& base : bases) {
        for (const auto& g : samples) {
          if (g.probe != m.probe || g.status != m.status || m.match(g, {g}).empty()) continue;
          if (std::any_of(base.begin(), base.end(), [&](const Finding& b) { return b.probe == g.probe && b.target == g.target; })) continue;
          auto with = base;
          with.push_back(g);
          for (const auto& c : diagnose(with).causes) {
            if (c.confidence < kCorroboratedConfidence) continue;
            EXPECT_GE(independent_findings(c), 2u) << causes_text(diagnose(with));
            lifted = lifted || c.cause == rule.cause;
          }
        }
      }
      EXPECT_TRUE(lifted) << "no sample pair shows this modifier lifting the row: add one";
    }
  }
}

TEST(DiagnosisRules, ALoneFindingIsCappedWhateverItsRowSays) {
  // A row that claims 0.95 on one finding (a mistake this ceiling catches at run time too).
  DiagnosisRules rules;
  rules.causes.push_back({"overconfident", "spn-missing", "spn", "spn", FindingStatus::Fail, diagnosis::spn_missing, 0.95, {}, "{host}",
                          "{setspn_add}"});
  auto d = diagnose({rec::spn_missing_fqdn()}, rules);
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_DOUBLE_EQ(d.causes[0].confidence, kLoneFindingCeiling);
}

TEST(DiagnosisRules, TemplatesKeepUnknownNames) {
  EXPECT_EQ(render_template("On {dc}: {x} {", {{"dc", "dc2"}}), "On dc2: {x} {");
}

TEST(DiagnosisMatchers, AuthMechanismFromBitsTextOrList) {
  using diagnosis::auth_mechanism_names;
  EXPECT_EQ(auth_mechanism_names(5), (std::vector<std::string>{"Tls", "BasicAuth"}));
  EXPECT_EQ(auth_mechanism_names(0), (std::vector<std::string>{"None"}));
  EXPECT_EQ(auth_mechanism_names("tls, Integrated,BasicAuth"), (std::vector<std::string>{"Tls", "Integrated", "BasicAuth"}));
  EXPECT_EQ(auth_mechanism_names(nlohmann::json{"ExchangeServer"}), (std::vector<std::string>{"ExchangeServer"}));
  EXPECT_TRUE(auth_mechanism_names(nullptr).empty());
}

TEST(DiagnosisMatchers, KerberosAndReplicationCodes) {
  EXPECT_EQ(diagnosis::krb_error_name(37), "KRB_AP_ERR_SKEW");
  EXPECT_EQ(diagnosis::krb_error_name(999), "");
  EXPECT_NE(diagnosis::replication_error_hint(-2146893022).find("0x80090322"), std::string_view::npos);
  EXPECT_EQ(diagnosis::replication_error_hint(0), "");
  EXPECT_EQ(diagnosis::seconds_text(412.4), "+412 s");
  EXPECT_EQ(diagnosis::seconds_text(-3.25), "-3.2 s");
}

// ---- real runs on the Samba lab (tests/data/diagnosis/, recorded by tests/cli/diagnosis_lab_test.cpp) --------

namespace {

enum class Expect {
  Fault,      // `cause` on `target` ranks first
  Healthy,    // no cause, no note
  NoFirewall  // a DC slow or hung after a change: no cause but dc-unresponsive, never ports-blocked
};

struct LabRun {
  const char* file;    // tests/data/diagnosis/lab-<test>.json
  Expect expect;
  const char* cause;   // the top cause (Fault)
  const char* target;
};

// One fault each, injected for real (tests/data/diagnosis/PROVENANCE.tsv), DCs 198.18.78.11/.12.
const LabRun kLabRuns[] = {
    {"lab-HealthyLabNamesNoCause.json", Expect::Healthy, "", ""},
    {"lab-MissingSpn.json", Expect::Fault, "spn-missing", "exch01.lab.example"},
    {"lab-DuplicateSpn.json", Expect::Fault, "spn-duplicate", "SMTPSVC/exch01.lab.example"},
    {"lab-SpnOnTheWrongAccount.json", Expect::Fault, "spn-wrong-owner", "SMTPSVC/exch01.lab.example"},
    {"lab-StaleKeyAfterAPasswordChange.json", Expect::Fault, "stale-key", "SMTPSVC/exch01.lab.example"},
    {"lab-Dc2NotReplicatingWhileTheSpnChangesOnDc1.json", Expect::Fault, "replication", "CN=EXCH01,CN=Computers,DC=lab,DC=example"},
    {"lab-DcClockTenMinutesAhead.json", Expect::Fault, "clock-skew", "198.18.78.11"},
    {"lab-PeerClockTenMinutesBehind.json", Expect::Fault, "clock-skew", "127.0.0.1"},
    {"lab-KerberosPortBlockedOnBothDcs.json", Expect::Fault, "ports-blocked", "198.18.78.11"},
    {"lab-KerberosPortDroppedOnOneDcOnly.json", Expect::Fault, "ports-blocked", "198.18.78.12"},
    {"lab-KerberosAndLdapDroppedOnOneDcOnly.json", Expect::Fault, "ports-blocked", "198.18.78.12"},
    {"lab-ConnectorWithoutExchangeServerAuthentication.json", Expect::Fault, "connector-auth", "EXCH01\\Default EXCH01"},
    {"lab-AHungKdcIsDcUnresponsiveNotAFirewall.json", Expect::Fault, "dc-unresponsive", "198.18.78.11"},
    {"lab-ASlowDcIsNeverPortsBlocked.json", Expect::NoFirewall, "", ""},
    {"lab-TheSlowMomentsAfterAChangeNameNoFirewall-AfterUp.json", Expect::NoFirewall, "", ""},
    {"lab-TheSlowMomentsAfterAChangeNameNoFirewall-AfterExchangeSchema.json", Expect::NoFirewall, "", ""},
    {"lab-TheSlowMomentsAfterAChangeNameNoFirewall-AfterAConnector.json", Expect::NoFirewall, "", ""},
};

nlohmann::json read_lab_run(const std::string& file) {
  std::ifstream in(std::string(AUTHWATCH_TEST_DATA) + "/diagnosis/" + file);
  if (!in) throw std::runtime_error("cannot read tests/data/diagnosis/" + file);
  return nlohmann::json::parse(in);
}

std::vector<Finding> findings_of(const nlohmann::json& run) {
  std::vector<Finding> out;
  for (const auto& f : run.at("findings")) out.push_back(rec::finding(f.dump()));
  return out;
}

}  // namespace

// The findings of each real run give the same ranked causes (cause and target, in order) as the run
// printed, with the injected fault first: a rule change that would re-rank a real fault fails here.
TEST(DiagnosisOnLabRuns, EachInjectedFaultIsTheTopCauseAsRecorded) {
  for (const auto& lab : kLabRuns) {
    SCOPED_TRACE(lab.file);
    const auto run = read_lab_run(lab.file);
    const auto d = ::run(findings_of(run));
    const auto recorded = run["diagnosis"]["causes"];
    ASSERT_EQ(d.causes.size(), recorded.size()) << causes_text(d);
    for (size_t i = 0; i < d.causes.size(); ++i) {
      EXPECT_EQ(d.causes[i].cause, recorded[i]["cause"]) << i;
      EXPECT_EQ(d.causes[i].target, recorded[i]["target"]) << i;
    }
    switch (lab.expect) {
      case Expect::Healthy:
        EXPECT_TRUE(d.causes.empty()) << causes_text(d);
        EXPECT_TRUE(d.notes.empty()) << to_json(d)["notes"].dump(1);
        break;
      case Expect::NoFirewall:
        for (const auto& c : d.causes) EXPECT_EQ(c.cause, "dc-unresponsive") << causes_text(d);
        break;
      case Expect::Fault:
        ASSERT_FALSE(d.causes.empty());
        EXPECT_EQ(d.causes[0].cause, lab.cause) << causes_text(d);
        EXPECT_EQ(d.causes[0].target, lab.target) << causes_text(d);
        break;
    }
  }
}

// The real slow DC (samba stopped 6 s): every Kerberos/LDAP port answered, in the slow retry; the
// recorded ports carry it, and no port of the slowed DC reads as blocked.
TEST(DiagnosisOnLabRuns, TheSlowedDcAnsweredInTheRetryAndNothingReadsAsBlocked) {
  const auto run = read_lab_run("lab-ASlowDcIsNeverPortsBlocked.json");
  int slow = 0;
  for (const auto& f : run.at("findings")) {
    if (f["probe"] != "ports" || f["target"] != "198.18.78.11") continue;
    EXPECT_TRUE(f["evidence"]["blocked"].empty()) << f.dump(1);
    for (const auto& p : f["evidence"]["ports"]) slow += p["state"] == "slow";
  }
  EXPECT_GE(slow, 2);
}

// The run that exposed the ticket probe's reading: the SPN on EXCH02$ (same kvno as the peer's
// keytab) is the wrong owner, corroborated by the ticket the peer cannot decrypt, and the ticket's
// own stale-key reading folds into it rather than standing as a second cause.
TEST(DiagnosisOnLabRuns, WrongOwnerIsCorroboratedByTheUndecryptableTicket) {
  const auto d = run(findings_of(read_lab_run("lab-SpnOnTheWrongAccount.json")));
  ASSERT_EQ(d.causes.size(), 1u) << causes_text(d);
  EXPECT_GE(d.causes[0].confidence, 0.95);
  ASSERT_GE(d.causes[0].evidence.size(), 2u);
  EXPECT_EQ(d.causes[0].evidence[1]["probe"], "ticket");
  EXPECT_EQ(d.causes[0].evidence[1]["role"], "corroborates");
  EXPECT_EQ(d.causes[0].evidence[1]["outcome"], "stale-key");
  EXPECT_THAT(d.causes[0].fix, HasSubstr("setspn -D SMTPSVC/exch01.lab.example LAB\\EXCH02$"));
  EXPECT_TRUE(d.notes.empty()) << to_json(d)["notes"].dump(1);
}

// Kerberos dropped on every DC: ports-blocked on each (the firewall is the fix), the ticket's "no KDC
// answered" folded in; kdc-unreachable is for a DC that answers on nothing.
TEST(DiagnosisOnLabRuns, KerberosDroppedEverywhereIsPortsBlockedOnEachDcNotKdcUnreachable) {
  const auto d = run(findings_of(read_lab_run("lab-KerberosPortBlockedOnBothDcs.json")));
  ASSERT_EQ(d.causes.size(), 2u) << causes_text(d);
  for (const auto& c : d.causes) {
    EXPECT_EQ(c.cause, "ports-blocked");
    EXPECT_GE(c.confidence, 0.9) << "the ticket corroborates";
  }
  EXPECT_EQ(d.causes[1].target, "198.18.78.12");
}

// ---- causes the evidence names by itself (core/evidence_causes.hpp) --------------------------


TEST(EvidenceCauses, TheInternalTransportCertificateNamesItsCauseAndTwoRecordsRaiseIt) {
  Signal queue;
  queue.signal_class = SignalClass::Fault;
  queue.status = "CannotLoadInternalTransportCertificate";
  queue.reply = "451 5.7.3 Cannot load Internal Transport Certificate";
  queue.key = queue.event_key = "queue:EX1\\3|t|x";
  queue.rule = "queue-451-5.7.3-transport-certificate";
  auto one = causes_named_by_signals({queue});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].cause, "transport-certificate");
  EXPECT_DOUBLE_EQ(one[0].confidence, 0.8) << "one record stands below 0.85";
  EXPECT_NE(one[0].fix.find("New-ExchangeCertificate"), std::string::npos);
  EXPECT_NE(std::find(cause_vocabulary().begin(), cause_vocabulary().end(), one[0].cause), cause_vocabulary().end());
  auto again = queue;
  again.key = again.event_key = "plog:SEND.LOG:40";
  EXPECT_DOUBLE_EQ(causes_named_by_signals({queue, again})[0].confidence, 0.9);
  EXPECT_DOUBLE_EQ(causes_named_by_signals({queue, queue})[0].confidence, 0.8) << "the same record twice is one";
  auto noise = queue;
  noise.signal_class = SignalClass::Noise;
  EXPECT_TRUE(causes_named_by_signals({noise}).empty());
  Signal other = queue;
  other.status = "TemporaryAuthenticationFailure";
  EXPECT_TRUE(causes_named_by_signals({other}).empty());

  Diagnosis d;
  Cause weak;
  weak.cause = "clock-skew";
  weak.confidence = 0.6;
  d.causes.push_back(weak);
  add_named_causes(d, one);
  ASSERT_EQ(d.causes.size(), 2u);
  EXPECT_EQ(d.causes[0].cause, "transport-certificate") << "ranked by confidence";
}

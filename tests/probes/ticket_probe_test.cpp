// The "ticket" probe without a KDC: the outcome vocabulary (RFC 4120 codes and MIT's status
// codes), the verdict and its evidence, KDC entries, which host is asked for, and the real MIT
// library's answers when there is nothing to authenticate with (no network involved).
#include <gtest/gtest.h>

#include <krb5/krb5.h>

#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "probes/posix/krb5_status.hpp"
#include "probes/probe_set.hpp"
#include "probes/protocols/kdc_exchange.hpp"
#include "probes/ticket_probe.hpp"
#include "ticket_probe_runner.hpp"

namespace authwatch::probes {
namespace {

using namespace std::chrono_literals;

TEST(TicketOutcome, KdcErrorsNameTheCause) {
  EXPECT_EQ(outcome_of_krb_error(7, KerberosSide::Kdc), TicketOutcome::PrincipalUnknown);
  EXPECT_EQ(outcome_of_krb_error(8, KerberosSide::Kdc), TicketOutcome::PrincipalUnknown);  // duplicate, non-AD KDCs
  EXPECT_EQ(outcome_of_krb_error(37, KerberosSide::Kdc), TicketOutcome::Skew);
  EXPECT_EQ(outcome_of_krb_error(14, KerberosSide::Kdc), TicketOutcome::Etype);
  EXPECT_EQ(outcome_of_krb_error(24, KerberosSide::Kdc), TicketOutcome::NoCredentials);  // our own key is wrong
  EXPECT_EQ(outcome_of_krb_error(32, KerberosSide::Kdc), TicketOutcome::NoCredentials);  // our TGT expired
  EXPECT_EQ(outcome_of_krb_error(60, KerberosSide::Kdc), TicketOutcome::Other);
}

TEST(TicketOutcome, TheSameCodeFromTheAcceptorMeansAStaleKey) {
  EXPECT_EQ(outcome_of_krb_error(31, KerberosSide::Acceptor), TicketOutcome::StaleKey);  // BAD_INTEGRITY
  EXPECT_EQ(outcome_of_krb_error(44, KerberosSide::Acceptor), TicketOutcome::StaleKey);  // BADKEYVER
  EXPECT_EQ(outcome_of_krb_error(45, KerberosSide::Acceptor), TicketOutcome::StaleKey);  // NOKEY
  // No key in the keytab decrypts it (MIT, keytab under the account's name): also the wrong owner's key.
  EXPECT_EQ(outcome_of_krb_error(35, KerberosSide::Acceptor), TicketOutcome::StaleKey);  // NOT_US
  EXPECT_EQ(outcome_of_krb_error(35, KerberosSide::Kdc), TicketOutcome::Other);
  EXPECT_EQ(outcome_of_krb_error(31, KerberosSide::Kdc), TicketOutcome::Other);
  EXPECT_EQ(outcome_of_krb_error(7, KerberosSide::Acceptor), TicketOutcome::Other);
  EXPECT_EQ(outcome_of_krb_error(37, KerberosSide::Acceptor), TicketOutcome::Skew);
}

// docs/domain.md §10: BAD_INTEGRITY on the cross-realm TGS request is the trust, from the client side.
TEST(TicketOutcome, BadIntegrityFromTheOtherRealmsKdcIsTheTrust) {
  EXPECT_EQ(outcome_of_krb_error(31, KerberosSide::ForeignKdc), TicketOutcome::Trust);
  // Everything else the other realm's KDC says means what our own KDC's would.
  EXPECT_EQ(outcome_of_krb_error(7, KerberosSide::ForeignKdc), TicketOutcome::PrincipalUnknown);
  EXPECT_EQ(outcome_of_krb_error(37, KerberosSide::ForeignKdc), TicketOutcome::Skew);
  EXPECT_EQ(outcome_of_krb_error(32, KerberosSide::ForeignKdc), TicketOutcome::NoCredentials);
  EXPECT_EQ(outcome_of_krb_error(35, KerberosSide::ForeignKdc), TicketOutcome::Other);
}

TEST(TicketOutcome, NamesAreTheFindingsVocabulary) {
  EXPECT_EQ(to_string(TicketOutcome::Ok), "ok");
  EXPECT_EQ(to_string(TicketOutcome::PrincipalUnknown), "principal-unknown");
  EXPECT_EQ(to_string(TicketOutcome::Skew), "skew");
  EXPECT_EQ(to_string(TicketOutcome::Etype), "etype");
  EXPECT_EQ(to_string(TicketOutcome::KdcUnreachable), "kdc-unreachable");
  EXPECT_EQ(to_string(TicketOutcome::StaleKey), "stale-key");
  EXPECT_EQ(to_string(TicketOutcome::NoCredentials), "no-credentials");
  EXPECT_EQ(to_string(TicketOutcome::Other), "other");
  EXPECT_EQ(to_string(TicketOutcome::KdcUnresponsive), "kdc-unresponsive");
  EXPECT_EQ(to_string(TicketOutcome::Trust), "trust");
}

TEST(MitStatus, ProtocolCodesCarryTheirRfcNumber) {
  auto s = classify_krb5_status(KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, KerberosSide::Kdc);
  EXPECT_EQ(s.outcome, TicketOutcome::PrincipalUnknown);
  EXPECT_EQ(s.krb_error_code, 7);
  s = classify_krb5_status(KRB5KRB_AP_ERR_SKEW, KerberosSide::Kdc);
  EXPECT_EQ(s.outcome, TicketOutcome::Skew);
  EXPECT_EQ(s.krb_error_code, 37);
  s = classify_krb5_status(KRB5KDC_ERR_ETYPE_NOSUPP, KerberosSide::Kdc);
  EXPECT_EQ(s.outcome, TicketOutcome::Etype);
  EXPECT_EQ(s.krb_error_code, 14);
  s = classify_krb5_status(KRB5KRB_AP_ERR_BADKEYVER, KerberosSide::Acceptor);
  EXPECT_EQ(s.outcome, TicketOutcome::StaleKey);
  EXPECT_EQ(s.krb_error_code, 44);
  EXPECT_EQ(classify_krb5_status(KRB5KRB_AP_ERR_BAD_INTEGRITY, KerberosSide::Acceptor).outcome, TicketOutcome::StaleKey);
  s = classify_krb5_status(KRB5KRB_AP_ERR_BAD_INTEGRITY, KerberosSide::ForeignKdc);
  EXPECT_EQ(s.outcome, TicketOutcome::Trust);
  EXPECT_EQ(s.krb_error_code, 31);
  EXPECT_EQ(classify_krb5_status(KRB5KRB_AP_ERR_BAD_INTEGRITY, KerberosSide::Kdc).outcome, TicketOutcome::Other);
  EXPECT_EQ(classify_krb5_status(KRB5_FCC_NOFILE, KerberosSide::ForeignKdc).outcome, TicketOutcome::NoCredentials);
}

TEST(MitStatus, LocalCodesHaveNoRfcNumber) {
  auto s = classify_krb5_status(KRB5_KDC_UNREACH, KerberosSide::Kdc);
  EXPECT_EQ(s.outcome, TicketOutcome::KdcUnreachable);
  EXPECT_FALSE(s.krb_error_code);
  EXPECT_EQ(classify_krb5_status(KRB5_REALM_CANT_RESOLVE, KerberosSide::Kdc).outcome, TicketOutcome::KdcUnreachable);
  EXPECT_EQ(classify_krb5_status(KRB5_REALM_UNKNOWN, KerberosSide::Kdc).outcome, TicketOutcome::KdcUnreachable);
  EXPECT_EQ(classify_krb5_status(KRB5_FCC_NOFILE, KerberosSide::Kdc).outcome, TicketOutcome::NoCredentials);
  EXPECT_EQ(classify_krb5_status(KRB5_CC_NOTFOUND, KerberosSide::Kdc).outcome, TicketOutcome::NoCredentials);
  EXPECT_EQ(classify_krb5_status(KRB5_KT_KVNONOTFOUND, KerberosSide::Acceptor).outcome, TicketOutcome::StaleKey);
  EXPECT_EQ(classify_krb5_status(KRB5_KDCREP_SKEW, KerberosSide::Kdc).outcome, TicketOutcome::Skew);
  EXPECT_EQ(classify_krb5_status(KRB5_PROG_ETYPE_NOSUPP, KerberosSide::Kdc).outcome, TicketOutcome::Etype);
  EXPECT_EQ(classify_krb5_status(KRB5_CC_IO, KerberosSide::Kdc).outcome, TicketOutcome::Other);
  EXPECT_EQ(classify_krb5_status(0, KerberosSide::Kdc).outcome, TicketOutcome::Ok);
}

TicketResult result_of(TicketOutcome outcome) {
  TicketResult r;
  r.outcome = outcome;
  r.client = "Administrator@LAB.EXAMPLE";
  return r;
}

// What the probe saw on the wire: the KDC that answered, its KRB-ERROR code and clock offset.
TicketWire wire_of(std::string kdc, std::optional<int> code, std::optional<double> offset) {
  TicketWire w;
  w.kdc = std::move(kdc);
  w.krb_error_code = code;
  w.kdc_offset_seconds = offset;
  return w;
}

TEST(TicketVerdict, OkCarriesKvnoClientAndKdc) {
  auto r = result_of(TicketOutcome::Ok);
  r.kvno = 3;
  r.gss_major = 1;  // GSS_S_CONTINUE_NEEDED: mutual authentication asked for
  r.gss_minor = 0;
  TicketWire wire = wire_of("198.18.77.11:88/tcp", std::nullopt, std::nullopt);
  auto f = judge_ticket("SMTPSVC/exch01.lab.example", r, wire);
  EXPECT_EQ(f.probe, "ticket");
  EXPECT_EQ(f.target, "SMTPSVC/exch01.lab.example");
  EXPECT_EQ(f.status, FindingStatus::Ok);
  EXPECT_EQ(f.evidence["outcome"], "ok");
  EXPECT_EQ(f.evidence["kvno"], 3);
  EXPECT_EQ(f.evidence["client"], "Administrator@LAB.EXAMPLE");
  EXPECT_EQ(f.evidence["kdc"], "198.18.77.11:88/tcp");
  EXPECT_EQ(f.evidence["gss_major"], 1);
  EXPECT_FALSE(f.evidence.contains("krb_error_code"));
  EXPECT_FALSE(f.evidence.contains("accept"));  // only with a peer keytab
  EXPECT_TRUE(f.remediation.empty());
}

TEST(TicketVerdict, CausesFailAndLackOfCredentialsIsAnError) {
  for (auto [outcome, status] : {std::pair{TicketOutcome::PrincipalUnknown, FindingStatus::Fail}, std::pair{TicketOutcome::Skew, FindingStatus::Fail},
                                 std::pair{TicketOutcome::Etype, FindingStatus::Fail}, std::pair{TicketOutcome::KdcUnreachable, FindingStatus::Fail},
                                 std::pair{TicketOutcome::StaleKey, FindingStatus::Fail}, std::pair{TicketOutcome::NoCredentials, FindingStatus::Error},
                                 std::pair{TicketOutcome::Other, FindingStatus::Error},
                                 std::pair{TicketOutcome::KdcUnresponsive, FindingStatus::Fail}, std::pair{TicketOutcome::Trust, FindingStatus::Fail}}) {
    auto f = judge_ticket("SMTPSVC/ex2.contoso.com", result_of(outcome), {});
    EXPECT_EQ(f.status, status) << to_string(outcome);
    EXPECT_EQ(f.evidence["outcome"], std::string(to_string(outcome)));
    if (status == FindingStatus::Fail) {
      EXPECT_FALSE(f.remediation.empty()) << to_string(outcome);
    }
  }
}

TEST(TicketVerdict, TheKdcsOwnCodeIsTheEvidence) {
  auto r = result_of(TicketOutcome::PrincipalUnknown);
  r.krb_error_code = 7;
  r.gss_minor = KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN;
  auto f = judge_ticket("SMTPSVC/ex2.contoso.com", r, wire_of("dc1:88/tcp", 8, std::nullopt));
  EXPECT_EQ(f.evidence["krb_error_code"], 8);  // what the KDC sent wins over the library's code
  EXPECT_EQ(f.evidence["gss_minor"], KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN);
  EXPECT_NE(f.summary.find("KDC_ERR_PRINCIPAL_NOT_UNIQUE"), std::string::npos) << f.summary;
  EXPECT_NE(f.summary.find("spn probe"), std::string::npos) << f.summary;
  EXPECT_NE(f.remediation.find("setspn -X"), std::string::npos);
}

TEST(TicketVerdict, SkewSaysHowFarTheKdcIsOff) {
  auto r = result_of(TicketOutcome::Skew);
  r.krb_error_code = 37;
  auto f = judge_ticket("SMTPSVC/ex2.contoso.com", r, wire_of("dc1:88/tcp", 37, 600.4));
  EXPECT_EQ(f.evidence["krb_error_code"], 37);
  EXPECT_NE(f.summary.find("+600 s"), std::string::npos) << f.summary;
}

TEST(TicketVerdict, StaleKeyComparesTicketAndKeytabVersions) {
  auto r = result_of(TicketOutcome::StaleKey);
  r.kvno = 3;
  r.accept = AcceptResult{false, 2, "Key version is not available", KRB5KRB_AP_ERR_BADKEYVER, TicketOutcome::StaleKey};
  auto f = judge_ticket("SMTPSVC/exch01.lab.example", r, {});
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["kvno"], 3);
  EXPECT_EQ(f.evidence["accept"]["ok"], false);
  EXPECT_EQ(f.evidence["accept"]["keytab_kvno"], 2);
  EXPECT_EQ(f.evidence["accept"]["error"], "Key version is not available");
  EXPECT_EQ(f.evidence["accept"]["gss_minor"], KRB5KRB_AP_ERR_BADKEYVER);
  EXPECT_NE(f.summary.find("kvno 3"), std::string::npos) << f.summary;
  EXPECT_NE(f.summary.find("kvno 2"), std::string::npos) << f.summary;
}

// Recorded on the lab (tests/cli/diagnosis_lab_test.cpp SpnOnTheWrongAccount): SMTPSVC/exch01 moved
// to EXCH02$, whose key is kvno 2 like EXCH01$'s; the ticket is in EXCH02$'s key.
TEST(TicketVerdict, SameKvnoOtherKeyIsNotCalledOnlyAStaleKey) {
  auto r = result_of(TicketOutcome::StaleKey);
  r.kvno = 2;
  r.accept = AcceptResult{false, 2, "Request ticket server SMTPSVC/exch01.lab.example@LAB.EXAMPLE not found in keytab (ticket kvno 2)",
                          KRB5KRB_AP_ERR_NOT_US, TicketOutcome::StaleKey};
  auto f = judge_ticket("SMTPSVC/exch01.lab.example", r, {});
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["outcome"], "stale-key");
  EXPECT_NE(f.summary.find("kvno 2 too"), std::string::npos) << f.summary;
  EXPECT_NE(f.summary.find("SPN on another account"), std::string::npos) << f.summary;
}

TEST(TicketVerdict, AnOkTicketIsNotBlamedOnAnEarlierKrbError) {
  // PREAUTH_REQUIRED (25) comes before every AS-REP: the final verdict carries no code.
  auto f = judge_ticket("SMTPSVC/x", result_of(TicketOutcome::Ok), wire_of("dc1:88/tcp", 25, 0.1));
  EXPECT_FALSE(f.evidence.contains("krb_error_code"));
}

KdcAttempt silent_tcp(const std::string& kdc) {
  return {kdc, "tcp", true, false, true, "connected, but no reply from " + kdc + " by the deadline (TCP)"};
}

TEST(TicketVerdict, AKdcThatTookTheConnectionAndSaidNothingIsNamed) {
  auto r = result_of(TicketOutcome::KdcUnresponsive);
  r.message = "no KDC of LAB.EXAMPLE answered: connected, but no reply from 198.18.77.11:88 by the deadline (TCP)";
  TicketWire wire;
  wire.kdc_realm = "LAB.EXAMPLE";
  wire.attempts = {silent_tcp("198.18.77.11:88"), {"198.18.77.12:88", "tcp", false, false, true, "no TCP connection to 198.18.77.12:88 by the deadline"}};
  TicketFirstAttempt first{r, wire, 2.8};
  auto f = judge_ticket("SMTPSVC/exch01.lab.example", r, wire, first);
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["outcome"], "kdc-unresponsive");
  ASSERT_EQ(f.evidence["kdc_attempts"].size(), 2u);
  EXPECT_EQ(f.evidence["kdc_attempts"][0]["kdc"], "198.18.77.11:88");
  EXPECT_EQ(f.evidence["kdc_attempts"][0]["connected"], true);
  EXPECT_EQ(f.evidence["kdc_attempts"][0]["answered"], false);
  EXPECT_EQ(f.evidence["kdc_attempts"][0]["timed_out"], true);
  EXPECT_EQ(f.evidence["kdc_attempts"][1]["connected"], false);
  EXPECT_EQ(f.evidence["first_attempt"]["outcome"], "kdc-unresponsive");
  EXPECT_DOUBLE_EQ(f.evidence["first_attempt"]["seconds"].get<double>(), 2.8);
  EXPECT_EQ(f.evidence["kdc_realm"], "LAB.EXAMPLE");
  EXPECT_NE(f.summary.find("198.18.77.11:88 accepted the connection but did not answer, not even in the slow retry"), std::string::npos)
      << f.summary;
  EXPECT_EQ(f.summary.find("198.18.77.12"), std::string::npos) << "only the KDC that connected is named: " << f.summary;
  EXPECT_EQ(f.remediation.find("Open TCP"), std::string::npos) << "not a firewall: " << f.remediation;
}

TEST(TicketVerdict, ATicketOnlyTheSlowRetryGotIsAWarning) {
  auto first_result = result_of(TicketOutcome::KdcUnreachable);
  first_result.message = "no KDC of LAB.EXAMPLE answered: no TCP connection to 198.18.77.11:88 by the deadline";
  TicketWire first_wire;
  first_wire.attempts = {{"198.18.77.11:88", "tcp", false, false, true, "no TCP connection to 198.18.77.11:88 by the deadline"}};
  auto r = result_of(TicketOutcome::Ok);
  r.kvno = 2;
  TicketWire wire = wire_of("198.18.77.11:88/tcp", std::nullopt, std::nullopt);
  wire.attempts = {{"198.18.77.11:88", "tcp", true, true, false, ""}};
  auto f = judge_ticket("SMTPSVC/exch01.lab.example", r, wire, TicketFirstAttempt{first_result, first_wire, 2.8});
  EXPECT_EQ(f.status, FindingStatus::Warn);
  EXPECT_EQ(f.evidence["outcome"], "ok");
  EXPECT_NE(f.summary.find("only in the slow retry"), std::string::npos) << f.summary;
  EXPECT_EQ(f.evidence["first_attempt"]["outcome"], "kdc-unreachable");
  EXPECT_EQ(f.evidence["kdc_attempts"][0]["answered"], true);
}

TEST(TicketVerdict, TheOtherRealmRefusingTheReferralIsTheTrust) {
  auto r = result_of(TicketOutcome::Trust);
  r.client = "EXCH01$@CHILD.LAB.EXAMPLE";
  r.krb_error_code = 31;
  TicketWire wire = wire_of("198.18.77.11:88/tcp", 31, std::nullopt);
  wire.kdc_realm = "LAB.EXAMPLE";
  auto f = judge_ticket("SMTPSVC/exch02.lab.example", r, wire);
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["outcome"], "trust");
  EXPECT_EQ(f.evidence["krb_error_code"], 31);
  EXPECT_EQ(f.evidence["kdc_realm"], "LAB.EXAMPLE");
  EXPECT_NE(f.summary.find("the KDC of LAB.EXAMPLE cannot read the referral ticket"), std::string::npos) << f.summary;
  EXPECT_NE(f.summary.find("KRB_AP_ERR_BAD_INTEGRITY"), std::string::npos) << f.summary;
  EXPECT_NE(f.remediation.find("netdom trust"), std::string::npos) << f.remediation;
}

TEST(TicketVerdict, SilentKdcsAreThoseThatConnectedAndTimedOut) {
  EXPECT_TRUE(met_a_silent_kdc({silent_tcp("dc1:88")}));
  EXPECT_FALSE(met_a_silent_kdc({{"dc1:88", "tcp", false, false, true, "no TCP connection"}}));  // a firewall's silence
  EXPECT_FALSE(met_a_silent_kdc({{"dc1:88", "tcp", true, false, false, "closed the connection"}}));
  EXPECT_FALSE(met_a_silent_kdc({}));
}

TEST(KdcEntry, HostPortAndTransportPrefixes) {
  auto e = parse_kdc_entry("dc1.lab.example");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "dc1.lab.example");
  EXPECT_EQ(e->port, 88);
  e = parse_kdc_entry(" 198.18.77.11:8888 ");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "198.18.77.11");
  EXPECT_EQ(e->port, 8888);
  e = parse_kdc_entry("tcp/dc2.lab.example:88");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "dc2.lab.example");
  e = parse_kdc_entry("[fd00::11]:750");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "fd00::11");
  EXPECT_EQ(e->port, 750);
  e = parse_kdc_entry("fd00::11");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "fd00::11");
  EXPECT_EQ(e->port, 88);
  EXPECT_FALSE(parse_kdc_entry(""));
  EXPECT_FALSE(parse_kdc_entry("https://kdcproxy.example/KdcProxy"));
  EXPECT_FALSE(parse_kdc_entry("dc1:0"));
  EXPECT_FALSE(parse_kdc_entry("dc1:88x"));
  EXPECT_FALSE(parse_kdc_entry("[fd00::11"));
}

TEST(TicketServiceHost, PeerFqdnElseThePeersNameNeverAnAddress) {
  ProbeTargets t;
  EXPECT_EQ(ticket_service_host(t), "");
  t.peer = "ex2.contoso.com:2525";
  EXPECT_EQ(ticket_service_host(t), "ex2.contoso.com");
  t.peer = "192.0.2.7:25";
  EXPECT_EQ(ticket_service_host(t), "");
  t.peer = "[2001:db8::7]:25";
  EXPECT_EQ(ticket_service_host(t), "");
  t.peer_fqdn = "ex2.contoso.com";
  EXPECT_EQ(ticket_service_host(t), "ex2.contoso.com");
}

TEST(TicketProbe, IsRegisteredAsTicket) {
  auto probes = make_probes({"ticket"});
  ASSERT_TRUE(probes);
  ASSERT_EQ(probes.value().size(), 1u);
  EXPECT_EQ(probes.value()[0]->name(), "ticket");
}

TEST(TicketProbe, WithoutAPeerItIsSkipped) {
  ProbeTargets t;
  t.realm = "LAB.EXAMPLE";
  auto findings = test::run_ticket_probe(t, ProbeSettings{});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].status, FindingStatus::Skipped);
}

// The real MIT library, no KDC needed: a cache file that does not exist and no client keytab.
TEST(TicketProbe, NoCacheAndNoKeytabIsNoCredentials) {
  ProbeTargets t;
  t.realm = "LAB.EXAMPLE";
  t.peer_fqdn = "exch01.lab.example";
  t.dcs = {"127.0.0.1"};
  t.ccache = "FILE:/nonexistent/authwatch-no-such-ccache";
  t.client_keytab = "FILE:/nonexistent/authwatch-no-such-keytab";
  auto findings = test::run_ticket_probe(t, ProbeSettings{});
  ASSERT_EQ(findings.size(), 1u);
  const auto& f = findings[0];
  EXPECT_EQ(f.status, FindingStatus::Error);
  EXPECT_EQ(f.evidence["outcome"], "no-credentials");
  const std::string message = f.evidence["message"];
  EXPECT_NE(message.find("/nonexistent/authwatch-no-such-ccache"), std::string::npos) << message;
  EXPECT_NE(message.find("/nonexistent/authwatch-no-such-keytab"), std::string::npos) << message;
}

}  // namespace
}  // namespace authwatch::probes

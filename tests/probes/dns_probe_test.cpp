// The "dns" probe: its SRV names, its verdicts (pure), the skip without a domain, its deadline
// against a silent DNS server on 127.0.0.1, and DC discovery against the Samba lab's DC1.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "lab_env.hpp"
#include "probes/dns_probe.hpp"
#include "tests/lab/lab_skip.hpp"

namespace authwatch::probes {
namespace {

namespace asio = boost::asio;
using namespace std::chrono;
using namespace std::chrono_literals;

// Runs the probe as the engine would: one io_context, a two-thread pool for the resolver.
std::vector<Finding> run_dns_probe(const ProbeTargets& targets, const ProbeSettings& settings) {
  asio::io_context io;
  asio::thread_pool pool(2);
  ProbeContext ctx{io, pool, targets, settings};
  DnsProbe probe;
  std::optional<std::vector<Finding>> out;
  asio::co_spawn(io, probe.run(ctx), [&out](std::exception_ptr error, std::vector<Finding> findings) {
    if (!error) out = std::move(findings);
  });
  const auto give_up = steady_clock::now() + 30s;  // a hang fails the test, not the suite
  while (!out && steady_clock::now() < give_up) io.run_one_for(50ms);
  pool.join();
  if (!out) ADD_FAILURE() << "the dns probe did not complete";
  return out.value_or(std::vector<Finding>{});
}

ProbeTargets lab_example(std::string dns_server, std::string site = "") {
  ProbeTargets t;
  t.domain = "lab.example";
  t.dns_server = std::move(dns_server);
  t.site = std::move(site);
  return t;
}

TEST(DnsProbeNames, AsksTheDcLocatorThenTheSiteThenKerberos) {
  EXPECT_EQ(dc_locator_srv_names(lab_example("")),
            (std::vector<std::string>{"_ldap._tcp.dc._msdcs.lab.example", "_kerberos._tcp.lab.example"}));
  EXPECT_EQ(dc_locator_srv_names(lab_example("", "Branch-1")),
            (std::vector<std::string>{"_ldap._tcp.dc._msdcs.lab.example", "_ldap._tcp.Branch-1._sites.dc._msdcs.lab.example",
                                      "_kerberos._tcp.lab.example"}));
}

SrvRecord srv(std::string target, uint16_t port) {
  SrvRecord r;
  r.target = std::move(target);
  r.port = port;
  return r;
}

TEST(DnsProbeVerdict, RecordsAreOkWithTheirEvidence) {
  SrvAnswer answer = Result<std::vector<SrvRecord>>(std::vector<SrvRecord>{srv("dc1.lab.example", 389), srv("dc2.lab.example", 389)});
  auto f = judge_srv("_ldap._tcp.dc._msdcs.lab.example", answer, "198.18.77.11");
  EXPECT_EQ(f.status, FindingStatus::Ok);
  EXPECT_EQ(f.probe, "dns");
  EXPECT_EQ(f.target, "_ldap._tcp.dc._msdcs.lab.example");
  ASSERT_EQ(f.evidence["records"].size(), 2u);
  EXPECT_EQ(f.evidence["records"][1]["target"], "dc2.lab.example");
  EXPECT_EQ(f.evidence["records"][1]["port"], 389);
  EXPECT_EQ(f.evidence["dns_server"], "198.18.77.11");
}

TEST(DnsProbeVerdict, NoRecordsIsAFailPointingAtNetlogon) {
  SrvAnswer answer = Result<std::vector<SrvRecord>>(std::vector<SrvRecord>{});
  auto f = judge_srv("_kerberos._tcp.lab.example", answer, "");
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_NE(f.remediation.find("Netlogon"), std::string::npos) << f.remediation;
  EXPECT_EQ(f.evidence["dns_server"], "the system resolver");
}

TEST(DnsProbeVerdict, LookupFailureOrNoAnswerIsAnError) {
  auto failed = judge_srv("_kerberos._tcp.lab.example", SrvAnswer{Error{"no reply within 1000 ms"}}, "198.18.77.11");
  EXPECT_EQ(failed.status, FindingStatus::Error);
  EXPECT_EQ(failed.evidence["error"], "no reply within 1000 ms");
  auto late = judge_srv("_kerberos._tcp.lab.example", SrvAnswer{}, "198.18.77.11");
  EXPECT_EQ(late.status, FindingStatus::Error);
  EXPECT_NE(late.summary.find("deadline"), std::string::npos) << late.summary;
}

TEST(DnsProbeDiscovery, DcLocatorTargetsInOrderWithoutDuplicates) {
  std::vector<std::string> names{"_ldap._tcp.dc._msdcs.x", "_ldap._tcp.S._sites.dc._msdcs.x", "_kerberos._tcp.x"};
  std::vector<SrvAnswer> answers{Result<std::vector<SrvRecord>>(std::vector<SrvRecord>{srv("dc2.x", 389), srv("dc1.x", 389)}),
                                 Result<std::vector<SrvRecord>>(std::vector<SrvRecord>{srv("dc1.x", 389), srv("dc3.x", 389)}),
                                 Result<std::vector<SrvRecord>>(std::vector<SrvRecord>{srv("kdc9.x", 88)})};
  EXPECT_EQ(discovered_dcs(names, answers), (std::vector<std::string>{"dc2.x", "dc1.x", "dc3.x"}));
}

TEST(DnsProbeDiscovery, KerberosTargetsOnlyWhenTheLocatorFoundNothing) {
  std::vector<std::string> names{"_ldap._tcp.dc._msdcs.x", "_kerberos._tcp.x"};
  std::vector<SrvAnswer> answers{SrvAnswer{Error{"timeout"}}, Result<std::vector<SrvRecord>>(std::vector<SrvRecord>{srv("kdc9.x", 88)})};
  EXPECT_EQ(discovered_dcs(names, answers), (std::vector<std::string>{"kdc9.x"}));
  answers[1] = SrvAnswer{};
  EXPECT_TRUE(discovered_dcs(names, answers).empty());
}

TEST(DnsProbeRun, WithoutADomainItIsSkipped) {
  ProbeTargets none;
  auto findings = run_dns_probe(none, ProbeSettings{});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].status, FindingStatus::Skipped);
  EXPECT_EQ(findings[0].probe, "dns");
}

TEST(DnsProbeRun, SilentDnsServerGivesErrorsByTheDeadline) {
  // A bound UDP socket nobody reads: queries vanish.
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ProbeSettings settings;
  settings.deadline = 1500ms;
  auto t0 = steady_clock::now();
  auto findings = run_dns_probe(lab_example("127.0.0.1:" + std::to_string(ntohs(a.sin_port)), "S"), settings);
  auto took = duration_cast<milliseconds>(steady_clock::now() - t0);
  close(fd);
  ASSERT_EQ(findings.size(), 3u);
  for (const auto& f : findings) EXPECT_EQ(f.status, FindingStatus::Error) << f.target << ": " << f.summary;
  EXPECT_TRUE(findings[0].evidence["discovered_dcs"].empty());
  // Two pool threads: the third lookup starts when the first two gave up, too late for the
  // resolver's 1 s granule, and must not run past the deadline (the engine joins the pool).
  EXPECT_LE(took, settings.deadline + 300ms);
  EXPECT_GE(took, 900ms);
}

// The lab runs one or two DCs (adlab.sh up 1|2): DC1 is always there, and nothing but lab DCs.
void expect_lab_dcs(const nlohmann::json& dcs) {
  ASSERT_TRUE(dcs.is_array()) << dcs;
  EXPECT_NE(std::find(dcs.begin(), dcs.end(), "dc1.lab.example"), dcs.end()) << dcs;
  EXPECT_LE(dcs.size(), 2u) << dcs;
  for (const auto& dc : dcs) EXPECT_TRUE(dc == "dc1.lab.example" || dc == "dc2.lab.example") << dc;
}

TEST(DnsProbeLab, FindsDc1AndReportsItForTheEngine) {
  std::string why;
  if (!test::lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
  auto findings = run_dns_probe(lab_example(test::dc_ip(1), "Default-First-Site-Name"), ProbeSettings{});
  ASSERT_EQ(findings.size(), 3u);
  for (const auto& f : findings) EXPECT_EQ(f.status, FindingStatus::Ok) << f.target << ": " << f.summary;
  EXPECT_EQ(findings[0].target, "_ldap._tcp.dc._msdcs.lab.example");
  expect_lab_dcs(findings[0].evidence["discovered_dcs"]);
  EXPECT_EQ(findings[2].evidence["records"][0]["port"], 88);
}

TEST(DnsProbeLab, MissingSiteIsAFailNotAnError) {
  std::string why;
  if (!test::lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
  auto findings = run_dns_probe(lab_example(test::dc_ip(1), "NoSuchSite"), ProbeSettings{});
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[0].status, FindingStatus::Ok);
  EXPECT_EQ(findings[1].status, FindingStatus::Fail) << findings[1].summary;
  expect_lab_dcs(findings[0].evidence["discovered_dcs"]);
}

}  // namespace
}  // namespace authwatch::probes

// The smtp probe: reply/capability parsing, the finding rules, and real conversations with the
// scripted Exchange peer (tests/peers/exchange_smtp_peer.py) on 127.0.0.1, hostile modes included.
#include "probes/smtp_probe.hpp"

#include <chrono>
#include <optional>
#include <iostream>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "probes/engine.hpp"
#include "tests/peers/peer_process.hpp"
#include "tests/probes/deadline_timing.hpp"

using namespace authwatch;
using namespace authwatch::probes;
using namespace std::chrono;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

const std::string kPeerScript = std::string(AUTHWATCH_PEERS_DIR) + "/exchange_smtp_peer.py";
// The bound: a probe against a hostile peer ends within its deadline plus kSlack (300 ms,
// tests/probes/deadline_timing.hpp).
constexpr milliseconds kHostileDeadline{1000};

// smtp_ehlo on a private io_context, bounded even if the client were to misbehave.
EhloResult ehlo_now(const std::string& host, uint16_t port, milliseconds deadline, size_t max_reply_bytes = 64 * 1024) {
  asio::io_context io;
  asio::thread_pool pool(1);
  ProbeTargets targets;
  ProbeSettings settings;
  settings.max_reply_bytes = max_reply_bytes;
  ProbeContext ctx{io, pool, targets, settings};
  std::optional<EhloResult> out;
  asio::co_spawn(io, smtp_ehlo(ctx, host, port, "authwatch-test.lab.example", steady_clock::now() + deadline),
                 [&](std::exception_ptr, EhloResult r) { out = std::move(r); });
  io.run_for(deadline + seconds{2});
  if (!out) {
    EhloResult hung;
    hung.error = "smtp_ehlo did not complete";
    return hung;
  }
  return *out;
}

std::vector<Finding> probe_now(const std::string& peer, milliseconds deadline, std::vector<uint16_t> ports = {25, 2525}) {
  std::vector<std::unique_ptr<Probe>> probes;
  probes.push_back(std::make_unique<SmtpProbe>());
  ProbeTargets targets;
  targets.peer = peer;
  targets.peer_smtp_ports = std::move(ports);
  ProbeSettings settings;
  settings.deadline = deadline;
  return run_probes(std::move(probes), targets, settings).findings;
}

// A port nothing listens on: bind one, note it, close it.
uint16_t closed_port() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  uint16_t port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

EhloResult documented_ehlo() {
  EhloResult r;
  read_ehlo_capabilities({"ex2.contoso.com Hello [10.0.0.1]", "SIZE 37748736", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES",
                          "STARTTLS", "X-ANONYMOUSTLS", "AUTH NTLM", "X-EXPS GSSAPI NTLM", "8BITMIME", "BINARYMIME",
                          "CHUNKING", "XRDST"},
                         r);
  r.ok = true;
  return r;
}

}  // namespace

// --- parsing ---------------------------------------------------------------------------------

TEST(SmtpReplyLine, ReadsCodeContinuationAndText) {
  auto more = parse_smtp_reply_line("250-X-EXPS GSSAPI NTLM");
  ASSERT_TRUE(more);
  EXPECT_EQ(more->code, 250);
  EXPECT_FALSE(more->last);
  EXPECT_EQ(more->text, "X-EXPS GSSAPI NTLM");
  auto last = parse_smtp_reply_line("554 5.7.1 rejected");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->code, 554);
  EXPECT_TRUE(last->last);
  EXPECT_EQ(last->text, "5.7.1 rejected");
  auto bare = parse_smtp_reply_line("221");
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->last);
  EXPECT_EQ(bare->text, "");
}

TEST(SmtpReplyLine, RejectsWhatIsNotAReply) {
  for (const char* line : {"", "25", "2500 x", "250_x", "abc def", "HTTP/1.1 400 Bad Request", "199 x", "650 x", "260 x"})
    EXPECT_FALSE(parse_smtp_reply_line(line)) << line;
}

TEST(SmtpReplyLine, PeerTextIsMadePrintable) {
  EXPECT_EQ(printable_ascii(std::string("ok \x01\xff\"", 6)), "ok \\x01\\xFF\"");
}

TEST(EhloCapabilities, DocumentedExchangeReplySetsTheFlags) {
  auto r = documented_ehlo();
  EXPECT_EQ(r.server_name, "ex2.contoso.com");
  EXPECT_EQ(r.capabilities.size(), 12u);
  EXPECT_TRUE(r.x_exps);
  EXPECT_TRUE(r.x_exps_gssapi);
  EXPECT_FALSE(r.x_exps_exchangeauth);
  EXPECT_TRUE(r.x_anonymoustls);
  EXPECT_TRUE(r.starttls);
}

TEST(EhloCapabilities, KeywordsCompareCaseInsensitivelyAndExactly) {
  EhloResult after_tls;
  read_ehlo_capabilities({"EX2.contoso.com Hello", "x-exps  exchangeauth gssapi ntlm", "X-EXCHANGEAUTH SHA256"}, after_tls);
  EXPECT_TRUE(after_tls.x_exps);
  EXPECT_TRUE(after_tls.x_exps_exchangeauth);
  EXPECT_TRUE(after_tls.x_exps_gssapi);
  EXPECT_FALSE(after_tls.x_anonymoustls);

  EhloResult lookalikes;
  read_ehlo_capabilities({"mx Hello", "X-EXPSX GSSAPI", "X-EXCHANGEAUTH SHA256", "AUTH GSSAPI NTLM", "X-ANONYMOUSTLSX"}, lookalikes);
  EXPECT_FALSE(lookalikes.x_exps);
  EXPECT_FALSE(lookalikes.x_exps_gssapi);
  EXPECT_FALSE(lookalikes.x_anonymoustls);
  EXPECT_EQ(lookalikes.capabilities.size(), 4u);
}

TEST(SmtpPeer, HostAloneUsesTheConfiguredPorts) {
  auto p = parse_smtp_peer("ex2.contoso.com", {25, 2525});
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p.value().host, "ex2.contoso.com");
  EXPECT_EQ(p.value().ports, (std::vector<uint16_t>{25, 2525}));
  auto v6 = parse_smtp_peer("fe80::1", {2525});
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6.value().host, "fe80::1");
  EXPECT_EQ(v6.value().ports, (std::vector<uint16_t>{2525}));
}

TEST(SmtpPeer, HostWithPortMeansJustThatPort) {
  auto p = parse_smtp_peer(" 10.0.0.2:2525 ", {25, 2525});
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p.value().host, "10.0.0.2");
  EXPECT_EQ(p.value().ports, (std::vector<uint16_t>{2525}));
  auto v6 = parse_smtp_peer("[::1]:25", {2525});
  ASSERT_TRUE(v6.ok()) << v6.error();
  EXPECT_EQ(v6.value().host, "::1");
  EXPECT_EQ(v6.value().ports, (std::vector<uint16_t>{25}));
}

TEST(SmtpPeer, BadSpecificationsSayWhatIsWrong) {
  EXPECT_THAT(parse_smtp_peer("ex2:", {25}).error(), HasSubstr("empty port"));
  EXPECT_THAT(parse_smtp_peer("ex2:70000", {25}).error(), HasSubstr("invalid port \"70000\""));
  EXPECT_THAT(parse_smtp_peer("ex2:smtp", {25}).error(), HasSubstr("invalid port"));
  EXPECT_THAT(parse_smtp_peer(":25", {25}).error(), HasSubstr("empty host"));
  EXPECT_THAT(parse_smtp_peer("[::1", {25}).error(), HasSubstr("missing ']'"));
  EXPECT_THAT(parse_smtp_peer("ex2", {}).error(), HasSubstr("no SMTP ports"));
}

// --- the finding rules -------------------------------------------------------------------------

TEST(SmtpFinding, XExpsWithGssapiIsOk) {
  auto f = smtp_finding("10.0.0.2", 2525, documented_ehlo());
  EXPECT_EQ(f.status, FindingStatus::Ok);
  EXPECT_EQ(f.target, "10.0.0.2:2525");
  EXPECT_THAT(f.summary, HasSubstr("X-EXPS GSSAPI NTLM"));
  EXPECT_EQ(f.evidence["x_exps"], true);
  EXPECT_EQ(f.evidence["port"], 2525);
  EXPECT_TRUE(f.remediation.empty());
}

TEST(SmtpFinding, NoXExpsFailsWithTheConnectorRemediation) {
  EhloResult r;
  read_ehlo_capabilities({"ex2.contoso.com Hello [10.0.0.1]", "STARTTLS", "AUTH NTLM"}, r);
  r.ok = true;
  auto f = smtp_finding("10.0.0.2", 25, r);
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.remediation, "enable ExchangeServer authentication on the receive connector");
  EXPECT_THAT(f.summary, HasSubstr("no X-EXPS"));
  EXPECT_EQ(f.evidence["hint"],
            "Set-ReceiveConnector \"ex2\\Default ex2\" -AuthMechanism Tls,Integrated,BasicAuth,BasicAuthRequireTLS,ExchangeServer");
}

TEST(SmtpFinding, XExpsWithoutKerberosFails) {
  EhloResult r;
  read_ehlo_capabilities({"ex2.contoso.com Hello", "X-EXPS NTLM"}, r);
  r.ok = true;
  auto f = smtp_finding("ex2.contoso.com", 2525, r);
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_THAT(f.summary, HasSubstr("without GSSAPI or EXCHANGEAUTH"));
  EXPECT_EQ(f.remediation, kSmtpNoExchangeAuthRemediation);
}

TEST(SmtpFinding, NoConversationIsAnErrorWithTheReason) {
  EhloResult r;
  r.error = "connection refused";
  auto f = smtp_finding("::1", 25, r);
  EXPECT_EQ(f.status, FindingStatus::Error);
  EXPECT_EQ(f.target, "[::1]:25");
  EXPECT_EQ(f.summary, "[::1]:25: connection refused");
  EXPECT_EQ(f.evidence["error"], "connection refused");
}

TEST(SmtpProbeRun, NoPeerIsSkipped) {
  auto findings = probe_now("", seconds{1});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].probe, "smtp");
  EXPECT_EQ(findings[0].status, FindingStatus::Skipped);
}

TEST(SmtpProbeRun, BadPeerIsAnErrorNamingIt) {
  auto findings = probe_now("ex2:99999", seconds{1});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].status, FindingStatus::Error);
  EXPECT_THAT(findings[0].summary, HasSubstr("ex2:99999"));
}

// --- against the scripted Exchange peer --------------------------------------------------------

class ScriptedPeer : public ::testing::Test {
 protected:
  void start(const std::string& mode) {
    ASSERT_TRUE(peer_.start(kPeerScript, {"--port", "0", "--mode", mode, "--bind", "127.0.0.1", "--exit-when-stdin-closes"})) << peer_.why();
  }
  void TearDown() override { peer_.stop(); }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(peer_.port()); }

  // Runs the probe through the engine with the hostile deadline and checks it kept to it.
  Finding probe_within_deadline() {
    auto started = steady_clock::now();
    auto findings = probe_now(endpoint(), kHostileDeadline);
    auto elapsed = duration_cast<milliseconds>(steady_clock::now() - started);
    EXPECT_LT(elapsed, kHostileDeadline + kSlack);
    std::cout << "[ elapsed  ] engine run took " << elapsed.count() << " ms\n";
    EXPECT_EQ(findings.size(), 1u);
    return findings.empty() ? Finding{} : findings[0];
  }

  // smtp_ehlo alone, with the same bound.
  EhloResult ehlo_within_deadline() {
    auto started = steady_clock::now();
    auto r = ehlo_now("127.0.0.1", peer_.port(), kHostileDeadline);
    auto elapsed = duration_cast<milliseconds>(steady_clock::now() - started);
    EXPECT_LT(elapsed, kHostileDeadline + kSlack);
    std::cout << "[ elapsed  ] smtp_ehlo took " << elapsed.count() << " ms: " << r.error << "\n";
    return r;
  }

  authwatch::test::PeerProcess peer_;
};

TEST_F(ScriptedPeer, ExchangeConnectorOffersExchangeAuthentication) {
  start("exchange");
  auto r = ehlo_now("127.0.0.1", peer_.port(), seconds{3});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_THAT(r.banner, StartsWith("220 ex2.contoso.com Microsoft ESMTP MAIL Service ready at "));
  EXPECT_EQ(r.server_name, "ex2.contoso.com");
  EXPECT_TRUE(r.x_exps);
  EXPECT_TRUE(r.x_exps_gssapi);
  EXPECT_TRUE(r.x_anonymoustls);
  EXPECT_TRUE(r.starttls);
  EXPECT_THAT(r.capabilities, ::testing::Contains("X-EXPS GSSAPI NTLM"));
  EXPECT_EQ(r.capabilities.size(), 12u);
  EXPECT_GT(r.seconds, 0.0);
  EXPECT_LT(r.seconds, 3.0);
}

TEST_F(ScriptedPeer, ExchangeConnectorIsOkThroughTheEngine) {
  start("exchange");
  auto findings = probe_now(endpoint(), seconds{3});
  ASSERT_EQ(findings.size(), 1u);
  const auto& f = findings[0];
  EXPECT_EQ(f.probe, "smtp");
  EXPECT_EQ(f.target, endpoint());
  EXPECT_EQ(f.status, FindingStatus::Ok) << f.summary;
  EXPECT_EQ(f.evidence["x_exps"], true);
  EXPECT_EQ(f.evidence["x_anonymoustls"], true);
  EXPECT_THAT(f.evidence["banner"].get<std::string>(), StartsWith("220 ex2.contoso.com"));
  EXPECT_TRUE(f.evidence["seconds"].is_number());
}

TEST_F(ScriptedPeer, HostNameIsResolved) {
  start("exchange");
  auto r = ehlo_now("localhost", peer_.port(), seconds{3});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.x_exps);
}

TEST_F(ScriptedPeer, ConnectorWithoutExchangeServerAuthFails) {
  start("no-xexps");
  auto r = ehlo_now("127.0.0.1", peer_.port(), seconds{3});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.x_exps);
  EXPECT_FALSE(r.x_anonymoustls);
  EXPECT_TRUE(r.starttls);

  auto findings = probe_now(endpoint(), seconds{3});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].status, FindingStatus::Fail);
  EXPECT_EQ(findings[0].remediation, "enable ExchangeServer authentication on the receive connector");
  EXPECT_THAT(findings[0].evidence["hint"].get<std::string>(), HasSubstr("Set-ReceiveConnector \"ex2\\Default ex2\""));
}

TEST_F(ScriptedPeer, SilentPeerEndsByTheDeadline) {
  start("silent");
  auto r = ehlo_within_deadline();
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.error, StartsWith("timed out after "));
  EXPECT_THAT(r.error, HasSubstr(" ms while reading the banner (0 bytes received)"));

  auto f = probe_within_deadline();
  EXPECT_EQ(f.status, FindingStatus::Error);
  EXPECT_THAT(f.summary, HasSubstr("timed out"));
}

TEST_F(ScriptedPeer, DrippingPeerEndsByTheDeadline) {
  start("drip");
  auto r = ehlo_within_deadline();
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.error, StartsWith("timed out after "));
  EXPECT_THAT(r.error, HasSubstr("while reading the banner"));
  EXPECT_THAT(r.error, ::testing::Not(HasSubstr("(0 bytes received)")));  // it did get the first bytes

  auto f = probe_within_deadline();
  EXPECT_EQ(f.status, FindingStatus::Error);
  EXPECT_THAT(f.summary, HasSubstr("timed out"));
}

TEST_F(ScriptedPeer, FloodingPeerIsCutOffAsOversized) {
  start("flood");
  auto r = ehlo_within_deadline();
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.error, HasSubstr("oversized reply: a line longer than 4096 bytes"));

  auto f = probe_within_deadline();
  EXPECT_EQ(f.status, FindingStatus::Error);
  EXPECT_THAT(f.summary, HasSubstr("oversized"));
  EXPECT_NO_THROW((void)f.evidence.dump());  // peer bytes never reach the JSON unescaped
}

TEST_F(ScriptedPeer, TotalReplyBytesAreCapped) {
  start("exchange");
  auto r = ehlo_now("127.0.0.1", peer_.port(), seconds{3}, 200);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.error, HasSubstr("oversized reply: more than 200 bytes"));
}

TEST_F(ScriptedPeer, RejectingPeerReportsThe554) {
  start("reject");
  auto r = ehlo_now("127.0.0.1", peer_.port(), seconds{3});
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.error, HasSubstr("banner rejected: 554 5.7.1 Client host [127.0.0.1] rejected"));

  auto findings = probe_now(endpoint(), seconds{3});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].status, FindingStatus::Error);
  EXPECT_THAT(findings[0].summary, HasSubstr("554 5.7.1"));
}

TEST_F(ScriptedPeer, EachConfiguredPortGetsItsOwnFinding) {
  start("exchange");
  uint16_t closed = closed_port();
  auto findings = probe_now("127.0.0.1", seconds{3}, {closed, peer_.port()});
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].target, "127.0.0.1:" + std::to_string(closed));
  EXPECT_EQ(findings[0].status, FindingStatus::Error);
  EXPECT_EQ(findings[1].target, endpoint());
  EXPECT_EQ(findings[1].status, FindingStatus::Ok);
}

TEST(SmtpProbeNetwork, ClosedPortIsRefused) {
  uint16_t port = closed_port();
  auto r = ehlo_now("127.0.0.1", port, seconds{1});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "connection refused");
  auto findings = probe_now("127.0.0.1:" + std::to_string(port), seconds{1});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].status, FindingStatus::Error);
  EXPECT_THAT(findings[0].summary, HasSubstr("refused"));
}

// A server that is not SMTP at all (an HTTP server on the SMTP port).
TEST(SmtpProbeNetwork, NonSmtpServerIsGarbage) {
  asio::io_context server_io;
  tcp::acceptor acceptor(server_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  uint16_t port = acceptor.local_endpoint().port();
  std::thread server([&] {
    boost::system::error_code ec;
    tcp::socket socket(server_io);
    acceptor.accept(socket, ec);
    if (ec) return;
    std::string reply = "HTTP/1.1 400 Bad Request\r\n\r\n";
    asio::write(socket, asio::buffer(reply), ec);
  });
  auto r = ehlo_now("127.0.0.1", port, seconds{2});
  server.join();
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.error, HasSubstr("garbage: not an SMTP reply line: \"HTTP/1.1 400 Bad Request\""));
  EXPECT_THAT(r.error, HasSubstr("while reading the banner"));
}

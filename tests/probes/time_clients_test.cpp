// The SNTP and KDC clients against real servers on loopback (MIT krb5kdc, chronyd, each also
// under libfaketime +10 min) and against scripted hostile peers (silence, slow drip, oversized
// length prefix, garbage). Only 127.0.0.1 is ever contacted.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/clock.hpp"
#include "probes/protocols/der.hpp"
#include "probes/protocols/kdc_client.hpp"
#include "probes/protocols/kdc_exchange.hpp"
#include "probes/protocols/kerberos.hpp"
#include "probes/protocols/sntp.hpp"
#include "probes/protocols/sntp_client.hpp"
#include "real_time_servers.hpp"
#include "tests/lab/lab_skip.hpp"
#include "tests/probes/deadline_timing.hpp"

namespace authwatch::probes {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

constexpr double kTenMinutes = 600.0;

// One io_context and pool per test, as the engine gives a probe.
class ClientHarness {
 public:
  ClientHarness() : ctx_{io, pool_, targets_, settings} {}

  template <class T>
  T run(std::function<asio::awaitable<T>(ProbeContext&)> query) {
    std::optional<T> out;
    asio::co_spawn(io, query(ctx_), [&out](std::exception_ptr error, T value) {
      if (!error) out = std::move(value);
    });
    const auto give_up = std::chrono::steady_clock::now() + 30s;  // a hang fails the test, not the suite
    while (!out && std::chrono::steady_clock::now() < give_up) io.run_one_for(50ms);
    if (!out) ADD_FAILURE() << "query did not complete";
    return out.value_or(T{});
  }

  SteadyTime in(std::chrono::milliseconds d) const { return std::chrono::steady_clock::now() + d; }

  asio::io_context io;
  ProbeSettings settings;

 private:
  asio::thread_pool pool_{1};  // after io: joined first, so a late blocking call posts into a live io_context
  ProbeTargets targets_;
  ProbeContext ctx_;
};

// ---------------------------------------------------------------- MIT Kerberos KDC

class MitKdcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = test::MitKdc::start("TEST.REALM");
    if (started) kdc_ = std::move(started.value());
    else setup_error_ = new std::string(started.error());
  }
  static void TearDownTestSuite() {
    kdc_.reset();
    delete setup_error_;
    setup_error_ = nullptr;
  }
  void SetUp() override {
    if (!kdc_) AUTHWATCH_PEER_UNAVAILABLE() << "MIT KDC not available: " << *setup_error_;
  }
  KdcTimeResult query(const std::string& host, const std::string& realm, KdcTransport transport) {
    ClientHarness h;
    const uint16_t port = kdc_->port();
    return h.run<KdcTimeResult>([&](ProbeContext& ctx) { return kdc_time_query(ctx, host, port, realm, transport, h.in(3000ms)); });
  }
  static inline std::unique_ptr<test::MitKdc> kdc_;
  static inline std::string* setup_error_ = nullptr;
};

TEST_F(MitKdcTest, UdpReadsTheKdcClock) {
  auto r = query("127.0.0.1", "TEST.REALM", KdcTransport::Udp);
  ASSERT_TRUE(r.ok) << r.error;
  RecordProperty("offset_seconds", std::to_string(r.offset_seconds));
  EXPECT_EQ(r.error_code, 6);
  EXPECT_EQ(r.error_name, "KDC_ERR_C_PRINCIPAL_UNKNOWN");
  EXPECT_LT(std::abs(r.offset_seconds), 2.0);
  EXPECT_GT(r.rtt_seconds, 0.0);
  EXPECT_LT(r.rtt_seconds, 1.0);
}

TEST_F(MitKdcTest, TcpReadsTheKdcClock) {
  auto r = query("127.0.0.1", "TEST.REALM", KdcTransport::Tcp);
  ASSERT_TRUE(r.ok) << r.error;
  RecordProperty("offset_seconds", std::to_string(r.offset_seconds));
  EXPECT_EQ(r.error_code, 6);
  EXPECT_LT(std::abs(r.offset_seconds), 2.0);
}

TEST_F(MitKdcTest, HostNameIsResolved) {
  // "localhost" comes from /etc/hosts: no DNS traffic leaves the machine.
  auto r = query("localhost", "TEST.REALM", KdcTransport::Tcp);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.error_code, 6);
}

TEST_F(MitKdcTest, KdcLogNamesTheProbePrincipal) {
  auto r = query("127.0.0.1", "TEST.REALM", KdcTransport::Udp);
  ASSERT_TRUE(r.ok) << r.error;
  std::ifstream log(kdc_->dir() / "kdc.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("CLIENT_NOT_FOUND: authwatch-probe-"), std::string::npos) << text;
}

TEST(MitKdcFaketime, KdcTenMinutesAheadIsMeasuredOverUdpAndTcp) {
  auto kdc = test::MitKdc::start("TEST.REALM", {"+10m"});
  if (!kdc) AUTHWATCH_PEER_UNAVAILABLE() << "MIT KDC under libfaketime not available: " << kdc.error();
  for (auto transport : {KdcTransport::Udp, KdcTransport::Tcp}) {
    ClientHarness h;
    const uint16_t port = kdc.value()->port();
    auto r = h.run<KdcTimeResult>(
        [&](ProbeContext& ctx) { return kdc_time_query(ctx, "127.0.0.1", port, "TEST.REALM", transport, h.in(3000ms)); });
    ASSERT_TRUE(r.ok) << r.error;
    RecordProperty(transport == KdcTransport::Udp ? "udp_offset_seconds" : "tcp_offset_seconds", std::to_string(r.offset_seconds));
    EXPECT_NEAR(r.offset_seconds, kTenMinutes, 5.0) << (transport == KdcTransport::Udp ? "udp" : "tcp");
    EXPECT_EQ(r.error_code, 6);
  }
}

// ---------------------------------------------------------------- chronyd

SntpResult sntp_at(uint16_t port, std::chrono::milliseconds budget = 3000ms, std::string host = "127.0.0.1") {
  ClientHarness h;
  return h.run<SntpResult>([&](ProbeContext& ctx) { return sntp_query(ctx, host, port, h.in(budget)); });
}

TEST(ChronyServer, SntpOffsetToALocalServerIsSmall) {
  auto chrony = test::ChronyServer::start();
  if (!chrony) AUTHWATCH_PEER_UNAVAILABLE() << "chronyd not available: " << chrony.error();
  auto r = sntp_at(chrony.value()->port());
  ASSERT_TRUE(r.ok) << r.error;
  RecordProperty("offset_seconds", std::to_string(r.offset_seconds));
  EXPECT_LT(std::abs(r.offset_seconds), 1.0);
  EXPECT_EQ(r.stratum, 8);  // `local stratum 8`
  EXPECT_GE(r.delay_seconds, 0.0);
  EXPECT_LT(r.delay_seconds, 0.5);
}

TEST(ChronyServer, SntpSeesAServerTenMinutesAhead) {
  auto chrony = test::ChronyServer::start({"+10m"});
  if (!chrony) AUTHWATCH_PEER_UNAVAILABLE() << "chronyd under libfaketime not available: " << chrony.error();
  auto r = sntp_at(chrony.value()->port());
  ASSERT_TRUE(r.ok) << r.error;
  RecordProperty("offset_seconds", std::to_string(r.offset_seconds));
  EXPECT_NEAR(r.offset_seconds, kTenMinutes, 5.0);
}

// ---------------------------------------------------------------- scripted peers

// A UDP peer on 127.0.0.1 that answers each datagram with reply(request) (or stays silent on {}).
class UdpPeer {
 public:
  // `port` 0: any free one.
  UdpPeer(asio::io_context& io, std::function<Bytes(const Bytes&)> reply, uint16_t port = 0)
      : socket_(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), port)) {
    if (reply) asio::co_spawn(io, serve(std::move(reply)), asio::detached);
  }
  uint16_t port() const { return socket_.local_endpoint().port(); }

 private:
  asio::awaitable<void> serve(std::function<Bytes(const Bytes&)> reply) {
    Bytes buffer(65536);
    udp::endpoint from;
    boost::system::error_code ec;
    for (;;) {
      auto n = co_await socket_.async_receive_from(asio::buffer(buffer), from, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      Bytes answer = reply(Bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n)));
      co_await socket_.async_send_to(asio::buffer(answer), from, asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  udp::socket socket_;
};

// A TCP peer that accepts one connection and runs `script` on it.
class TcpPeer {
 public:
  using Script = std::function<asio::awaitable<void>(tcp::socket&)>;
  TcpPeer(asio::io_context& io, Script script) : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    asio::co_spawn(io, serve(std::move(script)), asio::detached);
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::awaitable<void> serve(Script script) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    co_await script(socket);
  }
  tcp::acceptor acceptor_;
};

Bytes framed(const Bytes& message) {
  Bytes out(4 + message.size());
  for (size_t i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(message.size() >> (24 - 8 * i));
  std::copy(message.begin(), message.end(), out.begin() + 4);
  return out;
}

// Reads the client's framed request (so the client is waiting for the reply), then runs `then`.
TcpPeer::Script after_request(std::function<asio::awaitable<void>(tcp::socket&)> then) {
  return [then](tcp::socket& socket) -> asio::awaitable<void> {
    Bytes prefix(4);
    boost::system::error_code ec;
    co_await asio::async_read(socket, asio::buffer(prefix), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    Bytes body((size_t{prefix[2]} << 8) | prefix[3]);
    co_await asio::async_read(socket, asio::buffer(body), asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_await then(socket);
  };
}

// A KRB-ERROR built with the writer: stime = now + skew.
Bytes krb_error_at(TimePoint stime, int code) {
  const auto whole = std::chrono::floor<std::chrono::seconds>(stime);
  auto field = [](unsigned n, const Bytes& inner) { return der::explicit_tag(der::context_tag(n), inner); };
  return der::explicit_tag(der::application_tag(30),
                           der::sequence({field(0, der::integer(5)), field(1, der::integer(30)), field(4, der::generalized_time(stime)),
                                          field(5, der::integer((stime - whole).count())), field(6, der::integer(code)),
                                          field(9, der::general_string("TEST.REALM"))}));
}

KdcTimeResult kdc_query(ClientHarness& h, uint16_t port, KdcTransport transport, std::chrono::milliseconds budget) {
  return h.run<KdcTimeResult>(
      [&](ProbeContext& ctx) { return kdc_time_query(ctx, "127.0.0.1", port, "TEST.REALM", transport, h.in(budget)); });
}

TEST(ScriptedPeers, SilentUdpPeerEndsAtTheDeadline) {
  for (bool kerberos : {false, true}) {
    ClientHarness h;
    UdpPeer silent(h.io, nullptr);  // bound, never reads, never answers
    const auto start = std::chrono::steady_clock::now();
    std::string error;
    if (kerberos) {
      auto r = kdc_query(h, silent.port(), KdcTransport::Udp, 800ms);
      EXPECT_FALSE(r.ok);
      error = r.error;
    } else {
      auto r = h.run<SntpResult>([&](ProbeContext& ctx) { return sntp_query(ctx, "127.0.0.1", silent.port(), h.in(800ms)); });
      EXPECT_FALSE(r.ok);
      error = r.error;
    }
    const double elapsed = seconds_since(start);
    EXPECT_GE(elapsed, 0.75) << "gave up before the deadline: " << error;
    EXPECT_LT(elapsed, 0.8 + 0.2) << error;
    EXPECT_NE(error.find("by the deadline"), std::string::npos) << error;
  }
}

TEST(ScriptedPeers, SlowDripTcpPeerEndsAtTheDeadline) {
  ClientHarness h;
  TcpPeer drip(h.io, after_request([](tcp::socket& socket) -> asio::awaitable<void> {
    // A valid framed KRB-ERROR, one byte every 500 ms.
    const Bytes reply = framed(krb_error_at(SystemClock{}.now(), 6));
    asio::steady_timer pause(socket.get_executor());
    boost::system::error_code ec;
    for (uint8_t b : reply) {
      co_await asio::async_write(socket, asio::buffer(&b, 1), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      pause.expires_after(500ms);
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }));
  const auto start = std::chrono::steady_clock::now();
  auto r = kdc_query(h, drip.port(), KdcTransport::Tcp, 1200ms);
  const double elapsed = seconds_since(start);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("by the deadline"), std::string::npos) << r.error;
  EXPECT_GE(elapsed, 1.15);
  EXPECT_LT(elapsed, 1.2 + 0.2);
}

TEST(ScriptedPeers, OversizedLengthPrefixIsRefusedAtOnce) {
  for (uint32_t length : {0x7fffffffu, 0x00010001u}) {  // 2 GiB, and 64 KiB + 1 (just over the default cap)
    ClientHarness h;
    TcpPeer huge(h.io, after_request([length](tcp::socket& socket) -> asio::awaitable<void> {
      Bytes prefix{static_cast<uint8_t>(length >> 24), static_cast<uint8_t>(length >> 16), static_cast<uint8_t>(length >> 8),
                   static_cast<uint8_t>(length)};
      boost::system::error_code ec;
      co_await asio::async_write(socket, asio::buffer(prefix), asio::redirect_error(asio::use_awaitable, ec));
      asio::steady_timer hold(socket.get_executor(), 5s);  // keep the connection open: the cap, not EOF, must end it
      co_await hold.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }));
    const auto start = std::chrono::steady_clock::now();
    auto r = kdc_query(h, huge.port(), KdcTransport::Tcp, 3000ms);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("reply too large"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find(std::to_string(length) + " bytes announced"), std::string::npos) << r.error;
    EXPECT_LT(seconds_since(start), 0.5);
  }
}

TEST(ScriptedPeers, ReservedBitInLengthPrefixIsAnError) {
  ClientHarness h;
  TcpPeer peer(h.io, after_request([](tcp::socket& socket) -> asio::awaitable<void> {
    Bytes prefix{0x80, 0x00, 0x00, 0x10};
    boost::system::error_code ec;
    co_await asio::async_write(socket, asio::buffer(prefix), asio::redirect_error(asio::use_awaitable, ec));
    asio::steady_timer hold(socket.get_executor(), 5s);
    co_await hold.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }));
  auto r = kdc_query(h, peer.port(), KdcTransport::Tcp, 3000ms);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("reserved high bit"), std::string::npos) << r.error;
}

TEST(ScriptedPeers, ScriptedKdcOffsetAndCodeOverTcp) {
  ClientHarness h;
  TcpPeer kdc(h.io, after_request([](tcp::socket& socket) -> asio::awaitable<void> {
    const Bytes reply = framed(krb_error_at(SystemClock{}.now() - std::chrono::seconds{400}, 37));
    boost::system::error_code ec;
    co_await asio::async_write(socket, asio::buffer(reply), asio::redirect_error(asio::use_awaitable, ec));
  }));
  auto r = kdc_query(h, kdc.port(), KdcTransport::Tcp, 3000ms);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NEAR(r.offset_seconds, -400.0, 0.5);
  EXPECT_EQ(r.error_code, 37);
  EXPECT_EQ(r.error_name, "KRB_AP_ERR_SKEW");
}

TEST(ScriptedPeers, PeerClosingWithoutReplyIsAnError) {
  ClientHarness h;
  TcpPeer peer(h.io, after_request([](tcp::socket& socket) -> asio::awaitable<void> {
    socket.close();
    co_return;
  }));
  auto r = kdc_query(h, peer.port(), KdcTransport::Tcp, 3000ms);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("closed the connection"), std::string::npos) << r.error;
}

TEST(ScriptedPeers, KdcGarbageAndAsRepAreErrors) {
  struct Case {
    Bytes reply;
    std::string expected;
  };
  const Case cases[] = {
      {Bytes{'h', 'e', 'l', 'l', 'o'}, "not a Kerberos message"},
      {Bytes{0x6b, 0x03, 0x30, 0x01, 0x00}, "issued a ticket (AS-REP)"},
      {Bytes{0x7e, 0x05, 0x30, 0x03, 0x02, 0x01}, "malformed KRB-ERROR"},
  };
  for (const auto& c : cases) {
    ClientHarness h;
    UdpPeer peer(h.io, [&c](const Bytes&) { return c.reply; });
    auto r = kdc_query(h, peer.port(), KdcTransport::Udp, 3000ms);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find(c.expected), std::string::npos) << r.error;
  }
}

TEST(ScriptedPeers, ClosedPortsAreReportedAsSuch) {
  // A port that was free a moment ago: UDP gets ICMP port unreachable, TCP a RST.
  const uint16_t port = test::free_loopback_port();
  ClientHarness h;
  auto udp_result = kdc_query(h, port, KdcTransport::Udp, 3000ms);
  EXPECT_FALSE(udp_result.ok);
  EXPECT_NE(udp_result.error.find("unreachable"), std::string::npos) << udp_result.error;
  auto tcp_result = kdc_query(h, port, KdcTransport::Tcp, 3000ms);
  EXPECT_FALSE(tcp_result.ok);
  EXPECT_NE(tcp_result.error.find("refused"), std::string::npos) << tcp_result.error;
}

// What one kdc_tcp_request or kdc_exchange gave, for ClientHarness::run.
struct ExchangeOutcome {
  bool ok = false;
  std::string kdc, error;
  std::error_code code;
  std::vector<KdcAttempt> attempts;
};

ExchangeOutcome tcp_request_to(ClientHarness& h, uint16_t port) {
  return h.run<ExchangeOutcome>([&h, port](ProbeContext& ctx) -> asio::awaitable<ExchangeOutcome> {
    ExchangeOutcome out;
    auto r = co_await kdc_tcp_request(ctx, "127.0.0.1", port, [](TimePoint) { return Bytes{1, 2, 3}; }, h.in(3000ms));
    out.ok = r.ok();
    if (!r) out.error = r.error(), out.code = r.code();
    co_return out;
  });
}

ExchangeOutcome exchange_with(ClientHarness& h, uint16_t port) {
  return h.run<ExchangeOutcome>([&h, port](ProbeContext& ctx) -> asio::awaitable<ExchangeOutcome> {
    ExchangeOutcome out;
    // Named first: GCC 12 cannot keep a braced list alive across co_await ("array used as initializer").
    std::vector<std::string> kdcs;
    kdcs.push_back("127.0.0.1:" + std::to_string(port));
    Bytes request(3, 0x01);
    auto r = co_await kdc_exchange(ctx, std::move(kdcs), std::move(request), h.in(3000ms), &out.attempts);
    out.ok = r.ok();
    if (r) out.kdc = r.value().kdc;
    else out.error = r.error(), out.code = r.code();
    co_return out;
  });
}

TEST(ScriptedPeers, ARefusedTcpConnectionHasTheRefusedCode) {
  ClientHarness h;
  const auto refused = tcp_request_to(h, test::free_loopback_port());
  ASSERT_FALSE(refused.ok);
  EXPECT_EQ(refused.code, ExchangeErrc::refused) << refused.error;

  TcpPeer closes(h.io, [](tcp::socket&) -> asio::awaitable<void> { co_return; });  // accepts, then closes
  const auto closed = tcp_request_to(h, closes.port());
  ASSERT_FALSE(closed.ok);
  EXPECT_NE(closed.code, ExchangeErrc::refused) << "took the connection: " << closed.error;
}

// kdc_exchange tries UDP after TCP only when the KDC refused the connection (by its code).
TEST(ScriptedPeers, AKdcThatRefusesTcpIsAskedOverUdp) {
  ClientHarness h;
  UdpPeer kdc(h.io, [](const Bytes&) { return krb_error_at(SystemClock{}.now(), 6); });  // nothing listens on TCP there
  const auto r = exchange_with(h, kdc.port());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.kdc, "127.0.0.1:" + std::to_string(kdc.port()) + "/udp");
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_EQ(r.attempts[0].transport, "tcp");
  EXPECT_FALSE(r.attempts[0].connected);
  EXPECT_EQ(r.attempts[1].transport, "udp");
}

TEST(ScriptedPeers, AKdcThatTookTheTcpConnectionIsNotAskedOverUdp) {
  ClientHarness h;
  TcpPeer closes(h.io, [](tcp::socket&) -> asio::awaitable<void> { co_return; });
  // The same port number over UDP would answer: asking it would be a mistake the result shows.
  UdpPeer would_answer(h.io, [](const Bytes&) { return krb_error_at(SystemClock{}.now(), 6); }, closes.port());
  const auto r = exchange_with(h, closes.port());
  EXPECT_FALSE(r.ok) << "answered by " << r.kdc;
  ASSERT_EQ(r.attempts.size(), 1u);
  EXPECT_EQ(r.attempts[0].transport, "tcp");
  EXPECT_TRUE(r.attempts[0].connected);
}

TEST(ScriptedPeers, UnresolvableNameIsAnError) {
  // A 64-character label is invalid in DNS, so glibc fails it without sending any query.
  const std::string name = std::string(64, 'a') + ".invalid";
  auto r = sntp_at(123, 3000ms, name);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("cannot resolve " + name), std::string::npos) << r.error;
  ClientHarness h;
  auto k = h.run<KdcTimeResult>([&](ProbeContext& ctx) { return kdc_time_query(ctx, name, 88, "TEST.REALM", KdcTransport::Tcp, h.in(3000ms)); });
  EXPECT_FALSE(k.ok);
  EXPECT_NE(k.error.find("cannot resolve"), std::string::npos) << k.error;
}

// An SNTP server script: echo the request's transmit as originate, then apply `tweak`.
std::function<Bytes(const Bytes&)> sntp_server(int64_t skew_us, std::function<void(Bytes&)> tweak = nullptr) {
  return [skew_us, tweak](const Bytes& request) {
    Bytes reply(48, 0);
    reply[0] = 0x24;  // LI 0, VN 4, Mode 4
    reply[1] = 3;     // stratum
    if (request.size() >= 48) std::copy(request.begin() + 40, request.begin() + 48, reply.begin() + 24);
    const uint64_t now = sntp::to_ntp(SystemClock{}.now() + std::chrono::microseconds{skew_us});
    for (size_t at : {32u, 40u}) {
      for (size_t i = 0; i < 8; ++i) reply[at + i] = static_cast<uint8_t>(now >> (56 - 8 * i));
    }
    if (tweak) tweak(reply);
    return reply;
  };
}

TEST(ScriptedPeers, ScriptedSntpServerOffsetIsMeasured) {
  ClientHarness h;
  UdpPeer server(h.io, sntp_server(-250'000'000));  // 250 s behind
  auto r = h.run<SntpResult>([&](ProbeContext& ctx) { return sntp_query(ctx, "127.0.0.1", server.port(), h.in(3000ms)); });
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NEAR(r.offset_seconds, -250.0, 0.1);
  EXPECT_EQ(r.stratum, 3);
}

TEST(ScriptedPeers, SntpKissOfDeathAndWrongOriginateAreErrors) {
  struct Case {
    std::function<void(Bytes&)> tweak;
    std::string expected;
  };
  const Case cases[] = {
      {[](Bytes& r) { r[1] = 0, r[12] = 'R', r[13] = 'A', r[14] = 'T', r[15] = 'E'; }, "kiss-o'-death \"RATE\""},
      {[](Bytes& r) { r[31] ^= 0x01; }, "does not echo our transmit timestamp"},
      {[](Bytes& r) { r.resize(47); }, "47 bytes"},
      {[](Bytes& r) { r[0] = 0x23; }, "mode 3"},
  };
  for (const auto& c : cases) {
    ClientHarness h;
    UdpPeer server(h.io, sntp_server(0, c.tweak));
    auto r = h.run<SntpResult>([&](ProbeContext& ctx) { return sntp_query(ctx, "127.0.0.1", server.port(), h.in(3000ms)); });
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find(c.expected), std::string::npos) << r.error;
  }
}

}  // namespace
}  // namespace authwatch::probes

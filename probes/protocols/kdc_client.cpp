#include "probes/protocols/kdc_client.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <exception>
#include <optional>
#include <random>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "core/clock.hpp"
#include "probes/protocols/kerberos.hpp"
#include "probes/protocols/timed_exchange.hpp"

namespace authwatch::probes {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

KdcTimeResult kdc_time_failure(std::string error) {
  KdcTimeResult r;
  r.error = std::move(error);
  return r;
}

// MIT clients keep the nonce within 31 bits: some KDCs decode it as a signed Int32.
uint32_t make_nonce() { return std::random_device{}() & 0x7fffffffu; }

std::string probe_principal(uint32_t nonce) {
  char text[40];
  std::snprintf(text, sizeof text, "authwatch-probe-%08x", nonce);
  return text;
}

}  // namespace

asio::awaitable<Result<TimedReply>> kdc_tcp_request(ProbeContext& ctx, const std::string& host, uint16_t port,
                                                    const RequestAt& request, SteadyTime deadline, ExchangeTrace* trace) {
  ExchangeTrace ignored;
  if (!trace) trace = &ignored;
  const std::string where = endpoint_text(host, port);
  auto addresses = co_await resolve_addresses(ctx, host, deadline);
  if (!addresses) co_return Error{addresses.error()};
  std::vector<tcp::endpoint> endpoints;
  for (const auto& a : addresses.value()) endpoints.emplace_back(a, port);

  auto executor = co_await asio::this_coro::executor;
  tcp::socket socket(executor);
  Deadline guard(executor, deadline);  // declared after the socket it closes
  guard.guard(socket);
  boost::system::error_code ec;
  co_await asio::async_connect(socket, endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (guard.expired()) {
    trace->timed_out = true;
    co_return Error{"no TCP connection to " + where + " by the deadline"};
  }
  if (ec == asio::error::connection_refused) co_return Error{ExchangeErrc::refused, "TCP connection refused by " + where, ec};
  if (ec) co_return Error{"TCP connect to " + where + " failed: " + ec.message()};
  trace->connected = true;

  TimedReply reply;
  reply.sent = SystemClock{}.now();
  const auto sent_steady = std::chrono::steady_clock::now();
  const auto message = request(reply.sent);
  std::vector<uint8_t> frame(4 + message.size());
  for (size_t i = 0; i < 4; ++i) frame[i] = static_cast<uint8_t>(message.size() >> (24 - 8 * i));
  std::copy(message.begin(), message.end(), frame.begin() + 4);
  co_await asio::async_write(socket, asio::buffer(frame), asio::redirect_error(asio::use_awaitable, ec));
  std::array<uint8_t, 4> prefix{};
  if (!ec) co_await asio::async_read(socket, asio::buffer(prefix), asio::redirect_error(asio::use_awaitable, ec));
  if (guard.expired()) {
    trace->timed_out = true;
    co_return Error{"connected, but no reply from " + where + " by the deadline (TCP)"};
  }
  if (ec == asio::error::eof) co_return Error{"the KDC at " + where + " closed the connection without a reply"};
  if (ec) co_return Error{"TCP exchange with " + where + " failed: " + ec.message()};
  const uint32_t length = (uint32_t{prefix[0]} << 24) | (uint32_t{prefix[1]} << 16) | (uint32_t{prefix[2]} << 8) | prefix[3];
  // RFC 4120 §7.2.2: the high bit is reserved for extensions we never asked for.
  if (length & 0x80000000u) co_return Error{"reply from " + where + " has the reserved high bit set in its length prefix"};
  if (length > ctx.settings.max_reply_bytes) {
    co_return Error{"reply too large from " + where + ": " + std::to_string(length) + " bytes announced, cap " +
                    std::to_string(ctx.settings.max_reply_bytes)};
  }
  reply.bytes.resize(length);
  co_await asio::async_read(socket, asio::buffer(reply.bytes), asio::redirect_error(asio::use_awaitable, ec));
  reply.round_trip = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - sent_steady);
  if (guard.expired()) {
    trace->timed_out = true;
    co_return Error{"reply from " + where + " incomplete by the deadline (TCP)"};
  }
  if (ec) co_return Error{"reading the reply from " + where + " failed: " + ec.message()};
  trace->answered = true;
  co_return reply;
}

namespace {

KdcTimeResult judge_reply(const TimedReply& timed, const std::string& where) {
  switch (kerberos::classify_reply(timed.bytes)) {
    case kerberos::ReplyKind::AsRep:
      return kdc_time_failure("the KDC at " + where + " issued a ticket (AS-REP) for a principal that should not exist");
    case kerberos::ReplyKind::Other:
      return kdc_time_failure("reply from " + where + " is not a Kerberos message (" + std::to_string(timed.bytes.size()) + " bytes)");
    case kerberos::ReplyKind::KrbError:
      break;
  }
  auto error = kerberos::decode_krb_error(timed.bytes);
  if (!error) return kdc_time_failure("malformed KRB-ERROR from " + where + ": " + error.error());
  KdcTimeResult out;
  out.ok = true;
  out.error_code = error.value().error_code;
  out.error_name = kerberos::error_name(out.error_code);
  out.rtt_seconds = std::chrono::duration<double>(timed.round_trip).count();
  // The KDC stamped stime somewhere inside the round trip: compare with our clock at its middle.
  const TimePoint midpoint = timed.sent + timed.round_trip / 2;
  out.offset_seconds = std::chrono::duration<double>(error.value().server_time - midpoint).count();
  return out;
}

}  // namespace

asio::awaitable<KdcTimeResult> kdc_time_query(ProbeContext& ctx, std::string host, uint16_t port, std::string realm,
                                              KdcTransport transport, SteadyTime deadline) {
  try {
    if (realm.empty()) co_return kdc_time_failure("Kerberos: no realm to ask the KDC about");
    const std::string where = endpoint_text(host, port);
    const uint32_t nonce = make_nonce();
    RequestAt request = [realm, nonce](TimePoint sent) {
      return kerberos::encode_as_req(realm, probe_principal(nonce), sent, nonce);
    };
    std::optional<Result<TimedReply>> exchange;
    if (transport == KdcTransport::Udp) {
      exchange.emplace(co_await udp_request(ctx, host, port, request, deadline));
    } else {
      exchange.emplace(co_await kdc_tcp_request(ctx, host, port, request, deadline));
    }
    if (!exchange->ok()) co_return kdc_time_failure("Kerberos: " + exchange->error());
    auto result = judge_reply(exchange->value(), where);
    if (!result.ok) result.error = "Kerberos: " + result.error;
    co_return result;
  } catch (const std::exception& e) {
    co_return kdc_time_failure(std::string("Kerberos: ") + e.what());
  }
}

}  // namespace authwatch::probes

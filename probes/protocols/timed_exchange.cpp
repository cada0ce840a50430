#include "probes/protocols/timed_exchange.hpp"

#include <algorithm>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include "core/clock.hpp"

namespace authwatch::probes {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;

constexpr size_t kMaxDatagram = 65535;

}  // namespace

std::string endpoint_text(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

asio::awaitable<Result<std::vector<asio::ip::address>>> resolve_addresses(ProbeContext& ctx, std::string host, SteadyTime deadline) {
  boost::system::error_code ec;
  auto literal = asio::ip::make_address(host, ec);
  if (!ec) co_return std::vector<asio::ip::address>{literal};
  if (host.empty()) co_return Error{"no host given"};
  // Built as a named local, not inside the co_await expression: GCC 12 relocates a lambda
  // temporary there without running its captured string's move constructor (ASan: bad-free).
  std::function<Result<std::vector<asio::ip::address>>()> lookup = [host]() -> Result<std::vector<asio::ip::address>> {
    asio::io_context local;
    asio::ip::tcp::resolver resolver(local);
    boost::system::error_code error;
    auto results = resolver.resolve(host, "", error);
    if (error) return Error{"cannot resolve " + host + ": " + error.message()};
    std::vector<asio::ip::address> addresses;
    for (const auto& entry : results) {
      auto a = entry.endpoint().address();
      if (std::find(addresses.begin(), addresses.end(), a) == addresses.end()) addresses.push_back(a);
    }
    if (addresses.empty()) return Error{"cannot resolve " + host + ": no addresses"};
    return addresses;
  };
  auto resolved = co_await run_blocking<Result<std::vector<asio::ip::address>>>(ctx.blocking, deadline, std::move(lookup));
  if (!resolved) co_return Error{"resolving " + host + " did not finish by the deadline"};
  co_return std::move(*resolved);
}

asio::awaitable<Result<TimedReply>> udp_request(ProbeContext& ctx, std::string host, uint16_t port, RequestAt request,
                                                SteadyTime deadline, ExchangeTrace* trace) {
  ExchangeTrace ignored;
  if (!trace) trace = &ignored;
  const std::string where = endpoint_text(host, port);
  auto addresses = co_await resolve_addresses(ctx, host, deadline);
  if (!addresses) co_return Error{addresses.error()};

  auto executor = co_await asio::this_coro::executor;
  udp::socket socket(executor);
  Deadline guard(executor, deadline);  // declared after the socket it closes
  guard.guard(socket);
  std::vector<uint8_t> buffer(std::clamp<size_t>(ctx.settings.max_reply_bytes, 1, kMaxDatagram));
  std::string last_error;
  for (const auto& address : addresses.value()) {
    if (guard.expired()) break;
    boost::system::error_code ec;
    const udp::endpoint endpoint(address, port);
    socket.close(ec);
    socket.open(endpoint.protocol(), ec);
    // Connected: only the server's datagrams arrive, and ICMP port unreachable surfaces as
    // connection_refused on the receive.
    if (!ec) socket.connect(endpoint, ec);
    if (ec) {
      last_error = "cannot open a UDP socket to " + where + ": " + ec.message();
      continue;
    }
    TimedReply reply;
    reply.sent = SystemClock{}.now();
    const auto sent_steady = std::chrono::steady_clock::now();
    const auto packet = request(reply.sent);
    co_await socket.async_send(asio::buffer(packet), asio::redirect_error(asio::use_awaitable, ec));
    size_t received = 0;
    if (!ec) received = co_await socket.async_receive(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    reply.round_trip = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - sent_steady);
    if (!ec) {
      reply.bytes.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(received));
      trace->answered = true;
      co_return reply;
    }
    if (guard.expired()) break;
    if (ec == asio::error::connection_refused) {
      last_error = "UDP port unreachable at " + where + " (ICMP)";
      continue;
    }
    co_return Error{"UDP exchange with " + where + " failed: " + ec.message()};
  }
  if (guard.expired()) {
    trace->timed_out = true;
    co_return Error{"no reply from " + where + " by the deadline (UDP)"};
  }
  co_return Error{last_error.empty() ? "no address to try for " + where : last_error};
}

}  // namespace authwatch::probes

#pragma once
// What the SNTP and KDC clients share: resolving a host under the deadline, and one UDP
// request/reply with the wall-clock send time and the steady round trip that skew needs.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange without it
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include "core/result.hpp"
#include "core/time.hpp"
#include "probes/async_util.hpp"
#include "probes/probe.hpp"

namespace authwatch::probes {

// IP literals need no lookup. Names go through asio's resolver on ctx.blocking: getaddrinfo
// cannot be cancelled, so the client stops waiting at the deadline and leaves it running there.
boost::asio::awaitable<Result<std::vector<boost::asio::ip::address>>> resolve_addresses(ProbeContext& ctx, std::string host,
                                                                                       SteadyTime deadline);

struct TimedReply {
  std::vector<uint8_t> bytes;
  TimePoint sent{};                        // our wall clock just before sending (T1)
  std::chrono::microseconds round_trip{};  // steady clock, so a wall-clock step cannot distort it
  TimePoint received() const { return sent + round_trip; }  // T4 on the same wall-clock scale as T1
};

// How far one exchange got, for a caller that must tell silence from slowness (docs/domain.md
// §10): whether the TCP connection was accepted, whether a reply came, and whether it was still
// waiting when the deadline came.
struct ExchangeTrace {
  bool connected = false;
  bool answered = false;
  bool timed_out = false;
};

// Builds the request from the send time (SNTP carries T1 inside the packet).
using RequestAt = std::function<std::vector<uint8_t>(TimePoint sent)>;

// Sends one datagram to host:port and returns the first datagram that comes back (at most
// min(max_reply_bytes, 65535) bytes are kept). Tries the next address when one answers with ICMP
// port unreachable. Errors name host:port: unresolvable, refused, no reply by the deadline.
boost::asio::awaitable<Result<TimedReply>> udp_request(ProbeContext& ctx, std::string host, uint16_t port, RequestAt request,
                                                       SteadyTime deadline, ExchangeTrace* trace = nullptr);

// "host:port", or "[v6]:port".
std::string endpoint_text(const std::string& host, uint16_t port);

}  // namespace authwatch::probes

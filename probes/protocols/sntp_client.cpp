#include "probes/protocols/sntp_client.hpp"

#include <exception>

#include "probes/protocols/sntp.hpp"
#include "probes/protocols/timed_exchange.hpp"

namespace authwatch::probes {
namespace {

namespace asio = boost::asio;

SntpResult sntp_failure(std::string error) {
  SntpResult r;
  r.error = std::move(error);
  return r;
}

bool echoes_transmit(std::span<const uint8_t> reply, TimePoint sent) {
  constexpr size_t kOriginateAt = 24;
  uint64_t originate = 0;
  for (size_t i = 0; i < 8; ++i) originate = (originate << 8) | reply[kOriginateAt + i];
  return originate == sntp::to_ntp(sent);
}

}  // namespace

asio::awaitable<SntpResult> sntp_query(ProbeContext& ctx, std::string host, uint16_t port, SteadyTime deadline) {
  try {
    const std::string where = endpoint_text(host, port);
    // A named local: GCC 12 mishandles lambda temporaries inside a co_await expression.
    RequestAt request = [](TimePoint sent) {
      auto packet = sntp::encode_request(sent);
      return std::vector<uint8_t>(packet.begin(), packet.end());
    };
    auto exchange = co_await udp_request(ctx, host, port, std::move(request), deadline);
    if (!exchange) co_return sntp_failure("SNTP: " + exchange.error());
    const TimedReply& timed = exchange.value();
    auto reply = sntp::decode_reply(timed.bytes);
    if (!reply) co_return sntp_failure(reply.error() + " from " + where);
    const sntp::Reply& r = reply.value();
    if (r.stratum == 0) co_return sntp_failure("SNTP: kiss-o'-death \"" + r.kiss_code + "\" from " + where);
    // RFC 4330 §5: a reply whose originate is not our transmit answers someone else's request.
    // Compared as the raw 64 bits: decoding rounds to microseconds and would hide a changed low bit.
    if (!echoes_transmit(timed.bytes, timed.sent)) {
      co_return sntp_failure("SNTP: reply from " + where + " does not echo our transmit timestamp");
    }
    const auto m = sntp::measure(timed.sent, r, timed.received());
    SntpResult out;
    out.ok = true;
    out.offset_seconds = m.offset_seconds;
    out.delay_seconds = m.delay_seconds;
    out.stratum = r.stratum;
    co_return out;
  } catch (const std::exception& e) {
    co_return sntp_failure(std::string("SNTP: ") + e.what());
  }
}

}  // namespace authwatch::probes

#pragma once
// One SNTP query (RFC 4330) to a server: our clock's offset from it and the round-trip delay.
#include <cstdint>
#include <string>
#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "probes/async_util.hpp"
#include "probes/probe.hpp"

namespace authwatch::probes {

struct SntpResult {
  bool ok = false;
  double offset_seconds = 0;  // server clock minus ours
  double delay_seconds = 0;
  int stratum = 0;
  std::string error;  // when !ok: why (unresolvable, unreachable, no reply by the deadline, bad reply)
};

// Validates that the reply's originate echoes our transmit timestamp; kiss-o'-death (stratum 0)
// is an error naming the code. Never throws; completes by `deadline`.
boost::asio::awaitable<SntpResult> sntp_query(ProbeContext& ctx, std::string host, uint16_t port, SteadyTime deadline);

}  // namespace authwatch::probes

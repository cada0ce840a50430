#pragma once
// Carries one Kerberos request (AS-REQ or TGS-REQ built by the platform's Kerberos library) to
// the KDCs of a realm under the probe's deadline, the way a Windows client does: the KDCs in
// turn, each given an equal share of the time left, TCP first (an AD TGS-REQ carries a PAC and
// is far above the 1465-byte UDP limit), UDP when a KDC refuses the TCP connection.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange without it
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/result.hpp"
#include "probes/async_util.hpp"
#include "probes/probe.hpp"

namespace authwatch::probes {

struct KdcEndpoint {
  std::string host;
  uint16_t port = 88;
};

// A KDC as krb5.conf or --dc name it: "host", "host:port", "[v6]:port", "tcp/host:port",
// "udp/host". nullopt for an empty entry or a URL (MS-KKDCP proxies are not spoken here).
std::optional<KdcEndpoint> parse_kdc_entry(const std::string& entry);

struct KdcReply {
  std::vector<uint8_t> bytes;
  std::string kdc;  // who answered: "198.18.77.11:88/tcp"
};

// One KDC tried over one transport: what tells a hung KDC (connected, never answered) from an
// unreachable one (docs/domain.md §10).
struct KdcAttempt {
  std::string kdc;        // "198.18.77.11:88"
  std::string transport;  // tcp|udp
  bool connected = false;  // tcp: the connection was accepted
  bool answered = false;
  bool timed_out = false;  // still waiting when its share of the deadline ran out
  std::string error;
};

// The first reply from `kdcs`, or an error naming every KDC tried and what happened with it.
// `attempts` (optional) gets one entry per KDC and transport tried, in order.
boost::asio::awaitable<Result<KdcReply>> kdc_exchange(ProbeContext& ctx, std::vector<std::string> kdcs, std::vector<uint8_t> message,
                                                      SteadyTime deadline, std::vector<KdcAttempt>* attempts = nullptr);

}  // namespace authwatch::probes

#pragma once
// The KDC's clock without credentials: an AS-REQ for a principal that does not exist makes any
// KDC answer with a KRB-ERROR, whose stime/susec are its clock (RFC 4120 §5.9.1).
#include <cstdint>
#include <string>
#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "probes/async_util.hpp"
#include "probes/probe.hpp"
#include "probes/protocols/exchange_errors.hpp"
#include "probes/protocols/timed_exchange.hpp"

namespace authwatch::probes {

enum class KdcTransport { Udp, Tcp };  // TCP: 4-byte big-endian length prefix (RFC 4120 §7.2.2)

struct KdcTimeResult {
  bool ok = false;
  double offset_seconds = 0;  // KDC clock minus ours at the midpoint of the exchange
  double rtt_seconds = 0;
  int error_code = 0;          // the KRB-ERROR's code (6 KDC_ERR_C_PRINCIPAL_UNKNOWN expected)
  std::string error_name;
  std::string error;  // when !ok: why (timeout, refused, garbage)
};

// One Kerberos exchange over TCP (RFC 4120 §7.2.2): the length-prefixed request, the
// length-prefixed reply of at most settings.max_reply_bytes. Errors name host:port.
// `trace` (optional) tells an accepted connection that never answered from no connection at all.
// A refused connection has the code ExchangeErrc::refused.
boost::asio::awaitable<Result<TimedReply>> kdc_tcp_request(ProbeContext& ctx, const std::string& host, uint16_t port,
                                                           const RequestAt& request, SteadyTime deadline,
                                                           ExchangeTrace* trace = nullptr);

// Sends an AS-REQ for "authwatch-probe-<nonce>@realm" and reads the KRB-ERROR's stime/susec.
// An AS-REP (unexpected) or any other reply -> !ok with a clear error. Caps the TCP length
// prefix at settings.max_reply_bytes. Never throws; completes by `deadline`.
boost::asio::awaitable<KdcTimeResult> kdc_time_query(ProbeContext& ctx, std::string host, uint16_t port, std::string realm,
                                                     KdcTransport transport, SteadyTime deadline);

}  // namespace authwatch::probes

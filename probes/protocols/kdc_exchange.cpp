#include "probes/protocols/kdc_exchange.hpp"

#include <exception>

#include "core/text.hpp"
#include "probes/protocols/kdc_client.hpp"
#include "probes/protocols/timed_exchange.hpp"

namespace authwatch::probes {
namespace {

namespace asio = boost::asio;

constexpr uint16_t kKerberosPort = 88;

}  // namespace

std::optional<KdcEndpoint> parse_kdc_entry(const std::string& raw) {
  std::string entry = raw;
  while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.pop_back();
  while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.erase(0, 1);
  if (entry.find("://") != std::string::npos) return std::nullopt;
  if (entry.rfind("tcp/", 0) == 0 || entry.rfind("udp/", 0) == 0) entry.erase(0, 4);
  if (entry.empty()) return std::nullopt;
  KdcEndpoint out;
  out.port = kKerberosPort;
  if (entry.front() == '[') {
    const auto close = entry.find(']');
    if (close == std::string::npos || close == 1) return std::nullopt;
    out.host = entry.substr(1, close - 1);
    if (close + 1 < entry.size()) {
      if (entry[close + 1] != ':') return std::nullopt;
      auto port = parse_port(entry.substr(close + 2));
      if (!port) return std::nullopt;
      out.port = *port;
    }
    return out;
  }
  const auto colon = entry.find(':');
  if (colon != std::string::npos && entry.find(':', colon + 1) == std::string::npos) {
    auto port = parse_port(entry.substr(colon + 1));
    if (!port || colon == 0) return std::nullopt;
    out.host = entry.substr(0, colon);
    out.port = *port;
    return out;
  }
  out.host = entry;  // a name, or an IPv6 literal without a port
  return out;
}

asio::awaitable<Result<KdcReply>> kdc_exchange(ProbeContext& ctx, std::vector<std::string> kdcs, std::vector<uint8_t> message,
                                               SteadyTime deadline, std::vector<KdcAttempt>* attempts) {
  std::string failures;
  auto note = [&failures](const std::string& what) { failures += (failures.empty() ? "" : "; ") + what; };
  // At most one entry per KDC and transport: bounded by the KDC list, which the caller bounds.
  auto record = [attempts](const std::string& where, const char* transport, const ExchangeTrace& trace, const std::string& error) {
    if (attempts) attempts->push_back({where, transport, trace.connected, trace.answered, trace.timed_out, error});
  };
  try {
    if (kdcs.empty()) co_return Error{"no KDC to ask"};
    RequestAt request = [message](TimePoint) { return message; };
    for (size_t i = 0; i < kdcs.size(); ++i) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        note(kdcs[i] + ": not tried, no time left");
        continue;
      }
      auto endpoint = parse_kdc_entry(kdcs[i]);
      if (!endpoint) {
        note("'" + kdcs[i] + "' is not a KDC address (host, host:port or [v6]:port)");
        continue;
      }
      // An equal share of what is left, so a silent first KDC leaves time for the next.
      const SteadyTime share = now + (deadline - now) / static_cast<long>(kdcs.size() - i);
      const std::string where = endpoint_text(endpoint->host, endpoint->port);
      ExchangeTrace tcp_trace;
      auto tcp = co_await kdc_tcp_request(ctx, endpoint->host, endpoint->port, request, share, &tcp_trace);
      record(where, "tcp", tcp_trace, tcp ? "" : tcp.error());
      if (tcp) co_return KdcReply{std::move(tcp.value().bytes), where + "/tcp"};
      note(tcp.error());
      // Refused (not silent): something answers at that address, so UDP is worth a try.
      if (tcp.code() != ExchangeErrc::refused || std::chrono::steady_clock::now() >= share) continue;
      ExchangeTrace udp_trace;
      auto udp = co_await udp_request(ctx, endpoint->host, endpoint->port, request, share, &udp_trace);
      record(where, "udp", udp_trace, udp ? "" : udp.error());
      if (udp) co_return KdcReply{std::move(udp.value().bytes), where + "/udp"};
      note(udp.error());
    }
  } catch (const std::exception& e) {
    note(std::string("internal error: ") + e.what());
  }
  co_return Error{failures};
}

}  // namespace authwatch::probes

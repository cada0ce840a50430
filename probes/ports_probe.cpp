#include "probes/ports_probe.hpp"

#include <cmath>
#include <map>
#include <span>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include "core/clock.hpp"
#include "probes/async_util.hpp"
#include "probes/dns_srv.hpp"
#include "probes/ldap/cldap.hpp"
#include "probes/protocols/kerberos.hpp"
#include "probes/protocols/sntp.hpp"
#include "probes/protocols/timed_exchange.hpp"

namespace authwatch::probes {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using Task = std::function<asio::awaitable<nlohmann::json>()>;

// Ports whose loss breaks Kerberos itself; the others degrade AD (RPC, SMB, GC, LDAPS).
bool critical(int port, const std::string& protocol) {
  return port == 88 || port == 464 || (port == 389 && protocol == "tcp") || port == 53;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

nlohmann::json state(int port, const char* protocol, const char* st, const std::string& detail, double ms) {
  nlohmann::json j{{"port", port}, {"protocol", protocol}, {"state", st}, {"ms", std::round(ms * 10) / 10}};
  if (!detail.empty()) j["detail"] = detail;
  return j;
}

Task tcp_check(ProbeContext& ctx, std::string host, uint16_t port, SteadyTime deadline) {
  return [&ctx, host, port, deadline]() -> asio::awaitable<nlohmann::json> {
    auto executor = co_await asio::this_coro::executor;
    auto t0 = std::chrono::steady_clock::now();
    auto addresses = co_await resolve_addresses(ctx, host, deadline);
    if (!addresses.ok() || addresses.value().empty())
      co_return state(port, "tcp", "filtered", addresses.ok() ? "no address for " + host : addresses.error(), ms_since(t0));
    tcp::socket socket(executor);
    Deadline guard(executor, deadline);
    guard.guard(socket);
    boost::system::error_code ec;
    co_await socket.async_connect({addresses.value().front(), port}, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_return state(port, "tcp", "open", "", ms_since(t0));
    if (ec == asio::error::connection_refused) co_return state(port, "tcp", "closed", "connection refused", ms_since(t0));
    if (guard.expired()) co_return state(port, "tcp", "filtered", "no answer before the deadline", ms_since(t0));
    co_return state(port, "tcp", "filtered", ec.message(), ms_since(t0));
  };
}

// One request, one valid reply expected. `valid` says whether a datagram is the protocol's answer.
Task udp_check(ProbeContext& ctx, std::string host, uint16_t port, std::vector<uint8_t> request,
               std::function<bool(std::span<const uint8_t>)> valid, std::string protocol_name, SteadyTime deadline) {
  return [&ctx, host, port, request, valid, protocol_name, deadline]() -> asio::awaitable<nlohmann::json> {
    auto executor = co_await asio::this_coro::executor;
    auto t0 = std::chrono::steady_clock::now();
    auto addresses = co_await resolve_addresses(ctx, host, deadline);
    if (!addresses.ok() || addresses.value().empty())
      co_return state(port, "udp", "filtered", addresses.ok() ? "no address for " + host : addresses.error(), ms_since(t0));
    udp::socket socket(executor);
    Deadline guard(executor, deadline);
    guard.guard(socket);
    boost::system::error_code ec;
    udp::endpoint endpoint(addresses.value().front(), port);
    socket.open(endpoint.protocol(), ec);
    // Connected UDP: the kernel reports ICMP port-unreachable as ECONNREFUSED on the next receive.
    if (!ec) socket.connect(endpoint, ec);
    if (ec) co_return state(port, "udp", "filtered", ec.message(), ms_since(t0));
    co_await socket.async_send(asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
    std::vector<uint8_t> reply(65536);
    std::string last_problem;
    while (!ec) {
      auto n = co_await socket.async_receive(asio::buffer(reply), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      if (valid(std::span<const uint8_t>(reply.data(), n))) co_return state(port, "udp", "open", protocol_name + " reply", ms_since(t0));
      last_problem = "a reply that is not valid " + protocol_name;  // keep listening for the real one
    }
    if (ec == asio::error::connection_refused) co_return state(port, "udp", "closed", "ICMP port unreachable", ms_since(t0));
    if (!last_problem.empty()) co_return state(port, "udp", "filtered", last_problem, ms_since(t0));
    co_return state(port, "udp", "filtered", guard.expired() ? "no " + protocol_name + " reply before the deadline" : ec.message(), ms_since(t0));
  };
}

Task udp_task(ProbeContext& ctx, const std::string& host, uint16_t port, SteadyTime deadline) {
  static thread_local uint32_t counter = 0x5157;
  const uint16_t id = static_cast<uint16_t>(++counter);
  switch (port) {
    case 53: {
      auto domain = ctx.targets.domain.empty() ? host : ctx.targets.domain;
      return udp_check(ctx, host, port, make_dns_query(domain, id), [id](std::span<const uint8_t> b) { return is_dns_reply(b, id); }, "DNS", deadline);
    }
    case 88: {
      auto realm = ctx.targets.realm.empty() ? std::string("EXAMPLE") : ctx.targets.realm;
      return udp_check(ctx, host, port, kerberos::encode_as_req(realm, "authwatch-port-probe", SystemClock{}.now(), id),
                       [](std::span<const uint8_t> b) { return kerberos::classify_reply(b) != kerberos::ReplyKind::Other; }, "Kerberos", deadline);
    }
    case 389:
      return udp_check(ctx, host, port, make_cldap_search(id), [id](std::span<const uint8_t> b) { return is_cldap_reply(b, id); }, "CLDAP", deadline);
    case 123: {
      auto packet = sntp::encode_request(SystemClock{}.now());
      return udp_check(ctx, host, port, std::vector<uint8_t>(packet.begin(), packet.end()),
                       [](std::span<const uint8_t> b) { return sntp::decode_reply(b).ok(); }, "NTP", deadline);
    }
    default:
      return [port]() -> asio::awaitable<nlohmann::json> {
        co_return state(port, "udp", "filtered", "no protocol-valid request known for this port", 0);
      };
  }
}

}  // namespace

Finding judge_ports(const std::string& dc, const nlohmann::json& ports) {
  Finding f{"ports", dc, FindingStatus::Ok, "", {{"ports", ports}}, ""};
  std::vector<std::string> blocked, blocked_critical;
  for (const auto& p : ports) {
    if (p["state"] == "open") continue;
    auto name = std::to_string(p["port"].get<int>()) + "/" + p["protocol"].get<std::string>() + " " + p["state"].get<std::string>();
    blocked.push_back(name);
    if (critical(p["port"].get<int>(), p["protocol"].get<std::string>())) blocked_critical.push_back(name);
  }
  f.evidence["blocked"] = blocked;
  if (blocked.empty()) {
    f.summary = "all " + std::to_string(ports.size()) + " Kerberos/AD ports of " + dc + " answer";
    return f;
  }
  std::string list;
  for (const auto& b : blocked) list += (list.empty() ? "" : ", ") + b;
  f.status = blocked_critical.empty() ? FindingStatus::Warn : FindingStatus::Fail;
  f.summary = dc + ": " + list;
  f.remediation = "Allow these ports from this server to " + dc +
                  " (KB 179442): Kerberos needs TCP and UDP 88 and 464, LDAP 389, DNS 53; check Windows Firewall on the DC "
                  "and any network firewall between (\"filtered\" = dropped silently, \"closed\" = nothing listening or rejected).";
  return f;
}

asio::awaitable<std::vector<Finding>> PortsProbe::run(ProbeContext& ctx) {
  std::vector<Finding> findings;
  if (ctx.targets.dcs.empty()) {
    findings.push_back({"ports", "", FindingStatus::Skipped, "no domain controller to check", {}, ""});
    co_return findings;
  }
  const SteadyTime deadline = std::chrono::steady_clock::now() + ctx.settings.deadline;
  std::vector<Task> tasks;
  std::vector<std::string> owners;
  for (const auto& dc : ctx.targets.dcs) {
    for (auto port : ctx.settings.tcp_ports) tasks.push_back(tcp_check(ctx, dc, port, deadline)), owners.push_back(dc);
    for (auto port : ctx.settings.udp_ports) tasks.push_back(udp_task(ctx, dc, port, deadline)), owners.push_back(dc);
  }
  auto results = co_await gather<nlohmann::json>(std::move(tasks));
  std::map<std::string, nlohmann::json> by_dc;
  for (size_t i = 0; i < results.size(); ++i)
    by_dc[owners[i]].push_back(results[i] ? *results[i] : nlohmann::json{{"port", 0}, {"protocol", "?"}, {"state", "filtered"}, {"detail", "internal error"}});
  for (const auto& dc : ctx.targets.dcs) findings.push_back(judge_ports(dc, by_dc[dc]));
  co_return findings;
}

}  // namespace authwatch::probes

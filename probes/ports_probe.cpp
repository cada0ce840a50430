#include "probes/ports_probe.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <span>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/write.hpp>

#include "core/clock.hpp"
#include "core/text.hpp"
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
using PortCheckTask = std::function<asio::awaitable<PortTry>()>;
using Validator = std::function<bool(std::span<const uint8_t>)>;

// Ports whose loss breaks Kerberos itself; the others degrade AD (RPC, SMB, GC, LDAPS).
bool critical(int port, const std::string& protocol) {
  return port == 88 || port == 464 || (port == 389 && protocol == "tcp") || port == 53;
}

// The services a hung or overloaded DC stops answering (Kerberos, LDAP, the GC, DNS, kpasswd).
bool service(int port) { return port == 88 || port == 389 || port == 3268 || port == 53 || port == 464; }

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string ms_as_seconds_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000.0);
  return buf;
}

uint16_t next_id() {
  static thread_local uint32_t counter = 0x5157;
  return static_cast<uint16_t>(++counter);
}

// A protocol-valid request over TCP and the test that the bytes read so far are its answer.
struct TcpExchange {
  std::vector<uint8_t> request;
  Validator complete;
  std::string protocol_name;
};

// Length-prefixed framing: DNS (RFC 1035 §4.2.2, 2 bytes) and Kerberos (RFC 4120 §7.2.2, 4 bytes).
std::vector<uint8_t> framed(const std::vector<uint8_t>& message, size_t prefix) {
  std::vector<uint8_t> out(prefix + message.size());
  for (size_t i = 0; i < prefix; ++i) out[i] = static_cast<uint8_t>(message.size() >> (8 * (prefix - 1 - i)));
  std::copy(message.begin(), message.end(), out.begin() + static_cast<std::ptrdiff_t>(prefix));
  return out;
}

// The framed message once all of it has arrived, else an empty span.
std::span<const uint8_t> unframed(std::span<const uint8_t> bytes, size_t prefix) {
  if (bytes.size() < prefix) return {};
  size_t length = 0;
  for (size_t i = 0; i < prefix; ++i) length = (length << 8) | bytes[i];
  if (bytes.size() - prefix < length) return {};
  return bytes.subspan(prefix, length);
}

std::optional<TcpExchange> tcp_exchange(ProbeContext& ctx, const std::string& host, uint16_t port) {
  const uint16_t id = next_id();
  switch (port) {
    case 53: {
      auto query = make_dns_query(ctx.targets.domain.empty() ? host : ctx.targets.domain, id);
      if (query.empty()) return std::nullopt;
      return TcpExchange{framed(query, 2), [id](std::span<const uint8_t> b) {
                           auto m = unframed(b, 2);
                           return !m.empty() && is_dns_reply(m, id);
                         }, "DNS"};
    }
    case 88: {
      auto realm = ctx.targets.realm.empty() ? std::string("EXAMPLE") : ctx.targets.realm;
      return TcpExchange{framed(kerberos::encode_as_req(realm, "authwatch-port-probe", SystemClock{}.now(), id), 4),
                         [](std::span<const uint8_t> b) {
                           auto m = unframed(b, 4);
                           return !m.empty() && kerberos::classify_reply(m) != kerberos::ReplyKind::Other;
                         }, "Kerberos"};
    }
    case 389:
    case 3268: {
      auto search = make_cldap_search(id);
      if (search.empty()) return std::nullopt;
      // LDAP over TCP is the same LDAPMessage as CLDAP: the rootDSE is readable without a bind.
      return TcpExchange{search, [id](std::span<const uint8_t> b) { return is_cldap_reply(b, id); }, "LDAP"};
    }
    default: return std::nullopt;
  }
}

PortCheckTask tcp_check(ProbeContext& ctx, std::string host, uint16_t port, SteadyTime deadline) {
  return [&ctx, host, port, deadline]() -> asio::awaitable<PortTry> {
    PortTry t;
    t.port = port;
    t.protocol = "tcp";
    auto executor = co_await asio::this_coro::executor;
    const auto t0 = std::chrono::steady_clock::now();
    auto addresses = co_await resolve_addresses(ctx, host, deadline);
    if (!addresses.ok() || addresses.value().empty()) {
      t.detail = addresses.ok() ? "no address for " + host : addresses.error();
      t.timed_out = std::chrono::steady_clock::now() >= deadline;
      t.ms = ms_since(t0);
      co_return t;
    }
    tcp::socket socket(executor);
    Deadline guard(executor, deadline);
    guard.guard(socket);
    boost::system::error_code ec;
    co_await socket.async_connect({addresses.value().front(), port}, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      t.refused = ec == asio::error::connection_refused;
      t.timed_out = !t.refused && guard.expired();
      t.detail = t.refused ? "connection refused" : t.timed_out ? "no connection before the deadline" : ec.message();
      t.ms = ms_since(t0);
      co_return t;
    }
    t.connected = true;
    auto exchange = tcp_exchange(ctx, host, port);
    if (!exchange) {
      t.answered = true;  // a connect is all this port is asked
      t.ms = ms_since(t0);
      co_return t;
    }
    t.speaks = true;
    co_await asio::async_write(socket, asio::buffer(exchange->request), asio::redirect_error(asio::use_awaitable, ec));
    std::vector<uint8_t> reply;
    std::vector<uint8_t> chunk(4096);
    const size_t cap = std::max<size_t>(ctx.settings.max_reply_bytes, 1);
    while (!ec && reply.size() < cap) {
      const size_t n = co_await socket.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
      reply.insert(reply.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(std::min(n, cap - reply.size())));
      if (exchange->complete(reply)) {
        t.answered = true;
        t.detail = exchange->protocol_name + " reply";
        t.ms = ms_since(t0);
        co_return t;
      }
    }
    const std::string what = exchange->protocol_name;
    if (guard.expired()) {
      t.timed_out = true;
      t.detail = "connection accepted, no " + what + " reply before the deadline";
    } else if (!ec) {
      t.detail = "connection accepted, " + std::to_string(reply.size()) + " bytes that are no " + what + " reply";
    } else if (ec == asio::error::eof) {
      t.detail = "connection accepted, closed without a " + what + " reply";
    } else {
      t.detail = "connection accepted, then " + ec.message();
    }
    t.ms = ms_since(t0);
    co_return t;
  };
}

// One request, one valid reply expected. `valid` says whether a datagram is the protocol's answer.
PortCheckTask udp_check(ProbeContext& ctx, std::string host, uint16_t port, std::vector<uint8_t> request, Validator valid,
               std::string protocol_name, SteadyTime deadline) {
  return [&ctx, host, port, request, valid, protocol_name, deadline]() -> asio::awaitable<PortTry> {
    PortTry t;
    t.port = port;
    t.protocol = "udp";
    t.speaks = true;
    auto executor = co_await asio::this_coro::executor;
    const auto t0 = std::chrono::steady_clock::now();
    auto addresses = co_await resolve_addresses(ctx, host, deadline);
    if (!addresses.ok() || addresses.value().empty()) {
      t.detail = addresses.ok() ? "no address for " + host : addresses.error();
      t.timed_out = std::chrono::steady_clock::now() >= deadline;
      t.ms = ms_since(t0);
      co_return t;
    }
    udp::socket socket(executor);
    Deadline guard(executor, deadline);
    guard.guard(socket);
    boost::system::error_code ec;
    udp::endpoint endpoint(addresses.value().front(), port);
    socket.open(endpoint.protocol(), ec);
    // Connected UDP: the kernel reports ICMP port-unreachable as ECONNREFUSED on the next receive.
    if (!ec) socket.connect(endpoint, ec);
    if (ec) {
      t.detail = ec.message();
      t.ms = ms_since(t0);
      co_return t;
    }
    co_await socket.async_send(asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
    std::vector<uint8_t> reply(65536);
    std::string last_problem;
    while (!ec) {
      auto n = co_await socket.async_receive(asio::buffer(reply), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      if (valid(std::span<const uint8_t>(reply.data(), n))) {
        t.answered = true;
        t.detail = protocol_name + " reply";
        t.ms = ms_since(t0);
        co_return t;
      }
      last_problem = "a reply that is not valid " + protocol_name;  // keep listening for the real one
    }
    t.ms = ms_since(t0);
    if (ec == asio::error::connection_refused) {
      t.refused = true;
      t.detail = "ICMP port unreachable";
    } else if (!last_problem.empty()) {
      t.detail = last_problem;  // something answers, but not the protocol: no point waiting longer
    } else if (guard.expired()) {
      t.timed_out = true;
      t.detail = "no " + protocol_name + " reply before the deadline";
    } else {
      t.detail = ec.message();
    }
    co_return t;
  };
}

PortCheckTask udp_task(ProbeContext& ctx, const std::string& host, uint16_t port, SteadyTime deadline) {
  const uint16_t id = next_id();
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
      return [port]() -> asio::awaitable<PortTry> {
        PortTry t;
        t.port = port;
        t.protocol = "udp";
        t.detail = "no protocol-valid request known for this port";
        co_return t;
      };
  }
}

struct CheckSpec {
  std::string dc;
  uint16_t port;
  bool tcp;
};

PortCheckTask task_for(ProbeContext& ctx, const CheckSpec& c, SteadyTime deadline) {
  return c.tcp ? tcp_check(ctx, c.dc, c.port, deadline) : udp_task(ctx, c.dc, c.port, deadline);
}

PortTry lost(const CheckSpec& c) {
  PortTry t;
  t.port = c.port;
  t.protocol = c.tcp ? "tcp" : "udp";
  t.detail = "internal error";
  return t;
}

std::string port_name(const nlohmann::json& p) {
  return std::to_string(p.value("port", 0)) + "/" + p.value("protocol", std::string("?"));
}

}  // namespace

bool needs_slow_retry(const PortTry& t) { return t.timed_out && !t.answered && !t.refused; }

nlohmann::json settle_ports(const std::vector<PortCheck>& checks, std::chrono::milliseconds deadline) {
  auto final_of = [](const PortCheck& c) -> const PortTry& { return c.retry ? *c.retry : c.first; };
  auto state_of = [](const PortCheck& c, const PortTry& t, const std::map<uint16_t, std::string>& tcp) -> std::string {
    if (t.answered) return c.retry ? "slow" : "open";
    if (t.refused) return "closed";
    if (t.protocol == "tcp") return !t.connected ? "filtered" : t.timed_out ? "unresponsive" : "open";
    // Silent UDP: the service when its TCP twin accepts and never answers either, else the path.
    auto twin = tcp.find(t.port);
    return twin != tcp.end() && twin->second == "unresponsive" ? "unresponsive" : "filtered";
  };
  std::map<uint16_t, std::string> tcp;
  for (const auto& c : checks)
    if (c.first.protocol == "tcp") tcp[c.first.port] = state_of(c, final_of(c), {});
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : checks) {
    const PortTry& t = final_of(c);
    const std::string state = state_of(c, t, tcp);
    nlohmann::json j{{"port", t.port}, {"protocol", t.protocol}, {"state", state}, {"ms", std::round(t.ms * 10) / 10}};
    std::string detail = t.detail;
    if (state == "slow") {
      j["slow_seconds"] = std::round(t.ms / 100) / 10;
      detail += " after " + ms_as_seconds_text(t.ms) + " in the slow retry (none within the " + std::to_string(deadline.count()) + " ms deadline)";
    } else if (c.retry && state == "unresponsive" && t.protocol == "udp") {
      detail += " (its TCP twin accepts connections and does not answer either)";
    } else if (c.retry) {
      detail += " (slow retry " + ms_as_seconds_text(t.ms) + ")";
    }
    if (!detail.empty()) j["detail"] = detail;
    if (t.protocol == "tcp") j["connected"] = t.connected;
    if (t.speaks) j["answered"] = t.answered;
    if (c.retry) j["first_try"] = {{"detail", c.first.detail}, {"ms", std::round(c.first.ms * 10) / 10}};
    out.push_back(std::move(j));
  }
  return out;
}

Finding judge_ports(const std::string& dc, const nlohmann::json& ports) {
  Finding f{"ports", dc, FindingStatus::Ok, "", {{"ports", ports}}, ""};
  std::vector<std::string> blocked, blocked_critical, unresponsive, unresponsive_service, slow;
  for (const auto& p : ports) {
    const std::string state = p.value("state", std::string("filtered")), protocol = p.value("protocol", std::string("?"));
    const int port = p.value("port", 0);
    if (state == "open") continue;
    if (state == "slow") {
      slow.push_back(port_name(p) + " after " + ms_as_seconds_text(p.value("slow_seconds", 0.0) * 1000));
    } else if (state == "unresponsive") {
      unresponsive.push_back(port_name(p));
      if (service(port)) unresponsive_service.push_back(port_name(p));
    } else {
      blocked.push_back(port_name(p) + " " + state);
      if (critical(port, protocol)) blocked_critical.push_back(blocked.back());
    }
  }
  f.evidence["blocked"] = blocked;
  f.evidence["unresponsive"] = unresponsive;
  f.evidence["slow"] = slow;
  if (blocked.empty() && unresponsive.empty() && slow.empty()) {
    f.summary = "all " + std::to_string(ports.size()) + " Kerberos/AD ports of " + dc + " answer";
    return f;
  }
  std::vector<std::string> parts;
  if (!blocked.empty()) parts.push_back(join(blocked, ", "));
  if (!unresponsive.empty()) parts.push_back(join(unresponsive, ", ") + " unresponsive (the connection is accepted, no reply comes)");
  if (!slow.empty()) parts.push_back("answered only in the slow retry: " + join(slow, ", "));
  f.summary = dc + ": ";
  for (size_t i = 0; i < parts.size(); ++i) f.summary += (i ? "; " : "") + parts[i];
  f.status = !blocked_critical.empty() || !unresponsive_service.empty() ? FindingStatus::Fail : FindingStatus::Warn;
  std::vector<std::string> what;
  if (!blocked.empty())
    what.push_back("Allow the blocked ports from this server to " + dc +
                   " (KB 179442): Kerberos needs TCP and UDP 88 and 464, LDAP 389, DNS 53; check Windows Firewall on the DC "
                   "and any network firewall between (\"filtered\" = dropped silently, \"closed\" = nothing listening or rejected).");
  if (!unresponsive.empty())
    what.push_back(dc + " accepts connections on " + join(unresponsive, ", ") +
                   " but does not answer: it is overloaded or hung, not firewalled; check its CPU, memory and lsass.exe, "
                   "`dcdiag /s:" + dc + "` and its event logs.");
  if (!slow.empty() && unresponsive.empty() && blocked.empty())
    what.push_back(dc + " answered only after the deadline: it is slow (busy, or just changed); if that persists, check its load.");
  for (const auto& w : what) f.remediation += (f.remediation.empty() ? "" : " ") + w;
  return f;
}

asio::awaitable<std::vector<Finding>> PortsProbe::run(ProbeContext& ctx) {
  std::vector<Finding> findings;
  if (ctx.targets.dcs.empty()) {
    findings.push_back({"ports", "", FindingStatus::Skipped, "no domain controller to check", {}, ""});
    co_return findings;
  }
  const SteadyTime start = std::chrono::steady_clock::now();
  const SteadyTime deadline = start + ctx.settings.deadline;
  std::vector<CheckSpec> specs;
  for (const auto& dc : ctx.targets.dcs) {
    for (auto port : ctx.settings.tcp_ports) specs.push_back({dc, port, true});
    for (auto port : ctx.settings.udp_ports) specs.push_back({dc, port, false});
  }
  std::vector<PortCheckTask> tasks;
  for (const auto& s : specs) tasks.push_back(task_for(ctx, s, deadline));
  auto first = co_await gather<PortTry>(std::move(tasks));
  std::vector<PortCheck> checks;
  for (size_t i = 0; i < specs.size(); ++i) checks.push_back({first[i] ? *first[i] : lost(specs[i]), std::nullopt});

  // Silence is tried once more, all at once, before it is concluded on.
  std::vector<size_t> again;
  for (size_t i = 0; i < checks.size(); ++i)
    if (needs_slow_retry(checks[i].first)) again.push_back(i);
  if (ctx.settings.slow_retry.count() > 0 && !again.empty()) {
    const SteadyTime retry_deadline =
        std::min(std::chrono::steady_clock::now() + ctx.settings.slow_retry, deadline + ctx.settings.slow_retry);
    std::vector<PortCheckTask> retries;
    for (size_t i : again) retries.push_back(task_for(ctx, specs[i], retry_deadline));
    auto second = co_await gather<PortTry>(std::move(retries));
    for (size_t k = 0; k < again.size(); ++k) checks[again[k]].retry = second[k] ? *second[k] : lost(specs[again[k]]);
  }

  for (const auto& dc : ctx.targets.dcs) {
    std::vector<PortCheck> mine;
    for (size_t i = 0; i < specs.size(); ++i)
      if (specs[i].dc == dc) mine.push_back(checks[i]);
    findings.push_back(judge_ports(dc, settle_ports(mine, ctx.settings.deadline)));
  }
  co_return findings;
}

}  // namespace authwatch::probes

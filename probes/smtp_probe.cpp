#include "probes/smtp_probe.hpp"

#include <memory>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/text.hpp"
#include "probes/protocols/timed_exchange.hpp"

namespace authwatch::probes {
namespace {

namespace asio = boost::asio;

// Every port's conversation ends by the deadline on its own (Deadline closes its socket); this
// margin only bounds the wait should one of them not, so the probe still reports in time.
constexpr std::chrono::milliseconds kJoinMargin{100};

nlohmann::json conversation_evidence(const std::string& host, uint16_t port, const EhloResult& r) {
  return {{"host", host},
          {"port", port},
          {"banner", r.banner},
          {"server_name", r.server_name},
          {"capabilities", r.capabilities},
          {"x_anonymoustls", r.x_anonymoustls},
          {"x_exps", r.x_exps},
          {"x_exps_gssapi", r.x_exps_gssapi},
          {"x_exps_exchangeauth", r.x_exps_exchangeauth},
          {"starttls", r.starttls},
          {"seconds", r.seconds}};
}

std::string x_exps_capability(const EhloResult& r) {
  for (const auto& c : r.capabilities)
    if (istarts_with(c, "X-EXPS ") || iequals(c, "X-EXPS")) return c;
  return "X-EXPS";
}

// The connector is named after the server's short name: "EX2\Default EX2" (docs/domain.md §8).
std::string set_connector_hint(const EhloResult& r, const std::string& host) {
  std::string server = r.server_name.empty() ? host : r.server_name;
  server = server.substr(0, server.find('.'));
  return "Set-ReceiveConnector \"" + server + "\\Default " + server +
         "\" -AuthMechanism Tls,Integrated,BasicAuth,BasicAuthRequireTLS,ExchangeServer";
}

}  // namespace

Result<SmtpPeer> parse_smtp_peer(std::string_view peer, const std::vector<uint16_t>& default_ports) {
  peer = trim(peer);
  SmtpPeer out;
  std::string_view port_text;
  if (!peer.empty() && peer.front() == '[') {
    auto close = peer.find(']');
    if (close == std::string_view::npos) return Error{"peer \"" + std::string(peer) + "\": missing ']'"};
    out.host = std::string(peer.substr(1, close - 1));
    auto rest = peer.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Error{"peer \"" + std::string(peer) + "\": expected ':port' after ']'"};
      port_text = rest.substr(1);
      if (port_text.empty()) return Error{"peer \"" + std::string(peer) + "\": empty port"};
    }
  } else if (auto colon = peer.find(':'); colon != std::string_view::npos && peer.find(':', colon + 1) == std::string_view::npos) {
    out.host = std::string(peer.substr(0, colon));
    port_text = peer.substr(colon + 1);
    if (port_text.empty()) return Error{"peer \"" + std::string(peer) + "\": empty port"};
  } else {
    out.host = std::string(peer);  // a name, an IPv4 address or a bare IPv6 literal
  }
  if (out.host.empty()) return Error{"peer \"" + std::string(peer) + "\": empty host"};
  if (port_text.empty()) {
    out.ports = default_ports;
  } else {
    auto port = parse_port(port_text);
    if (!port) return Error{"peer \"" + std::string(peer) + "\": invalid port \"" + std::string(port_text) + "\""};
    out.ports = {*port};
  }
  if (out.ports.empty()) return Error{"peer \"" + std::string(peer) + "\": no SMTP ports configured"};
  return out;
}

Finding smtp_finding(const std::string& host, uint16_t port, const EhloResult& r) {
  Finding f;
  f.probe = "smtp";
  f.target = endpoint_text(host, port);
  f.evidence = conversation_evidence(host, port, r);
  std::string who = r.server_name.empty() ? f.target : r.server_name + " (" + f.target + ")";
  if (!r.ok) {
    f.status = FindingStatus::Error;
    f.summary = f.target + ": " + r.error;
    f.evidence["error"] = r.error;
    return f;
  }
  if (r.x_exps && (r.x_exps_gssapi || r.x_exps_exchangeauth)) {
    f.status = FindingStatus::Ok;
    f.summary = who + " offers Exchange Server authentication (" + x_exps_capability(r) + ")" +
                (r.x_anonymoustls ? " and X-ANONYMOUSTLS" : "; no X-ANONYMOUSTLS (SuppressXAnonymousTls?)");
    return f;
  }
  f.status = FindingStatus::Fail;
  f.summary = r.x_exps ? who + " offers " + x_exps_capability(r) +
                             " without GSSAPI or EXCHANGEAUTH: Exchange Server authentication needs Kerberos"
                       : who + " offers no X-EXPS: Exchange Server authentication is off on this receive connector "
                               "(senders report 451 5.7.3 Cannot achieve Exchange Server authentication)";
  f.remediation = std::string(kSmtpNoExchangeAuthRemediation);
  f.evidence["hint"] = set_connector_hint(r, host);
  return f;
}

boost::asio::awaitable<std::vector<Finding>> SmtpProbe::run(ProbeContext& ctx) {
  std::vector<Finding> findings;
  if (ctx.targets.peer.empty()) {
    findings.push_back({"smtp", "", FindingStatus::Skipped, "no peer Exchange server configured", {}, ""});
    co_return findings;
  }
  auto peer = parse_smtp_peer(ctx.targets.peer, ctx.targets.peer_smtp_ports);
  if (!peer.ok()) {
    findings.push_back({"smtp", ctx.targets.peer, FindingStatus::Error, peer.error(), {}, ""});
    co_return findings;
  }
  const SmtpPeer& target = peer.value();
  const auto deadline = std::chrono::steady_clock::now() + ctx.settings.deadline;
  const std::string ehlo_name = local_host_name();

  // Boost 1.74 has no awaitable operators: spawn one conversation per port and wake the probe
  // when the last one has reported (or at the deadline plus a margin, whichever comes first).
  auto executor = co_await asio::this_coro::executor;
  struct Join {
    explicit Join(asio::any_io_executor ex) : wake(ex) {}
    asio::steady_timer wake;
    std::vector<std::optional<EhloResult>> results;
    size_t pending = 0;
  };
  auto join = std::make_shared<Join>(executor);
  join->results.resize(target.ports.size());
  join->pending = target.ports.size();
  join->wake.expires_at(deadline + kJoinMargin);
  for (size_t i = 0; i < target.ports.size(); ++i) {
    asio::co_spawn(executor, smtp_ehlo(ctx, target.host, target.ports[i], ehlo_name, deadline),
                   [join, i](std::exception_ptr error, EhloResult result) {
                     if (error) result.error = "internal error in the EHLO conversation";
                     join->results[i] = std::move(result);
                     if (--join->pending == 0) join->wake.cancel();
                   });
  }
  if (join->pending > 0) {
    boost::system::error_code ignored;
    co_await join->wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  for (size_t i = 0; i < target.ports.size(); ++i) {
    EhloResult result;
    if (join->results[i]) {
      result = *join->results[i];
    } else {
      result.error = "did not finish by its deadline";
      result.seconds = std::chrono::duration<double>(ctx.settings.deadline).count();
    }
    findings.push_back(smtp_finding(target.host, target.ports[i], result));
  }
  co_return findings;
}

}  // namespace authwatch::probes

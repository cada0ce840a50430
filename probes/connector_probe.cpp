#include "probes/connector_probe.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <map>

#include <boost/asio/ip/address.hpp>

#include "core/ad_names.hpp"
#include "core/text.hpp"
#include "probes/async_util.hpp"
#include "probes/ldap/dc_session.hpp"
#include "probes/smtp_probe.hpp"

namespace authwatch::probes {
namespace {

using namespace std::chrono;
using Bytes = std::array<uint8_t, 16>;

constexpr const char* kConnectorClass = "msExchSmtpReceiveConnector";
constexpr const char* kAuthAttribute = "msExchSMTPReceiveInboundSecurityFlag";

struct ConnectorInputs {
  std::vector<std::string> dcs;
  std::string server;
  std::string local_ip;
  std::string ccache;
  std::vector<uint16_t> ports;
};

std::optional<Bytes> address_bytes(std::string_view text) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(trim(text)), ec);
  if (ec) return std::nullopt;
  if (address.is_v4()) return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4()).to_bytes();
  return address.to_v6().to_bytes();
}

bool is_v4_mapped(const Bytes& b) {
  for (size_t i = 0; i < 10; ++i)
    if (b[i] != 0) return false;
  return b[10] == 0xff && b[11] == 0xff;
}

// last - first, byte-wise with borrow: how wide a range is, for "the most specific match".
Bytes width(const IpRange& r) {
  Bytes out{};
  int borrow = 0;
  for (size_t i = 16; i-- > 0;) {
    int d = r.last[i] - r.first[i] - borrow;
    borrow = d < 0;
    out[i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  return out;
}

// ---- directory work (blocking; runs on the probe's thread pool) ----

ConnectorReport collect(const ConnectorInputs& in, steady_clock::time_point deadline) {
  ConnectorReport report;
  report.server = in.server;
  report.local_ip = in.local_ip;
  report.ports = in.ports;
  auto dc = ldap::open_dc_session(in.dcs, ldap::kLdapPort, in.ccache, deadline);
  if (!dc) {
    report.error = dc.error();
    return report;
  }
  ldap::DcSession& session = dc.value();
  report.source = session.source();
  if (session.contexts.schema_nc.empty() || session.contexts.configuration_nc.empty()) {
    report.error = "the rootDSE of " + session.source() + " names no schema or configuration partition";
    return report;
  }
  ldap::SearchRequest schema;
  schema.base = session.contexts.schema_nc;
  schema.scope = ldap::Scope::OneLevel;
  schema.filter = std::string("(&(objectClass=classSchema)(lDAPDisplayName=") + kConnectorClass + "))";
  schema.attributes = {"lDAPDisplayName"};
  schema.timeout = std::max(milliseconds{1}, ldap::time_left(deadline));
  auto classes = session.directory.search(schema);
  if (!classes) {
    report.error = classes.error();
    return report;
  }
  report.schema_present = !classes.value().empty();
  if (!report.schema_present) return report;

  ldap::SearchRequest connectors;
  connectors.base = "CN=Microsoft Exchange,CN=Services," + session.contexts.configuration_nc;
  connectors.filter = std::string("(objectClass=") + kConnectorClass + ")";
  connectors.attributes = {kAuthAttribute, "msExchSmtpReceiveBindings", "msExchSmtpReceiveRemoteIPRanges", "msExchSmtpReceiveEnabled"};
  connectors.timeout = std::max(milliseconds{1}, ldap::time_left(deadline));
  auto found = session.directory.search(connectors);
  if (!found) {
    report.error = found.error();
    return report;
  }
  for (const auto& e : found.value()) {
    // CN=<name>,CN=SMTP Receive Connectors,CN=Protocols,CN=<server>,CN=Servers,...
    const std::string server = exchange_server_of_connector_dn(e.dn);
    if (!iequals(server, in.server)) continue;
    report.server = server;  // as the directory spells it
    ReceiveConnector c;
    c.dn = e.dn;
    c.name = first_rdn_value(e.dn);
    const std::string auth = e.first(kAuthAttribute);
    int64_t bits = 0;
    if (!auth.empty() && std::from_chars(auth.data(), auth.data() + auth.size(), bits).ec == std::errc()) c.auth_mechanism = bits;
    if (const auto* v = e.values("msExchSmtpReceiveBindings")) c.bindings = *v;
    if (const auto* v = e.values("msExchSmtpReceiveRemoteIPRanges")) c.remote_ip_ranges = *v;
    c.enabled = !iequals(e.first("msExchSmtpReceiveEnabled"), "FALSE");
    report.connectors.push_back(std::move(c));
  }
  return report;
}

}  // namespace

std::string auth_mechanism_text(int64_t bits) {
  static const std::pair<int64_t, const char*> kNames[] = {{kAuthTls, "Tls"},
                                                           {kAuthIntegrated, "Integrated"},
                                                           {kAuthBasicAuth, "BasicAuth"},
                                                           {kAuthBasicAuthRequireTls, "BasicAuthRequireTLS"},
                                                           {kAuthExchangeServer, "ExchangeServer"},
                                                           {kAuthExternalAuthoritative, "ExternalAuthoritative"}};
  std::vector<std::string> names;
  for (const auto& [bit, name] : kNames)
    if (bits & bit) names.push_back(name);
  return names.empty() ? "None" : join(names, ", ");
}

std::optional<IpRange> parse_ip_range(std::string_view text) {
  text = trim(text);
  IpRange r;
  if (auto dash = text.find('-'); dash != std::string_view::npos) {
    auto first = address_bytes(text.substr(0, dash)), last = address_bytes(text.substr(dash + 1));
    if (!first || !last || is_v4_mapped(*first) != is_v4_mapped(*last)) return std::nullopt;
    r.first = std::min(*first, *last);
    r.last = std::max(*first, *last);
    return r;
  }
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    auto base = address_bytes(text.substr(0, slash));
    auto bits_text = text.substr(slash + 1);
    unsigned prefix = 0;
    auto [end, ec] = std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), prefix);
    if (!base || ec != std::errc() || end != bits_text.data() + bits_text.size() || bits_text.empty()) return std::nullopt;
    if (is_v4_mapped(*base)) {
      if (prefix > 32) return std::nullopt;
      prefix += 96;
    } else if (prefix > 128) {
      return std::nullopt;
    }
    for (size_t i = 0; i < 16; ++i) {
      const unsigned keep = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? prefix - static_cast<unsigned>(i * 8) : 0;
      const auto mask = static_cast<uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
      r.first[i] = (*base)[i] & mask;
      r.last[i] = static_cast<uint8_t>((*base)[i] | static_cast<uint8_t>(~mask));
    }
    return r;
  }
  auto single = address_bytes(text);
  if (!single) return std::nullopt;
  r.first = r.last = *single;
  return r;
}

bool range_contains(const IpRange& range, std::string_view ip) {
  auto address = address_bytes(ip);
  return address && range.first <= *address && *address <= range.last;
}

std::optional<uint16_t> binding_port(std::string_view binding) {
  auto colon = binding.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto text = binding.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port == 0 || port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

Finding judge_connectors(const ConnectorReport& report) {
  Finding f{"connector", report.server, FindingStatus::Ok, "", {{"source", report.source}}, ""};
  if (!report.error.empty()) {
    f.status = FindingStatus::Error;
    f.evidence["error"] = report.error;
    f.summary = "cannot read the receive connectors of " + report.server + ": " + report.error;
    return f;
  }
  if (!report.local_ip.empty() && !address_bytes(report.local_ip)) {
    f.status = FindingStatus::Error;
    f.summary = "this server's IP \"" + report.local_ip + "\" (--local-ip) is not an IP address";
    return f;
  }
  f.evidence["schema"] = report.schema_present ? "present" : "absent";
  f.evidence["local_ip"] = report.local_ip.empty() ? nlohmann::json(nullptr) : nlohmann::json(report.local_ip);
  if (!report.schema_present) {
    f.status = FindingStatus::Skipped;
    f.summary = "no Exchange schema in the forest (no msExchSmtpReceiveConnector class): no receive connectors to check";
    return f;
  }
  if (report.connectors.empty()) {
    f.status = FindingStatus::Error;
    f.summary = "no receive connectors of " + report.server + " in the configuration partition (" + report.source +
                "): is " + report.server + " the Exchange server's name?";
    return f;
  }
  // Per connector: its most specific range covering this server, and the ports it listens on.
  struct Reading {
    std::optional<Bytes> tightest;
    std::vector<uint16_t> ports;
    bool exchange_server = false;
  };
  std::vector<Reading> readings;
  for (const auto& c : report.connectors) {
    Reading r;
    r.exchange_server = (c.auth_mechanism.value_or(kAuthDefault) & kAuthExchangeServer) != 0;
    for (const auto& b : c.bindings)
      if (auto port = binding_port(b); port && std::find(report.ports.begin(), report.ports.end(), *port) != report.ports.end())
        r.ports.push_back(*port);
    if (!report.local_ip.empty())
      for (const auto& text : c.remote_ip_ranges)
        if (auto range = parse_ip_range(text); range && range_contains(*range, report.local_ip))
          if (!r.tightest || width(*range) < *r.tightest) r.tightest = width(*range);
    readings.push_back(std::move(r));
  }
  // Exchange gives a connection to the enabled connector on its port whose range matches the
  // sender most specifically.
  std::map<uint16_t, Bytes> best_per_port;
  for (size_t i = 0; i < readings.size(); ++i) {
    if (!report.connectors[i].enabled || !readings[i].tightest) continue;
    for (auto port : readings[i].ports) {
      auto it = best_per_port.find(port);
      if (it == best_per_port.end() || *readings[i].tightest < it->second) best_per_port[port] = *readings[i].tightest;
    }
  }
  nlohmann::json list = nlohmann::json::array(), offending = nlohmann::json::array();
  std::vector<std::string> offending_text, taking, lacking;
  std::string fixes;
  bool any_offers = false;
  for (size_t i = 0; i < report.connectors.size(); ++i) {
    const auto& c = report.connectors[i];
    const auto& r = readings[i];
    std::vector<std::string> ports_taken;
    if (c.enabled && r.tightest)
      for (auto port : r.ports)
        if (best_per_port.at(port) == *r.tightest) ports_taken.push_back(std::to_string(port));
    const bool takes = !ports_taken.empty();
    const int64_t bits = c.auth_mechanism.value_or(kAuthDefault);
    list.push_back({{"dn", c.dn},
                    {"name", c.name},
                    {"auth_mechanism", c.auth_mechanism ? nlohmann::json(*c.auth_mechanism) : nlohmann::json(nullptr)},
                    {"auth_mechanism_text", auth_mechanism_text(bits)},
                    {"exchange_server", r.exchange_server},
                    {"enabled", c.enabled},
                    {"bindings", c.bindings},
                    {"remote_ip_ranges", c.remote_ip_ranges},
                    {"covers_local", r.tightest.has_value()},
                    {"takes_local_traffic", takes}});
    const std::string identity = report.server + "\\" + c.name;
    const bool serves_exchange = c.enabled && !r.ports.empty();  // bound to a port Exchange servers send to
    if (serves_exchange && r.exchange_server) any_offers = true;
    if (serves_exchange && !r.exchange_server) lacking.push_back(identity);
    if (!takes) continue;
    taking.push_back(identity + " (port " + join(ports_taken, ", ") + ")");
    if (r.exchange_server) continue;
    offending.push_back(c.name);
    offending_text.push_back(identity + " (port " + join(ports_taken, ", ") + ", AuthMechanism " + auth_mechanism_text(bits) + ")");
    // ExchangeServer needs TLS and the ExchangeServers permission group beside it.
    const std::string wanted = auth_mechanism_text(bits | kAuthExchangeServer | kAuthTls);
    std::string names;
    for (char ch : wanted) if (ch != ' ') names += ch;
    fixes += (fixes.empty() ? "" : "; ") + std::string("`Set-ReceiveConnector \"") + identity + "\" -AuthMechanism " + names +
             "` (and ExchangeServers in its -PermissionGroups), or take " + report.local_ip + " out of its RemoteIPRanges";
  }
  f.evidence["connectors"] = list;
  f.evidence["offending"] = offending;
  if (!offending_text.empty()) {
    f.status = FindingStatus::Fail;
    f.summary = "connections from " + report.local_ip + " to " + report.server + " go to " + join(offending_text, "; ") +
                ", without ExchangeServer: X-EXPS is refused (504 5.7.4 / 454 4.7.0)";
    f.remediation = "On " + report.server + ": " + fixes + "; then restart MSExchangeTransport (or MSExchangeFrontEndTransport) on it.";
    return f;
  }
  if (!any_offers) {
    f.status = FindingStatus::Fail;
    std::vector<std::string> ports;
    for (auto p : report.ports) ports.push_back(std::to_string(p));
    f.summary = "no enabled receive connector of " + report.server + " on port " + join(ports, "/") +
                " offers ExchangeServer authentication" + (lacking.empty() ? "" : " (" + join(lacking, ", ") + ")");
    f.remediation = "On " + report.server + ": `Set-ReceiveConnector \"" + report.server + "\\Default " + report.server +
                    "\" -AuthMechanism Tls,Integrated,BasicAuth,BasicAuthRequireTLS,ExchangeServer -PermissionGroups "
                    "AnonymousUsers,ExchangeUsers,ExchangeServers,ExchangeLegacyServers`.";
    return f;
  }
  if (report.local_ip.empty()) {
    f.summary = report.server + ": " + std::to_string(report.connectors.size()) + " receive connectors, " +
                (lacking.empty() ? "all with ExchangeServer" : "without ExchangeServer: " + join(lacking, ", ")) +
                "; give this server's IP (--local-ip) to tell which one takes its connections";
    return f;
  }
  if (taking.empty()) {
    f.status = FindingStatus::Warn;
    f.summary = "no enabled receive connector of " + report.server + " accepts connections from " + report.local_ip +
                " (RemoteIPRanges)";
    f.remediation = "Add " + report.local_ip + " to the RemoteIPRanges of \"" + report.server + "\\Default " + report.server + "\".";
    return f;
  }
  f.summary = "connections from " + report.local_ip + " to " + report.server + " go to " + join(taking, "; ") +
              ", which offers ExchangeServer authentication";
  return f;
}

boost::asio::awaitable<std::vector<Finding>> ConnectorProbe::run(ProbeContext& ctx) {
  std::vector<Finding> findings;
  std::string peer = ctx.targets.peer_fqdn;
  if (peer.empty()) {
    peer = host_part(ctx.targets.peer);
    if (looks_like_ip(peer) || peer.find_first_of("[]:") != std::string::npos) peer.clear();
  }
  if (ctx.targets.dcs.empty() || peer.empty()) {
    findings.push_back({"connector", peer, FindingStatus::Skipped,
                        ctx.targets.dcs.empty() ? "no domain controller to ask (give --dc, or --domain to find them)"
                                                : "the peer's name is needed to find its receive connectors (give --peer-fqdn)",
                        {}, ""});
    co_return findings;
  }
  std::string server = short_host(peer);  // Exchange shows server names upper-case, as their NetBIOS names
  for (auto& c : server) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ConnectorInputs inputs{ctx.targets.dcs, server, ctx.targets.local_ip, ctx.targets.ccache, ctx.targets.peer_smtp_ports};
  if (auto smtp = parse_smtp_peer(ctx.targets.peer, ctx.targets.peer_smtp_ports); smtp.ok() && !ctx.targets.peer.empty())
    inputs.ports = smtp.value().ports;  // "ex2:2525": only that port
  const auto deadline = steady_clock::now() + ctx.settings.deadline;
  const auto work_deadline = deadline - std::min(ldap::kDirectoryReportMargin, ctx.settings.deadline / 10);
  // Named first, then moved in (GCC 12 coroutine bug with capturing lambdas in co_await).
  std::function<ConnectorReport()> work = [inputs, work_deadline] { return collect(inputs, work_deadline); };
  auto report = co_await run_blocking<ConnectorReport>(ctx.blocking, deadline, std::move(work));
  if (!report) {
    ConnectorReport late;
    late.server = inputs.server;
    late.error = "the directory did not answer before the deadline";
    report = std::move(late);
  }
  findings.push_back(judge_connectors(*report));
  co_return findings;
}

}  // namespace authwatch::probes

// Matchers over the network and Exchange: ports, DC locator records, the peer's EHLO, its receive
// connectors, Kerberos logging. probes/FINDINGS.md: ports, dns, smtp, connector, kerberos-logging.
#include "core/diagnosis_matchers.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "core/diagnosis_evidence.hpp"

namespace authwatch::diagnosis {

using namespace reading;

// ---- ports ----------------------------------------------------------------------------------

namespace {

// One port as the ports probe left it (probes/FINDINGS.md "ports"). `connected`/`answered` are
// absent in findings of older versions, which only connected on TCP.
struct PortState {
  int64_t port;
  std::string protocol, state, detail;
  std::optional<bool> connected, answered;
  std::optional<double> slow_seconds;
  std::string name() const { return std::to_string(port) + "/" + protocol; }
};

std::optional<bool> flag(const json& j, std::string_view key) {
  const json* v = get(j, key);
  if (!v || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

std::vector<PortState> port_states(const json& evidence) {
  std::vector<PortState> out;
  for (const auto& p : array(evidence, "ports")) {
    auto port = integer(p, "port");
    if (port) out.push_back({*port, str(p, "protocol"), str(p, "state"), str(p, "detail"), flag(p, "connected"), flag(p, "answered"),
                             num(p, "slow_seconds")});
  }
  return out;
}

bool kerberos_port(const PortState& p) { return p.port == 88; }
// Besides 88 these break Kerberos or the DC locator (as probes/ports_probe.cpp rates them).
bool other_critical_port(const PortState& p) { return p.port == 464 || p.port == 53 || (p.port == 389 && p.protocol == "tcp"); }
bool critical_port(const PortState& p) { return kerberos_port(p) || other_critical_port(p); }
// Kerberos and LDAP: the services an overloaded or hung DC stops answering (docs/domain.md §10).
bool service_port(const PortState& p) { return p.port == 88 || p.port == 389 || p.port == 3268 || p.port == 53 || p.port == 464; }

// How the diagnosis reads one port (docs/domain.md §10): "filtered" is silence on the port with
// its TCP twin silent too. A TCP port that accepted the connection is never blocked, and a UDP
// port silent while its TCP twin accepts without answering is the service, not a firewall.
enum class Reading { Answers, Slow, Unresponsive, Blocked };

Reading reading_of(const PortState& p, const std::vector<PortState>& all) {
  if (p.state == "open") return Reading::Answers;
  if (p.state == "slow") return Reading::Slow;
  if (p.state == "unresponsive") return Reading::Unresponsive;
  if (p.protocol == "udp" && p.state == "filtered") {
    for (const auto& twin : all) {
      if (twin.port != p.port || twin.protocol != "tcp") continue;
      // An older probe only connected: an accepted TCP twin with no reply known is §10's hung DC.
      const bool twin_accepted = twin.state == "open" || twin.state == "slow" || twin.state == "unresponsive";
      if (twin.state == "unresponsive" || (twin_accepted && !twin.answered)) return Reading::Unresponsive;
    }
  }
  return Reading::Blocked;  // filtered (silence, twin silent or answering) or closed (refused)
}

// The DC is there: some port answers or at least accepts connections.
bool dc_present(const std::vector<PortState>& ports) {
  return std::any_of(ports.begin(), ports.end(), [&](const PortState& p) { return reading_of(p, ports) != Reading::Blocked; });
}

std::vector<DiagnosisMatch> blocked_match(const Finding& f, bool (*wanted)(const PortState&)) {
  const auto ports = port_states(f.evidence);
  if (!dc_present(ports)) return {};  // nothing answers at all: the DC is down, not filtered (ports_all_down)
  std::vector<std::string> blocked, critical;
  std::map<int64_t, std::set<std::string>> by_port;
  bool hit = false;
  for (const auto& p : ports) {
    if (reading_of(p, ports) != Reading::Blocked) continue;
    blocked.push_back(p.name() + " " + p.state);
    if (critical_port(p)) critical.push_back(blocked.back()), by_port[p.port].insert(p.protocol);
    hit = hit || wanted(p);
  }
  if (!hit) return {};
  DiagnosisMatch m;
  m.target = f.target;
  add_host_keys(m, f.target);
  m.evidence = {{"blocked", blocked}};
  std::vector<std::string> checks;
  for (const auto& [port, protocols] : by_port)
    checks.push_back("`portqry -n " + f.target + " -e " + std::to_string(port) + " -p " +
                     (protocols.size() > 1 ? "both" : *protocols.begin()) + "`");
  m.vars = {{"dc", f.target}, {"blocked", join(critical, ", ")}, {"check", join(checks, ", ")}};
  m.says = f.target + ": " + join(blocked, ", ");
  return {m};
}

}  // namespace

std::vector<DiagnosisMatch> ports_kerberos_blocked(const Finding& f, const std::vector<Finding>&) {
  return blocked_match(f, kerberos_port);
}

std::vector<DiagnosisMatch> ports_other_blocked(const Finding& f, const std::vector<Finding>&) {
  return blocked_match(f, other_critical_port);
}

std::vector<DiagnosisMatch> ports_dc_unresponsive(const Finding& f, const std::vector<Finding>&) {
  const auto ports = port_states(f.evidence);
  std::vector<std::string> unresponsive, slow;
  bool hit = false;
  for (const auto& p : ports) {
    const auto r = reading_of(p, ports);
    if (r == Reading::Slow && p.slow_seconds) slow.push_back(p.name() + " after " + seconds_text(*p.slow_seconds).substr(1));
    if (r != Reading::Unresponsive) continue;
    const bool connected = p.protocol == "tcp";
    unresponsive.push_back(p.name() + (connected ? " (connection accepted, no reply)" : " (no reply)"));
    hit = hit || service_port(p);
  }
  if (!hit) return {};
  DiagnosisMatch m;
  m.target = f.target;
  add_host_keys(m, f.target);
  m.evidence = {{"unresponsive", unresponsive}};
  if (!slow.empty()) m.evidence["slow"] = slow;
  m.vars = {{"dc", f.target}, {"ports", join(unresponsive, ", ")}};
  m.says = f.target + " accepts connections but does not answer: " + join(unresponsive, ", ");
  return {m};
}

std::vector<DiagnosisMatch> ports_all_down(const Finding& f, const std::vector<Finding>&) {
  const auto ports = port_states(f.evidence);
  if (ports.empty() || dc_present(ports)) return {};
  DiagnosisMatch m;
  m.target = f.target;
  add_host_keys(m, f.target);
  m.evidence = {{"blocked", strings(f.evidence, "blocked")}, {"open", 0}, {"checked", ports.size()}};
  std::set<std::string> states;
  for (const auto& p : ports) states.insert(p.state.empty() ? "no answer" : p.state);
  std::vector<std::string> state_list(states.begin(), states.end());
  m.vars = {{"dc", f.target}, {"checked", std::to_string(ports.size())}, {"states", "all " + join(state_list, " or ")}};
  m.says = f.target + " answers on none of the " + std::to_string(ports.size()) + " ports checked";
  return {m};
}

// ---- dns ------------------------------------------------------------------------------------

std::vector<DiagnosisMatch> dns_no_records(const Finding& f, const std::vector<Finding>&) {
  const json* records = get(f.evidence, "records");
  if (!records || !records->is_array() || !records->empty()) return {};
  // _ldap._tcp.dc._msdcs.<domain>, _ldap._tcp.<site>._sites.dc._msdcs.<domain>, _kerberos._tcp.<domain>
  std::string domain = f.target;
  if (auto at = ifind(domain, "._msdcs."); at != std::string::npos) domain = domain.substr(at + 8);
  else if (auto tcp = ifind(domain, "._tcp."); tcp != std::string::npos) domain = domain.substr(tcp + 6);
  DiagnosisMatch m;
  m.target = domain;
  add_host_keys(m, domain);
  m.evidence = {{"srv_name", f.target}, {"records", *records}};
  if (auto server = str(f.evidence, "dns_server"); !server.empty()) m.evidence["dns_server"] = server;
  m.vars = {{"domain", domain}, {"srv", f.target}, {"dns_server", str(f.evidence, "dns_server").empty() ? "the DNS server" : str(f.evidence, "dns_server")}};
  m.says = "no SRV records for " + f.target;
  return {m};
}

// ---- smtp / connector -----------------------------------------------------------------------

namespace {

struct Mechanism {
  uint32_t bit;
  std::string_view name;
};
// msExchSMTPReceiveInboundSecurityFlag (docs/domain.md §8).
constexpr Mechanism kMechanisms[] = {{1, "Tls"},  {2, "Integrated"},      {4, "BasicAuth"}, {8, "BasicAuthRequireTLS"},
                                     {16, "ExchangeServer"}, {32, "ExternalAuthoritative"}};

std::string canonical_mechanism(std::string_view name) {
  for (const auto& m : kMechanisms)
    if (iequals(m.name, name)) return std::string(m.name);
  return std::string(name);
}

}  // namespace

std::vector<std::string> auth_mechanism_names(const nlohmann::json& value) {
  std::vector<std::string> out;
  if (value.is_number()) {
    auto bits = value.get<int64_t>();
    for (const auto& m : kMechanisms)
      if (bits & m.bit) out.emplace_back(m.name);
    if (out.empty()) out.emplace_back("None");
  } else if (value.is_string()) {
    std::string item;
    for (char c : value.get<std::string>() + ",") {
      if (c == ',' || c == ' ' || c == ';') {
        if (!item.empty()) out.push_back(canonical_mechanism(item)), item.clear();
      } else {
        item += c;
      }
    }
  } else if (value.is_array()) {
    for (const auto& v : value)
      if (v.is_string()) out.push_back(canonical_mechanism(v.get<std::string>()));
  }
  return out;
}

std::vector<DiagnosisMatch> smtp_no_exchange_auth(const Finding& f, const std::vector<Finding>&) {
  if (!get(f.evidence, "x_exps")) return {};
  const bool x_exps = get(f.evidence, "x_exps")->is_boolean() && get(f.evidence, "x_exps")->get<bool>();
  const bool kerberos = (get(f.evidence, "x_exps_gssapi") && *get(f.evidence, "x_exps_gssapi") == true) ||
                        (get(f.evidence, "x_exps_exchangeauth") && *get(f.evidence, "x_exps_exchangeauth") == true);
  if (x_exps && kerberos) return {};
  const std::string server_name = str(f.evidence, "server_name");
  std::string host = str(f.evidence, "host");
  if (host.empty()) host = std::string(host_of_endpoint(f.target));
  const std::string server = server_name.empty() ? host : server_name;
  DiagnosisMatch m;
  m.target = server_name.empty() ? f.target : server_name;
  add_key(m, f.target);
  add_host_keys(m, host);
  add_host_keys(m, server_name);
  m.evidence = {{"x_exps", x_exps}, {"server_name", server_name}};
  for (const char* k : {"x_exps_gssapi", "x_exps_exchangeauth", "x_anonymoustls"})
    if (const json* v = get(f.evidence, k)) m.evidence[k] = *v;
  std::string s = short_host(server);
  std::string hint = str(f.evidence, "hint");
  if (hint.empty())
    hint = "Set-ReceiveConnector \"" + s + "\\Default " + s + "\" -AuthMechanism Tls,Integrated,BasicAuth,BasicAuthRequireTLS,ExchangeServer";
  m.vars = {{"endpoint", f.target}, {"server", server}, {"hint", "`" + hint + "`"},
            {"offered", x_exps ? "X-EXPS without GSSAPI or EXCHANGEAUTH" : "no X-EXPS"}};
  m.says = f.target + " offers " + m.vars["offered"] + " in its EHLO";
  return {m};
}

std::vector<DiagnosisMatch> connector_offending(const Finding& f, const std::vector<Finding>&) {
  std::vector<DiagnosisMatch> out;
  for (const auto& name : strings(f.evidence, "offending")) {
    const json* connector = nullptr;
    for (const auto& c : array(f.evidence, "connectors"))
      if (iequals(str(c, "name"), name)) connector = &c;
    const json none = json::object();
    const json& c = connector ? *connector : none;
    std::string server = exchange_server_of_connector_dn(str(c, "dn"));
    if (server.empty()) server = short_host(f.target);
    // The bits, or the probe's reading of them (a connector without the attribute has Exchange's default).
    const json* bits = get(c, "auth_mechanism");
    auto existing = auth_mechanism_names(bits && !bits->is_null() ? *bits : get(c, "auth_mechanism_text") ? *get(c, "auth_mechanism_text") : json());
    std::vector<std::string> wanted;
    for (const auto& mech : existing)
      if (!iequals(mech, "None") && !contains_i(wanted, mech)) wanted.push_back(mech);
    if (!contains_i(wanted, "Tls")) wanted.insert(wanted.begin(), "Tls");  // ExchangeServer requires Tls
    if (!contains_i(wanted, "ExchangeServer")) wanted.push_back("ExchangeServer");
    const std::string identity = server + "\\" + name;
    DiagnosisMatch m;
    m.target = identity;
    add_host_keys(m, f.target);
    add_key(m, server);
    add_key(m, name);
    m.evidence = {{"connector", name}, {"auth_mechanism", existing}};
    for (const char* k : {"dn", "remote_ip_ranges", "bindings", "covers_local", "takes_local_traffic"})
      if (const json* v = get(c, k)) m.evidence[k] = *v;
    const auto ranges = strings(c, "remote_ip_ranges");
    m.vars = {{"identity", identity},
              {"name", name},
              {"existing", existing.empty() ? "unknown" : join(existing, ", ")},
              {"set", "`Set-ReceiveConnector \"" + identity + "\" -AuthMechanism " + join(wanted, ",") + "`"},
              {"ranges", ranges.empty() ? "its RemoteIPRanges" : join(ranges, ", ")}};
    m.says = "receive connector \"" + identity + "\" (AuthMechanism " + m.vars["existing"] +
             ") covers this server without ExchangeServer";
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<DiagnosisMatch> connector_none_offer(const Finding& f, const std::vector<Finding>&) {
  const auto& connectors = array(f.evidence, "connectors");
  if (str(f.evidence, "schema") != "present" || connectors.empty() || !strings(f.evidence, "offending").empty()) return {};
  for (const auto& c : connectors)
    if (is_true(c, "exchange_server") && enabled(c)) return {};
  DiagnosisMatch m;
  const std::string server = short_host(f.target);
  m.target = f.target;
  add_host_keys(m, f.target);
  std::vector<std::string> names;
  for (const auto& c : connectors) names.push_back(str(c, "name"));
  m.evidence = {{"connectors", names}, {"offending", json::array()}};
  m.vars = {{"server", server}, {"connectors", join(names, ", ")}};
  m.says = "no enabled receive connector of " + f.target + " has ExchangeServer";
  return {m};
}

std::vector<DiagnosisMatch> connector_all_offer(const Finding& f, const std::vector<Finding>&) {
  const auto& connectors = array(f.evidence, "connectors");
  if (str(f.evidence, "schema") != "present" || connectors.empty() || !strings(f.evidence, "offending").empty()) return {};
  // The connectors that take this server's connections must all offer it; without that reading
  // (no --local-ip), every enabled connector must.
  const bool known = std::any_of(connectors.begin(), connectors.end(), [](const json& c) { return is_true(c, "takes_local_traffic"); });
  for (const auto& c : connectors) {
    const bool counts = known ? is_true(c, "takes_local_traffic") : enabled(c);
    if (counts && !is_true(c, "exchange_server")) return {};
  }
  DiagnosisMatch m;
  m.target = f.target;
  add_host_keys(m, f.target);
  for (const auto& c : array(f.evidence, "connectors")) add_key(m, exchange_server_of_connector_dn(str(c, "dn")));
  m.evidence = {{"connectors", array(f.evidence, "connectors").size()}, {"offending", json::array()}};
  m.says = "the receive connectors of " + f.target + " that cover this server all have ExchangeServer";
  return {m};
}

// ---- kerberos-logging -----------------------------------------------------------------------

std::vector<DiagnosisMatch> kerberos_logging_off(const Finding& f, const std::vector<Finding>&) {
  const json* level = get(f.evidence, "log_level");
  if (level && !(level->is_number() && level->get<int64_t>() == 0) && !level->is_null()) return {};
  DiagnosisMatch m;
  m.target = f.target;
  m.evidence = {{"log_level", level ? *level : json(0)}};
  m.vars = {{"host", f.target.empty() ? "this server" : f.target}};
  m.says = "Kerberos logging is off";
  return {m};
}

}  // namespace authwatch::diagnosis

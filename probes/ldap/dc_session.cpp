#include "probes/ldap/dc_session.hpp"

#include <algorithm>

namespace authwatch::probes::ldap {

using namespace std::chrono;

std::string DcSession::source() const {
  const std::string endpoint = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  if (contexts.dns_host_name.empty() || iequals(contexts.dns_host_name, host)) return endpoint;
  return contexts.dns_host_name + " (" + endpoint + ")";
}

milliseconds time_left(steady_clock::time_point deadline) {
  auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
  return left.count() > 0 ? left : milliseconds{0};
}

Result<DcSession> open_dc_session(const std::vector<std::string>& hosts, uint16_t port, const std::string& ccache,
                                  steady_clock::time_point deadline) {
  if (hosts.empty()) return Error{"no domain controller to ask"};
  std::string errors;
  for (size_t i = 0; i < hosts.size(); ++i) {
    const auto left = time_left(deadline);
    if (left.count() <= 0) {
      errors += (errors.empty() ? "" : "; ") + std::string("no time left for ") + hosts[i];
      break;
    }
    ConnectOptions options;
    options.host = hosts[i];
    options.port = port;
    options.ccache = ccache;
    options.timeout = std::max(milliseconds{1}, left / static_cast<long>(hosts.size() - i));
    auto directory = Directory::connect(options);
    if (!directory) {
      errors += (errors.empty() ? "" : "; ") + directory.error();
      continue;
    }
    SearchRequest root;
    root.base = "";
    root.scope = Scope::Base;
    root.attributes = {"defaultNamingContext", "configurationNamingContext", "schemaNamingContext", "dnsHostName"};
    root.timeout = std::max(milliseconds{1}, time_left(deadline));
    auto dse = directory.value().search(root);
    if (!dse || dse.value().empty()) {
      errors += (errors.empty() ? "" : "; ") + (dse ? "LDAP " + hosts[i] + ": the rootDSE is empty" : dse.error());
      continue;
    }
    const Entry& e = dse.value().front();
    DcSession session{std::move(directory).value(), hosts[i], port,
                      {e.first("defaultNamingContext"), e.first("configurationNamingContext"), e.first("schemaNamingContext"),
                       e.first("dnsHostName")}};
    return session;
  }
  return Error{errors};
}

}  // namespace authwatch::probes::ldap

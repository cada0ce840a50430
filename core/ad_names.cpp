#include "core/ad_names.hpp"

#include <cctype>

#include "core/text.hpp"

namespace authwatch {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_dn(std::string_view dn) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string type, value;
  bool in_value = false;
  auto flush = [&] {
    auto t = trim(type);
    if (in_value && !t.empty()) out.emplace_back(std::string(t), std::string(trim(value)));
    type.clear(), value.clear(), in_value = false;
  };
  for (size_t i = 0; i < dn.size(); ++i) {
    char c = dn[i];
    if (c == '\\' && i + 1 < dn.size()) {
      int hi = hex_value(dn[i + 1]), lo = i + 2 < dn.size() ? hex_value(dn[i + 2]) : -1;
      char literal = dn[i + 1];
      if (hi >= 0 && lo >= 0) literal = static_cast<char>(hi * 16 + lo), i += 2;
      else ++i;
      (in_value ? value : type) += literal;
    } else if (c == '=' && !in_value) {
      in_value = true;
    } else if (c == ',' || c == ';' || c == '+') {
      flush();
    } else {
      (in_value ? value : type) += c;
    }
  }
  flush();
  return out;
}

std::string first_rdn_value(std::string_view dn) {
  auto rdns = parse_dn(dn);
  return rdns.empty() ? std::string(dn) : rdns.front().second;
}

std::string netbios_domain_of_dn(std::string_view dn) {
  for (const auto& [type, value] : parse_dn(dn))
    if (iequals(type, "DC")) return upper(value);
  return "";
}

std::string netbios_domain_of_fqdn(std::string_view fqdn) {
  auto dot = fqdn.find('.');
  if (dot == std::string_view::npos || looks_like_ip(fqdn)) return "";
  auto rest = fqdn.substr(dot + 1);
  return upper(rest.substr(0, rest.find('.')));
}

std::string account_of_dn(std::string_view dn) {
  auto rdns = parse_dn(dn);
  if (rdns.empty()) return std::string(dn);
  const bool user_container = rdns.size() > 1 && iequals(rdns[1].first, "CN") && iequals(rdns[1].second, "Users");
  std::string name = rdns.front().second + (user_container ? "" : "$");
  auto domain = netbios_domain_of_dn(dn);
  return domain.empty() ? name : domain + "\\" + name;
}

std::string server_of_dsa(std::string_view dsa) {
  auto rdns = parse_dn(dsa);
  if (rdns.size() >= 2 && iequals(rdns[0].second, "NTDS Settings")) return rdns[1].second;
  return std::string(dsa);
}

std::string exchange_server_of_connector_dn(std::string_view dn) {
  auto rdns = parse_dn(dn);
  for (size_t i = 0; i + 1 < rdns.size(); ++i)
    if (iequals(rdns[i].second, "Protocols")) return rdns[i + 1].second;
  return "";
}

std::string spn_host(std::string_view spn) {
  auto slash = spn.find('/');
  if (slash == std::string_view::npos) return "";
  auto host = spn.substr(slash + 1);
  host = host.substr(0, host.find('@'));
  host = host.substr(0, host.find('/'));  // service/host/service-name
  return std::string(host_of_endpoint(host));  // drops a :port; keeps a bare IPv6 literal
}

std::string short_host(std::string_view host) {
  if (looks_like_ip(host)) return std::string(host);
  return std::string(host.substr(0, host.find('.')));
}

}  // namespace authwatch

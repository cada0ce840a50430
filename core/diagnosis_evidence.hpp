#pragma once
// Reading findings' evidence for the diagnosis matchers (core/diagnosis_match_*.cpp): typed reads
// that treat a missing or mistyped field as "not shown", and the keys matches are related by.
// Internal to the matchers.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ad_names.hpp"
#include "core/diagnosis_rules.hpp"
#include "core/text.hpp"

namespace authwatch::diagnosis::reading {

using json = nlohmann::json;

inline const json* get(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

inline std::string str(const json& j, std::string_view key) {
  const json* v = get(j, key);
  return v && v->is_string() ? v->get<std::string>() : "";
}

inline std::optional<double> num(const json& j, std::string_view key) {
  const json* v = get(j, key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

inline std::optional<int64_t> integer(const json& j, std::string_view key) {
  const json* v = get(j, key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->is_number_float() ? static_cast<int64_t>(std::llround(v->get<double>())) : v->get<int64_t>();
}

inline const json& array(const json& j, std::string_view key) {
  static const json empty = json::array();
  const json* v = get(j, key);
  return v && v->is_array() ? *v : empty;
}

inline std::vector<std::string> strings(const json& j, std::string_view key) {
  std::vector<std::string> out;
  for (const auto& v : array(j, key))
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

inline bool contains_i(const std::vector<std::string>& items, std::string_view value) {
  return std::any_of(items.begin(), items.end(), [&](const std::string& i) { return iequals(i, value); });
}

inline std::string spn_key(std::string_view spn) { return to_lower(spn.substr(0, spn.find('@'))); }

inline void add_key(DiagnosisMatch& m, std::string_view key) {
  if (key.empty()) return;
  auto k = to_lower(key);
  if (std::find(m.keys.begin(), m.keys.end(), k) == m.keys.end()) m.keys.push_back(std::move(k));
}

// A host is known by its full name and its short name (AD objects are named by the short one).
inline void add_host_keys(DiagnosisMatch& m, std::string_view host) {
  add_key(m, host);
  add_key(m, short_host(host));
}

inline bool is_true(const json& j, std::string_view key) {
  const json* v = get(j, key);
  return v && v->is_boolean() && v->get<bool>();
}

inline bool enabled(const json& connector) {  // absent = enabled (Exchange's default)
  const json* v = get(connector, "enabled");
  return !(v && v->is_boolean() && !v->get<bool>());
}

// "CONTOSO\EX2$" for the computer account that should hold the SPNs of `host`, the domain taken
// from the client principal's realm (admin@CONTOSO.COM) or else from the host's DNS name.
inline std::string computer_account_for_host(std::string_view host, std::string_view client_principal) {
  std::string domain;
  if (auto at = client_principal.rfind('@'); at != std::string_view::npos) {
    auto realm = client_principal.substr(at + 1);
    domain = to_lower(realm.substr(0, realm.find('.')));
    for (auto& c : domain) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (domain.empty()) domain = netbios_domain_of_fqdn(host);
  std::string name = short_host(host);
  for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return (domain.empty() ? "" : domain + "\\") + name + "$";
}

}  // namespace authwatch::diagnosis::reading

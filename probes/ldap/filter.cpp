#include "probes/ldap/filter.hpp"

namespace authwatch::probes::ldap {

std::string escape_filter_value(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0') {
      const auto byte = static_cast<unsigned char>(c);
      out += '\\';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    } else {
      out += c;
    }
  }
  return out;
}

std::string equality_filter(std::string_view attribute, std::string_view value) {
  return "(" + std::string(attribute) + "=" + escape_filter_value(value) + ")";
}

std::string any_of(const std::vector<std::string>& filters) {
  if (filters.empty()) return "";
  if (filters.size() == 1) return filters.front();
  std::string out = "(|";
  for (const auto& f : filters) out += f;
  return out + ")";
}

}  // namespace authwatch::probes::ldap

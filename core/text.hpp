#pragma once
// Small ASCII text helpers shared by the detector and the parsers (Exchange writes ASCII keywords).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authwatch {

std::string to_lower(std::string_view s);
void append_lower(std::string& out, std::string_view s);  // to_lower into a reused buffer
bool iequals(std::string_view a, std::string_view b);
bool iless(std::string_view a, std::string_view b);  // ASCII case-insensitive ordering
// For maps keyed the way AD and SMTP compare names (attribute names, SPNs, hosts).
struct ILess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return iless(a, b); }
};
bool icontains(std::string_view haystack, std::string_view needle);
size_t ifind(std::string_view haystack, std::string_view needle);  // npos when absent
bool istarts_with(std::string_view s, std::string_view prefix);
std::string_view trim(std::string_view s);  // ASCII white space, as isspace in the "C" locale

// "10.0.0.1:25" -> "10.0.0.1"; "[fe80::1]:25" -> "fe80::1"; "[10.0.0.1]" -> "10.0.0.1".
std::string_view host_of_endpoint(std::string_view endpoint);
// Dotted IPv4 or an IPv6 literal (syntax check only; no resolution).
bool looks_like_ip(std::string_view s);
// Strict syntax checks (RFC 4291 §2.2 text forms; no zone id): no resolution.
bool is_ipv4_address(std::string_view s);
bool is_ipv6_address(std::string_view s);
// The host of an endpoint as Exchange writes "The last endpoint attempted was X" (docs/domain.md
// §10): "10.0.0.2:2525", "[2a01::1]:25", or an IPv6 address without brackets whose last group is
// the port only when the rest is itself an address ("2001:db8::1:25" -> "2001:db8::1", but
// "2a01:111:f400::25" stays whole). A name "ex2.contoso.com:25" gives "ex2.contoso.com".
std::string_view host_of_loose_endpoint(std::string_view endpoint);
// A DNS host name as SMTP and Kerberos use them (RFC 1123 labels of letters, digits, '-' and '_',
// 1-63 bytes each, 253 in all; a trailing dot allowed): not an AD site or delivery group such as
// "site:default-first-site-name; version:8", nothing with spaces.
bool is_host_name(std::string_view s);

// trim and istarts_with run several times on every protocol-log line: inline.
namespace text_detail {
// ASCII only, on purpose: the keywords are ASCII, and the program never leaves the "C" locale, in
// which std::tolower maps exactly 'A'..'Z' too. Branch-free: session ids mix digits and letters.
constexpr char ascii_lower(char c) { return static_cast<char>(c | (static_cast<unsigned char>(c - 'A') < 26u) << 5); }
constexpr bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
}  // namespace text_detail

inline bool istarts_with(std::string_view s, std::string_view p) {
  if (s.size() < p.size()) return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (text_detail::ascii_lower(s[i]) != text_detail::ascii_lower(p[i])) return false;
  return true;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && text_detail::is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && text_detail::is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace authwatch

namespace authwatch {
// FNV-1a 64-bit: a stable, dependency-free hash for natural keys and file fingerprints.
uint64_t fnv1a64(std::string_view data, uint64_t seed = 0xcbf29ce484222325ULL);
std::string hex64(uint64_t v);  // 16 lower-case hex digits

// A TCP/UDP port number: decimal digits only, 1-65535; nullopt otherwise.
std::optional<uint16_t> parse_port(std::string_view text);

// The items with `separator` between them: "a, b, c".
std::string join(const std::vector<std::string>& items, std::string_view separator);
}  // namespace authwatch

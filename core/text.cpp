#include "core/text.hpp"

#include <algorithm>
#include <cctype>

namespace authwatch {
namespace {
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
}  // namespace

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

size_t ifind(std::string_view h, std::string_view n) {
  if (n.empty()) return 0;
  auto it = std::search(h.begin(), h.end(), n.begin(), n.end(), [](char x, char y) { return lower(x) == lower(y); });
  return it == h.end() ? std::string_view::npos : static_cast<size_t>(it - h.begin());
}

bool icontains(std::string_view h, std::string_view n) { return ifind(h, n) != std::string_view::npos; }

bool istarts_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && iequals(s.substr(0, p.size()), p); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view host_of_endpoint(std::string_view e) {
  e = trim(e);
  if (!e.empty() && e.front() == '[') {
    auto close = e.find(']');
    return close == std::string_view::npos ? e.substr(1) : e.substr(1, close - 1);
  }
  auto first = e.find(':');
  if (first != std::string_view::npos && e.find(':', first + 1) == std::string_view::npos) return e.substr(0, first);
  return e;  // no port, or a bare IPv6 literal
}

bool looks_like_ip(std::string_view s) {
  if (s.empty()) return false;
  if (s.find(':') != std::string_view::npos)
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.' || c == '%'; });
  int dots = 0, digits = 0, value = 0;
  for (char c : s) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots; digits = 0; value = 0;
    } else if (c >= '0' && c <= '9') {
      value = value * 10 + (c - '0');
      if (++digits > 3 || value > 255) return false;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

}  // namespace authwatch

namespace authwatch {
uint64_t fnv1a64(std::string_view data, uint64_t h) {
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string hex64(uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = digits[v & 0xf];
  return out;
}
}  // namespace authwatch

#include "core/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#if defined(__SSE2__)  // every x86-64 compiler (GCC, MinGW-w64)
#include <emmintrin.h>
#endif

namespace authwatch {
namespace {
// ASCII lower-casing by arithmetic, as text.hpp says why.
constexpr char lower(char c) { return text_detail::ascii_lower(c); }
constexpr char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequal_bytes(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// Next position in [from, end) holding byte c, or end.
const char* next_byte(const char* from, const char* end, char c) {
  const void* found = from < end ? std::memchr(from, c, static_cast<size_t>(end - from)) : nullptr;
  return found ? static_cast<const char*>(found) : end;
}
}  // namespace

std::string to_lower(std::string_view s) {
  std::string out;
  append_lower(out, s);
  return out;
}

void append_lower(std::string& out, std::string_view s) {
  const size_t at = out.size();
  out.resize(at + s.size());
  char* to = out.data() + at;
  for (char c : s) *to++ = lower(c);
}

bool iequals(std::string_view a, std::string_view b) { return a.size() == b.size() && iequal_bytes(a.data(), b.data(), a.size()); }

bool iless(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const char x = lower(a[i]), y = lower(b[i]);
    if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
  }
  return a.size() < b.size();
}

// Candidates are the positions of the needle's first byte in either case, found with memchr (one
// scan per case, each resumed only past the candidate it produced); only they are compared.
static size_t ifind_by_first_byte(std::string_view h, std::string_view n, size_t from) {
  const char first_lower = lower(n.front()), first_upper = upper(n.front());
  const char* const end = h.data() + (h.size() - n.size()) + 1;  // past the last possible start
  const char* at_lower = next_byte(h.data() + from, end, first_lower);
  const char* at_upper = first_upper == first_lower ? end : next_byte(h.data() + from, end, first_upper);
  while (true) {
    const char* candidate = std::min(at_lower, at_upper);
    if (candidate == end) return std::string_view::npos;
    if (iequal_bytes(candidate + 1, n.data() + 1, n.size() - 1)) return static_cast<size_t>(candidate - h.data());
    if (candidate == at_lower) at_lower = next_byte(candidate + 1, end, first_lower);
    if (candidate == at_upper) at_upper = next_byte(candidate + 1, end, first_upper);
  }
}

size_t ifind(std::string_view h, std::string_view n) {
  if (n.empty()) return 0;
  if (n.size() > h.size()) return std::string_view::npos;
  size_t from = 0;
#if defined(__SSE2__)
  // The rules search long lines (EHLO replies, TLS contexts) for words whose first byte is common:
  // 16 positions at a time, a candidate is where the needle's first two bytes are, both OR 0x20
  // (lower case for letters; other bytes may collide, which the full compare then rejects).
  if (n.size() >= 2) {
    const size_t last_start = h.size() - n.size();
    const __m128i case_bit = _mm_set1_epi8(0x20);
    const __m128i first = _mm_set1_epi8(static_cast<char>(n[0] | 0x20));
    const __m128i second = _mm_set1_epi8(static_cast<char>(n[1] | 0x20));
    for (; from + 17 <= h.size() && from <= last_start; from += 16) {
      const __m128i at = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h.data() + from)), case_bit);
      const __m128i next = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h.data() + from + 1)), case_bit);
      auto candidates = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(at, first), _mm_cmpeq_epi8(next, second))));
      for (; candidates != 0; candidates &= candidates - 1) {
        const size_t start = from + static_cast<size_t>(__builtin_ctz(candidates));
        if (start > last_start) return std::string_view::npos;
        if (iequal_bytes(h.data() + start, n.data(), n.size())) return start;
      }
    }
    if (from > last_start) return std::string_view::npos;
  }
#endif
  return ifind_by_first_byte(h, n, from);
}

bool icontains(std::string_view h, std::string_view n) { return ifind(h, n) != std::string_view::npos; }


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

bool is_ipv4_address(std::string_view s) { return s.find(':') == std::string_view::npos && looks_like_ip(s); }

bool is_ipv6_address(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) return false;
  int groups = 0;
  bool compressed = false;
  size_t i = 0;
  if (s.starts_with("::")) {
    compressed = true;
    i = 2;
    if (i == s.size()) return true;
  } else if (s.front() == ':') {
    return false;
  }
  while (i < s.size()) {
    // One group: 1-4 hex digits, or a trailing dotted IPv4 (two groups' worth).
    size_t end = i;
    while (end < s.size() && s[end] != ':') ++end;
    std::string_view group = s.substr(i, end - i);
    if (group.find('.') != std::string_view::npos) {
      if (end != s.size() || !is_ipv4_address(group)) return false;
      groups += 2;
      break;
    }
    if (group.empty() || group.size() > 4 ||
        !std::all_of(group.begin(), group.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
      return false;
    ++groups;
    if (end == s.size()) break;
    // A colon: "::" compresses (once); a single colon separates; none may end the text.
    if (end + 1 < s.size() && s[end + 1] == ':') {
      if (compressed) return false;
      compressed = true;
      i = end + 2;
      if (i == s.size()) break;
    } else {
      i = end + 1;
      if (i == s.size()) return false;
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

bool is_host_name(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  if (s.empty() || s.size() > 253) return false;
  size_t label = 0;
  for (char c : s) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') || ++label > 63) return false;
  }
  return label > 0 && s.front() != '-';
}

std::string_view host_of_loose_endpoint(std::string_view e) {
  e = trim(e);
  if (!e.empty() && e.front() == '[') return host_of_endpoint(e);
  const auto first = e.find(':');
  if (first == std::string_view::npos) return e;
  if (e.find(':', first + 1) == std::string_view::npos) return e.substr(0, first);  // host:port
  // Several colons: an IPv6 address, with a port as its last group only when the rest is one.
  const auto last = e.rfind(':');
  const auto port = e.substr(last + 1);
  const bool numeric_port = !port.empty() && port.size() <= 5 &&
                            std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (numeric_port && is_ipv6_address(e.substr(0, last))) return e.substr(0, last);
  return e;
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

std::optional<uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}
}  // namespace authwatch

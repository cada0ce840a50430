#include "core/utf8.hpp"

namespace authwatch {
namespace {
// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629 table 3-7), 0 when there is none.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b = at(i);
  if (b < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) n = 2;
  else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;  // no surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  return n;
}
}  // namespace

std::string to_valid_utf8(std::string_view bytes, InvalidUtf8 replace) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    if (const size_t n = utf8_sequence_length(bytes, i)) {
      out.append(bytes.substr(i, n));
      i += n;
      continue;
    }
    if (replace == InvalidUtf8::Character) {
      out += "\xEF\xBF\xBD";
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      const auto b = static_cast<unsigned char>(bytes[i]);
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    }
    ++i;
  }
  return out;
}

std::string_view utf8_prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::string utf8_excerpt(std::string_view bytes, size_t max_bytes) {
  if (bytes.size() <= max_bytes) return to_valid_utf8(bytes);
  size_t cut = max_bytes;
  while (cut > 0 && cut + 3 > max_bytes && (static_cast<unsigned char>(bytes[cut]) & 0xC0) == 0x80) --cut;
  return to_valid_utf8(bytes.substr(0, cut));
}

}  // namespace authwatch

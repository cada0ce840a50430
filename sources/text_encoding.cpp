#include "sources/text_encoding.hpp"

#include <cstdint>

namespace authwatch::sources {
namespace {

void append_utf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

uint32_t code_unit_at(std::string_view bytes, size_t i) {
  return static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) |
         static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
}

bool is_high_surrogate(uint32_t unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
bool is_low_surrogate(uint32_t unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

}  // namespace

bool has_utf8_bom(std::string_view bytes) { return bytes.starts_with(kUtf8Bom); }
bool has_utf16le_bom(std::string_view bytes) { return bytes.starts_with(kUtf16leBom); }

std::optional<std::string> utf16le_to_utf8(std::string_view bytes) {
  if (has_utf16le_bom(bytes)) bytes.remove_prefix(kUtf16leBom.size());
  if (bytes.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(bytes.size() / 2);  // mostly ASCII in practice
  for (size_t i = 0; i < bytes.size(); i += 2) {
    uint32_t unit = code_unit_at(bytes, i);
    if (is_high_surrogate(unit)) {
      if (i + 3 >= bytes.size()) return std::nullopt;
      uint32_t low = code_unit_at(bytes, i + 2);
      if (!is_low_surrogate(low)) return std::nullopt;
      append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
      i += 2;
    } else if (is_low_surrogate(unit)) {
      return std::nullopt;
    } else {
      append_utf8(out, unit);
    }
  }
  return out;
}

std::optional<std::string> decode_to_utf8(std::string_view bytes) {
  if (has_utf16le_bom(bytes)) return utf16le_to_utf8(bytes);
  if (has_utf8_bom(bytes)) bytes.remove_prefix(kUtf8Bom.size());
  return std::string(bytes);
}

}  // namespace authwatch::sources

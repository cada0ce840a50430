#include "sources/evtx/value_text.hpp"

#include <charconv>
#include <chrono>
#include <cstring>

namespace authwatch::sources::evtx {
namespace {

using namespace value_type;

constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kHexLower[] = "0123456789abcdef";

void append_code_point(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

template <class Int>
void append_decimal(std::string& out, Int v) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, end);
}

void append_hex(std::string& out, uint64_t v) {
  char buffer[16];
  int n = 0;
  do {
    buffer[n++] = kHexLower[v & 0xF];
    v >>= 4;
  } while (v != 0);
  out += "0x";
  while (n > 0) out.push_back(buffer[--n]);
}

void append_hex_byte(std::string& out, uint8_t b) {
  out.push_back(kHexUpper[b >> 4]);
  out.push_back(kHexUpper[b & 0xF]);
}

uint64_t load_le(Bytes v) {  // 1, 2, 4 or 8 bytes
  uint64_t out = 0;
  for (size_t i = v.size(); i-- > 0;) out = (out << 8) | v[i];
  return out;
}

int64_t sign_extend(uint64_t v, size_t bytes) {
  if (bytes >= 8) return static_cast<int64_t>(v);
  const uint64_t sign = uint64_t{1} << (bytes * 8 - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

// Days since 1970-01-01 -> civil date (H. Hinnant's algorithm; valid for any int64 day count
// a FILETIME can hold).
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

void append_padded(std::string& out, uint64_t v, int width) {
  char buffer[20];
  int n = 0;
  do {
    buffer[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = n; i < width; ++i) out.push_back('0');
  while (n > 0) out.push_back(buffer[--n]);
}

// "2012-03-14T04:17:38.2763402Z", the form of TimeCreated/@SystemTime in Windows' XML.
void append_filetime(std::string& out, uint64_t ticks) {
  constexpr uint64_t kTicksPerSecond = 10'000'000;
  constexpr int64_t kSecondsFrom1601To1970 = 11'644'473'600;
  const int64_t seconds = static_cast<int64_t>(ticks / kTicksPerSecond) - kSecondsFrom1601To1970;
  const uint64_t fraction = ticks % kTicksPerSecond;
  int64_t days = seconds / 86400;
  int64_t in_day = seconds % 86400;
  if (in_day < 0) {
    in_day += 86400;
    --days;
  }
  int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  append_padded(out, static_cast<uint64_t>(y), 4);
  out.push_back('-');
  append_padded(out, m, 2);
  out.push_back('-');
  append_padded(out, d, 2);
  out.push_back('T');
  append_padded(out, static_cast<uint64_t>(in_day / 3600), 2);
  out.push_back(':');
  append_padded(out, static_cast<uint64_t>(in_day / 60 % 60), 2);
  out.push_back(':');
  append_padded(out, static_cast<uint64_t>(in_day % 60), 2);
  out.push_back('.');
  append_padded(out, fraction, 7);
  out.push_back('Z');
}

// SYSTEMTIME (year, month, day of week, day, hour, minute, second, milliseconds) to the
// millisecond, as libevtx writes it ("2019-03-08T23:23:05.000Z").
void append_systemtime(std::string& out, Bytes v) {
  auto field = [&](size_t i) { return static_cast<uint64_t>(load_u16(&v[i * 2])); };
  append_padded(out, field(0), 4);
  out.push_back('-');
  append_padded(out, field(1), 2);
  out.push_back('-');
  append_padded(out, field(3), 2);
  out.push_back('T');
  append_padded(out, field(4), 2);
  out.push_back(':');
  append_padded(out, field(5), 2);
  out.push_back(':');
  append_padded(out, field(6), 2);
  out.push_back('.');
  append_padded(out, field(7), 3);
  out.push_back('Z');
}

void append_guid(std::string& out, Bytes v) {
  static constexpr int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  out.push_back('{');
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    append_hex_byte(out, v[static_cast<size_t>(kOrder[i])]);
  }
  out.push_back('}');
}

// S-1-5-21-...: revision, count, a 48-bit big-endian authority, then 32-bit sub-authorities.
// Returns the bytes used (0 when the bytes cannot be a SID).
size_t append_sid(std::string& out, Bytes v) {
  if (v.size() < 8) return 0;
  const size_t count = v[1];
  const size_t size = 8 + 4 * count;
  if (v.size() < size) return 0;
  uint64_t authority = 0;
  for (int i = 2; i < 8; ++i) authority = (authority << 8) | v[static_cast<size_t>(i)];
  out += "S-";
  append_decimal(out, v[0]);
  out.push_back('-');
  if (authority >> 32) {  // as ConvertSidToStringSid writes authorities of 2^32 and above
    out += "0x";
    for (int i = 2; i < 8; ++i) append_hex_byte(out, v[static_cast<size_t>(i)]);
  } else {
    append_decimal(out, authority);
  }
  for (size_t i = 0; i < count; ++i) {
    out.push_back('-');
    append_decimal(out, load_u32(&v[8 + 4 * i]));
  }
  return size;
}

void append_real(std::string& out, double v) {
  char buffer[40];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  if (ec == std::errc{}) out.append(buffer, end);
}

// Windows-1252 is what an "ANSI" string means on the Western-language systems Exchange runs on;
// its 0x80-0x9F range differs from Latin-1.
constexpr uint16_t kCp1252High[32] = {0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
                                      0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                      0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

void append_ansi(std::string& out, Bytes v) {
  for (uint8_t c : v) {
    if (c == 0) break;
    if (c < 0x80) out.push_back(static_cast<char>(c));
    else if (c < 0xA0) append_code_point(out, kCp1252High[c - 0x80]);
    else append_code_point(out, c);
  }
}

// The width of one item of a fixed-size type; 0 for variable-size types.
size_t item_width(uint8_t type, size_t total) {
  switch (type) {
    case kInt8: case kUInt8: return 1;
    case kInt16: case kUInt16: return 2;
    case kInt32: case kUInt32: case kReal32: case kBool: case kHexInt32: return 4;
    case kInt64: case kUInt64: case kReal64: case kFileTime: case kHexInt64: return 8;
    case kGuid: case kSysTime: return 16;
    case kSizeT: return total % 8 == 0 ? 8 : 4;  // the writer's pointer size is not recorded
    default: return 0;
  }
}

// One value of a scalar type whose size fits it; false when the size does not (the caller then
// shows the bytes as hex rather than inventing a number).
bool append_scalar(uint8_t type, Bytes v, std::string& out) {
  switch (type) {
    case kNull: return true;
    case kString: append_utf16(v, out, true); return true;
    case kAnsiString: append_ansi(out, v); return true;
    case kInt8: case kInt16: case kInt32: case kInt64:
      if (v.size() != item_width(type, v.size())) return false;
      append_decimal(out, sign_extend(load_le(v), v.size()));
      return true;
    case kUInt8: case kUInt16: case kUInt32: case kUInt64:
      if (v.size() != item_width(type, v.size())) return false;
      append_decimal(out, load_le(v));
      return true;
    case kReal32:
      if (v.size() != 4) return false;
      {
        uint32_t bits = load_u32(v.data());
        float f;
        std::memcpy(&f, &bits, 4);
        append_real(out, f);
      }
      return true;
    case kReal64:
      if (v.size() != 8) return false;
      {
        uint64_t bits = load_u64(v.data());
        double d;
        std::memcpy(&d, &bits, 8);
        append_real(out, d);
      }
      return true;
    case kBool:  // MS-EVEN6 says 0 or 1; any other value counts as true, as Windows shows it
      if (v.empty() || v.size() > 8) return false;
      out += load_le(v) != 0 ? "true" : "false";
      return true;
    case kBinary:
      for (uint8_t b : v) append_hex_byte(out, b);
      return true;
    case kGuid:
      if (v.size() != 16) return false;
      append_guid(out, v);
      return true;
    case kSizeT: case kHexInt32: case kHexInt64:
      if (v.size() != 4 && v.size() != 8) return false;
      append_hex(out, load_le(v));
      return true;
    case kFileTime:
      if (v.size() != 8) return false;
      append_filetime(out, load_u64(v.data()));
      return true;
    case kSysTime:
      if (v.size() != 16) return false;
      append_systemtime(out, v);
      return true;
    case kSid: return append_sid(out, v) == v.size() && !v.empty();
    case kEvtHandle: case kBinXml: case kEvtXml: return true;  // no text of their own
    default: return false;
  }
}

// The items of an array value, in order; `visit(Bytes item)` returns false to stop. Strings are
// NUL-terminated one after the other, SIDs have their own length, the rest a fixed width.
template <class Visit>
void for_each_item(uint8_t item_type, Bytes v, Visit&& visit) {
  if (item_type == kString || item_type == kAnsiString) {
    const size_t unit = item_type == kString ? 2 : 1;
    size_t begin = 0;
    for (size_t i = 0; i + unit <= v.size(); i += unit) {
      const bool nul = unit == 2 ? (v[i] == 0 && v[i + 1] == 0) : v[i] == 0;
      if (!nul) continue;
      if (!visit(v.subspan(begin, i - begin))) return;
      begin = i + unit;
    }
    if (begin + unit <= v.size()) visit(v.subspan(begin));
    return;
  }
  if (item_type == kSid) {
    size_t at = 0;
    while (at + 8 <= v.size()) {
      const size_t size = 8 + 4 * size_t{v[at + 1]};
      if (size > v.size() - at) break;
      if (!visit(v.subspan(at, size))) return;
      at += size;
    }
    if (at < v.size()) visit(v.subspan(at));  // a tail that is no SID: shown as hex
    return;
  }
  const size_t width = item_width(item_type, v.size());
  if (width == 0 || v.size() % width != 0) {
    if (!v.empty()) visit(v);  // not items of this type: one item, shown as hex
    return;
  }
  for (size_t at = 0; at < v.size(); at += width)
    if (!visit(v.subspan(at, width))) return;
}

void append_item(uint8_t item_type, Bytes item, std::string& out) {
  const size_t before = out.size();
  if (!append_scalar(item_type, item, out)) {
    out.resize(before);
    for (uint8_t b : item) append_hex_byte(out, b);
  }
}

void append_array(uint8_t item_type, Bytes v, std::string& out) {
  bool first = true;
  for_each_item(item_type, v, [&](Bytes item) {
    if (!first) out.push_back(',');
    first = false;
    append_item(item_type, item, out);
    return true;
  });
}

}  // namespace

void append_utf16(Bytes utf16, std::string& out, bool stop_at_nul) {
  const size_t units = utf16.size() / 2;
  const uint8_t* p = utf16.data();
  out.reserve(out.size() + units);
  for (size_t i = 0; i < units; ++i) {
    uint32_t unit = load_u16(p + 2 * i);
    if (unit < 0x80) {
      if (unit == 0 && stop_at_nul) return;
      out.push_back(static_cast<char>(unit));
    } else if (unit >= 0xD800 && unit <= 0xDBFF && i + 1 < units) {
      uint32_t low = load_u16(p + 2 * (i + 1));
      if (low >= 0xDC00 && low <= 0xDFFF) {
        append_code_point(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
        ++i;
      } else {
        append_code_point(out, 0xFFFD);
      }
    } else if (unit >= 0xD800 && unit <= 0xDFFF) {
      append_code_point(out, 0xFFFD);
    } else {
      append_code_point(out, unit);
    }
  }
}

void append_value_text(uint8_t type, Bytes value, std::string& out) {
  if (type & kArray) {
    append_array(static_cast<uint8_t>(type & ~kArray), value, out);
    return;
  }
  append_item(type, value, out);  // a size that does not fit the type: the bytes, not a made-up number
}

size_t array_item_count(uint8_t type, Bytes value) {
  size_t count = 0;
  for_each_item(static_cast<uint8_t>(type & ~kArray), value, [&](Bytes) {
    ++count;
    return true;
  });
  return count;
}

void append_array_item(uint8_t type, Bytes value, size_t item, std::string& out) {
  const auto item_type = static_cast<uint8_t>(type & ~kArray);
  size_t index = 0;
  for_each_item(item_type, value, [&](Bytes bytes) {
    if (index++ != item) return true;
    append_item(item_type, bytes, out);
    return false;
  });
}

std::optional<uint64_t> value_as_unsigned(uint8_t type, Bytes value) {
  switch (type) {
    case kUInt8: case kUInt16: case kUInt32: case kUInt64: case kHexInt32: case kHexInt64:
      if (value.size() != item_width(type, value.size())) return std::nullopt;
      return load_le(value);
    case kInt8: case kInt16: case kInt32: case kInt64: {
      if (value.size() != item_width(type, value.size())) return std::nullopt;
      const int64_t v = sign_extend(load_le(value), value.size());
      if (v < 0) return std::nullopt;
      return static_cast<uint64_t>(v);
    }
    default: return std::nullopt;
  }
}

std::optional<TimePoint> value_as_time(uint8_t type, Bytes value) {
  if (type != kFileTime || value.size() != 8) return std::nullopt;
  constexpr int64_t kMicrosFrom1601To1970 = 11'644'473'600'000'000;
  const int64_t micros = static_cast<int64_t>(load_u64(value.data()) / 10) - kMicrosFrom1601To1970;
  return TimePoint{std::chrono::microseconds{micros}};
}

std::string value_type_name(uint8_t type) {
  static constexpr const char* kNames[] = {
      "Null",   "String", "AnsiString", "Int8",  "UInt8",    "Int16",   "UInt16", "Int32",    "UInt32",   "Int64",     "UInt64",
      "Real32", "Real64", "Bool",       "Binary", "GUID",    "SizeT",   "FileTime", "SysTime", "SID",      "HexInt32", "HexInt64"};
  const uint8_t base = static_cast<uint8_t>(type & ~kArray);
  std::string name;
  if (base < std::size(kNames)) name = kNames[base];
  else if (base == kEvtHandle) name = "EvtHandle";
  else if (base == kBinXml) name = "BinXml";
  else if (base == kEvtXml) name = "EvtXml";
  else {
    name = "type ";
    append_hex(name, type);
    return name;
  }
  return (type & kArray) ? "array of " + name : name;
}

}  // namespace authwatch::sources::evtx

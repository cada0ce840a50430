#include "probes/protocols/der.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace authwatch::probes::der {
namespace {

std::string hex_byte(uint8_t b) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02x", b);
  return text;
}

void append(std::vector<uint8_t>& out, std::span<const uint8_t> bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

// Reads `count` ASCII digits as a number; false when any is not a digit.
bool digits(std::span<const uint8_t> text, size_t offset, size_t count, int& out) {
  out = 0;
  for (size_t i = offset; i < offset + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

bool Reader::peek_tag(uint8_t& tag) const {
  if (rest_.empty()) return false;
  tag = rest_[0];
  return true;
}

Result<Tlv> Reader::next() {
  if (rest_.size() < 2) return Error{"DER: truncated element header (" + std::to_string(rest_.size()) + " bytes left)"};
  const uint8_t tag = rest_[0];
  if ((tag & 0x1f) == 0x1f) return Error{"DER: high tag number form (" + hex_byte(tag) + ") not supported"};
  const uint8_t first = rest_[1];
  size_t header = 2;
  uint64_t length = first;
  if (first == 0x80) return Error{"DER: indefinite length (0x80) after tag " + hex_byte(tag)};
  if (first & 0x80) {
    const size_t count = first & 0x7f;
    // Four length octets already allow 4 GiB: more is never a Kerberos message.
    if (count > 4) return Error{"DER: length of " + std::to_string(count) + " octets after tag " + hex_byte(tag)};
    if (rest_.size() < 2 + count) return Error{"DER: truncated length after tag " + hex_byte(tag)};
    length = 0;
    for (size_t i = 0; i < count; ++i) length = (length << 8) | rest_[2 + i];
    header += count;
  }
  if (length > rest_.size() - header) {
    return Error{"DER: element " + hex_byte(tag) + " claims " + std::to_string(length) + " bytes, only " +
                 std::to_string(rest_.size() - header) + " left"};
  }
  Tlv tlv{tag, rest_.subspan(header, static_cast<size_t>(length))};
  rest_ = rest_.subspan(header + static_cast<size_t>(length));
  return tlv;
}

Result<Tlv> Reader::expect(uint8_t tag, std::string_view what) {
  uint8_t actual = 0;
  if (!peek_tag(actual)) return Error{"DER: missing " + std::string(what)};
  if (actual != tag) {
    return Error{"DER: expected " + std::string(what) + " (tag " + hex_byte(tag) + "), found tag " + hex_byte(actual)};
  }
  auto tlv = next();
  if (!tlv) return Error{tlv.error() + " (reading " + std::string(what) + ")"};
  return tlv;
}

Result<int64_t> parse_integer(std::span<const uint8_t> content) {
  if (content.empty()) return Error{"DER: empty INTEGER"};
  if (content.size() > 8) return Error{"DER: INTEGER of " + std::to_string(content.size()) + " bytes is too large"};
  // Sign-extend from the first octet, then shift in the rest (unsigned, so no overflow UB).
  uint64_t value = (content[0] & 0x80) ? ~uint64_t{0} : 0;
  for (uint8_t b : content) value = (value << 8) | b;
  return static_cast<int64_t>(value);
}

Result<TimePoint> parse_generalized_time(std::span<const uint8_t> content) {
  const std::string shown(content.begin(), content.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(content.size(), 32)));
  if (content.size() != 15 || content[14] != 'Z') return Error{"DER: GeneralizedTime \"" + shown + "\" is not YYYYMMDDHHMMSSZ"};
  int year, month, day, hour, minute, second;
  if (!digits(content, 0, 4, year) || !digits(content, 4, 2, month) || !digits(content, 6, 2, day) ||
      !digits(content, 8, 2, hour) || !digits(content, 10, 2, minute) || !digits(content, 12, 2, second)) {
    return Error{"DER: GeneralizedTime \"" + shown + "\" has a non-digit"};
  }
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  // Second 60 is a leap second, which Kerberos never sends (its clocks are POSIX time).
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) {
    return Error{"DER: GeneralizedTime \"" + shown + "\" is not a valid date and time"};
  }
  return TimePoint{std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
                   std::chrono::seconds{second}};
}

std::vector<uint8_t> encode_length(size_t length) {
  if (length < 0x80) return {static_cast<uint8_t>(length)};
  std::vector<uint8_t> octets;
  for (size_t rest = length; rest != 0; rest >>= 8) octets.insert(octets.begin(), static_cast<uint8_t>(rest & 0xff));
  octets.insert(octets.begin(), static_cast<uint8_t>(0x80 | octets.size()));
  return octets;
}

std::vector<uint8_t> element(uint8_t tag, std::span<const uint8_t> content) {
  std::vector<uint8_t> out{tag};
  append(out, encode_length(content.size()));
  append(out, content);
  return out;
}

std::vector<uint8_t> integer(int64_t value) {
  // Minimal two's complement: drop leading octets that only repeat the sign.
  std::vector<uint8_t> octets;
  for (int shift = 56; shift >= 0; shift -= 8) octets.push_back(static_cast<uint8_t>(static_cast<uint64_t>(value) >> shift));
  size_t start = 0;
  while (start + 1 < octets.size() &&
         ((octets[start] == 0x00 && !(octets[start + 1] & 0x80)) || (octets[start] == 0xff && (octets[start + 1] & 0x80)))) {
    ++start;
  }
  return element(kInteger, std::span<const uint8_t>(octets).subspan(start));
}

std::vector<uint8_t> general_string(std::string_view text) {
  return element(kGeneralString, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

std::vector<uint8_t> generalized_time(TimePoint t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  const auto days = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss clock{seconds - days};
  char text[32];
  std::snprintf(text, sizeof text, "%04d%02u%02u%02d%02d%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()));
  return element(kGeneralizedTime, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text), 15));
}

std::vector<uint8_t> flags32(uint32_t bits) {
  // First content octet 0: no unused bits in the last octet.
  const uint8_t content[] = {0x00, static_cast<uint8_t>(bits >> 24), static_cast<uint8_t>(bits >> 16),
                             static_cast<uint8_t>(bits >> 8), static_cast<uint8_t>(bits)};
  return element(kBitString, content);
}

std::vector<uint8_t> sequence(std::initializer_list<std::span<const uint8_t>> elements) {
  std::vector<uint8_t> content;
  for (auto e : elements) append(content, e);
  return element(kSequence, content);
}

std::vector<uint8_t> explicit_tag(uint8_t tag, std::span<const uint8_t> inner) { return element(tag, inner); }

}  // namespace authwatch::probes::der

#pragma once
// The little DER (X.690) that Kerberos needs: a bounds-checked reader for the KDC's replies
// and a writer for our AS-REQ. Only low tag numbers (< 31) are supported, which covers every
// tag RFC 4120 uses; anything else is reported as an error, never read past.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

namespace authwatch::probes::der {

// Universal tags used by Kerberos.
inline constexpr uint8_t kInteger = 0x02;
inline constexpr uint8_t kBitString = 0x03;
inline constexpr uint8_t kOctetString = 0x04;
inline constexpr uint8_t kGeneralizedTime = 0x18;
inline constexpr uint8_t kGeneralString = 0x1b;
inline constexpr uint8_t kSequence = 0x30;  // constructed

// [n] EXPLICIT context tag (constructed) and [APPLICATION n] (constructed).
constexpr uint8_t context_tag(unsigned n) { return static_cast<uint8_t>(0xa0 | n); }
constexpr uint8_t application_tag(unsigned n) { return static_cast<uint8_t>(0x60 | n); }

// One element: its identifier octet and its contents (a view into the reader's buffer).
struct Tlv {
  uint8_t tag = 0;
  std::span<const uint8_t> content;
};

// Reads consecutive elements from a buffer; every length is checked against what is left.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : rest_(bytes) {}

  bool at_end() const { return rest_.empty(); }
  size_t remaining() const { return rest_.size(); }
  // The next element's identifier octet, without consuming it (false at the end).
  bool peek_tag(uint8_t& tag) const;
  // Consumes one element. Errors: truncated header, high tag number form, indefinite length
  // (0x80, not DER), a length of more than 4 octets, contents beyond the buffer.
  Result<Tlv> next();
  // Consumes one element and requires its tag.
  Result<Tlv> expect(uint8_t tag, std::string_view what);

 private:
  std::span<const uint8_t> rest_;
};

// INTEGER contents (two's complement, big-endian, 1..8 octets).
Result<int64_t> parse_integer(std::span<const uint8_t> content);
// GeneralizedTime contents as Kerberos writes them: "YYYYMMDDHHMMSSZ" (RFC 4120 §5.2.3).
Result<TimePoint> parse_generalized_time(std::span<const uint8_t> content);

// Writer: each function returns one complete element (identifier, length, contents).
std::vector<uint8_t> encode_length(size_t length);
std::vector<uint8_t> element(uint8_t tag, std::span<const uint8_t> content);
std::vector<uint8_t> integer(int64_t value);
std::vector<uint8_t> general_string(std::string_view text);
std::vector<uint8_t> generalized_time(TimePoint t);  // whole seconds, UTC
// A 32-bit KerberosFlags BIT STRING (RFC 4120 §5.2.8): bit 0 is the most significant bit.
std::vector<uint8_t> flags32(uint32_t bits);
// SEQUENCE / context / application wrappers around already-encoded elements.
std::vector<uint8_t> sequence(std::initializer_list<std::span<const uint8_t>> elements);
std::vector<uint8_t> explicit_tag(uint8_t tag, std::span<const uint8_t> inner);

}  // namespace authwatch::probes::der

#include "probes/protocols/sntp.hpp"

#include <chrono>

namespace authwatch::probes::sntp {
namespace {

constexpr int64_t kUnixMinusNtpEpoch = 2208988800;  // 1900-01-01 to 1970-01-01 in seconds
constexpr int64_t kEraSeconds = int64_t{1} << 32;
constexpr uint8_t kClientRequestByte0 = 0x23;       // LI 0, VN 4, Mode 3
constexpr size_t kReferenceAt = 16, kOriginateAt = 24, kReceiveAt = 32, kTransmitAt = 40;

uint64_t read_u64(std::span<const uint8_t> bytes, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | bytes[at + i];
  return v;
}

void write_u64(std::span<uint8_t> bytes, size_t at, uint64_t v) {
  for (size_t i = 0; i < 8; ++i) bytes[at + i] = static_cast<uint8_t>(v >> (56 - 8 * i));
}

double seconds(std::chrono::microseconds d) { return static_cast<double>(d.count()) / 1e6; }

}  // namespace

uint64_t to_ntp(TimePoint t) {
  const int64_t us = t.time_since_epoch().count();
  const int64_t unix_seconds = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;  // floor
  const int64_t micros = us - unix_seconds * 1000000;
  // Modulo 2^32: the era is implied by the timestamp's top bit (RFC 4330 §3).
  const uint64_t ntp_seconds = static_cast<uint64_t>(unix_seconds + kUnixMinusNtpEpoch) & 0xffffffffu;
  // floor(µs * 2^32 / 10^6): decoding rounds back to the same microsecond.
  const uint64_t fraction = (static_cast<uint64_t>(micros) << 32) / 1000000;
  return (ntp_seconds << 32) | fraction;
}

TimePoint from_ntp(uint64_t ntp) {
  if (ntp == 0) return TimePoint{};  // "unknown" in NTP, not 1900 (or 2036)
  const int64_t ntp_seconds = static_cast<int64_t>(ntp >> 32);
  const uint64_t fraction = ntp & 0xffffffffu;
  // Top bit set: era 0 (1968-2036); clear: era 1 (2036-2104).
  const int64_t unix_seconds = ntp_seconds - kUnixMinusNtpEpoch + ((ntp_seconds & 0x80000000) ? 0 : kEraSeconds);
  const int64_t micros = static_cast<int64_t>((fraction * 1000000 + (uint64_t{1} << 31)) >> 32);
  return TimePoint{std::chrono::seconds{unix_seconds} + std::chrono::microseconds{micros}};
}

std::array<uint8_t, kPacketSize> encode_request(TimePoint t1) {
  std::array<uint8_t, kPacketSize> packet{};
  packet[0] = kClientRequestByte0;
  write_u64(packet, kTransmitAt, to_ntp(t1));
  return packet;
}

Result<Reply> decode_reply(std::span<const uint8_t> bytes) {
  if (bytes.size() < kPacketSize) {
    return Error{"SNTP: reply of " + std::to_string(bytes.size()) + " bytes, expected at least 48"};
  }
  Reply r;
  r.leap = bytes[0] >> 6;
  r.version = (bytes[0] >> 3) & 0x07;
  r.mode = bytes[0] & 0x07;
  r.stratum = bytes[1];
  if (r.mode != 4 && r.mode != 5) return Error{"SNTP: reply mode " + std::to_string(r.mode) + ", expected 4 (server) or 5"};
  if (r.version == 0 || r.version > 4) return Error{"SNTP: reply version " + std::to_string(r.version)};
  const uint64_t transmit = read_u64(bytes, kTransmitAt);
  if (transmit == 0) return Error{"SNTP: reply has a zero transmit timestamp"};
  if (r.stratum == 0) r.kiss_code.assign(bytes.begin() + 12, bytes.begin() + 16);
  r.reference = from_ntp(read_u64(bytes, kReferenceAt));
  r.originate = from_ntp(read_u64(bytes, kOriginateAt));
  r.receive = from_ntp(read_u64(bytes, kReceiveAt));
  r.transmit = from_ntp(transmit);
  return r;
}

Measurement measure(TimePoint t1, const Reply& r, TimePoint t4) {
  const auto t2 = r.receive, t3 = r.transmit;
  Measurement m;
  m.delay_seconds = seconds((t4 - t1) - (t3 - t2));
  // Halve after converting: an odd microsecond sum keeps its half.
  m.offset_seconds = seconds((t2 - t1) + (t3 - t4)) / 2;
  return m;
}

}  // namespace authwatch::probes::sntp

#pragma once
// SNTP (RFC 4330) packets: the 48-byte client request, the server's reply, and the offset /
// delay arithmetic of docs/domain.md §5.
#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "core/result.hpp"
#include "core/time.hpp"

namespace authwatch::probes::sntp {

inline constexpr size_t kPacketSize = 48;

// RFC 4330 client request: LI=0 VN=4 Mode=3 (0x23), every other field 0, transmit = t1.
std::array<uint8_t, kPacketSize> encode_request(TimePoint t1);

struct Reply {
  int leap = 0, version = 0, mode = 0, stratum = 0;
  TimePoint reference{}, originate{}, receive{}, transmit{};  // an all-zero timestamp reads as TimePoint{}
  std::string kiss_code;  // stratum 0 (kiss-o'-death): the 4 ASCII characters of the reference id
};

// Errors: fewer than 48 bytes, mode not 4 (server) or 5 (broadcast), version 0 or > 4, zero transmit.
Result<Reply> decode_reply(std::span<const uint8_t> bytes);

struct Measurement {
  double offset_seconds = 0;  // server clock minus ours
  double delay_seconds = 0;   // round trip without the server's processing time
};
// d = (T4 - T1) - (T3 - T2); t = ((T2 - T1) + (T3 - T4)) / 2, with T2 = receive, T3 = transmit.
Measurement measure(TimePoint t1, const Reply& r, TimePoint t4);

// NTP 64-bit timestamps (seconds since 1900 . 2^-32 fractions), exposed for the tests.
// Times from 2036-02-07 on wrap into NTP era 1 (RFC 4330 §3).
uint64_t to_ntp(TimePoint t);
TimePoint from_ntp(uint64_t ntp);

}  // namespace authwatch::probes::sntp

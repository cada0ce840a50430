// SNTP codec (RFC 4330, docs/domain.md §5) against hand-derived byte vectors.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "probes/protocols/sntp.hpp"

namespace authwatch::probes::sntp {
namespace {

using namespace std::chrono;

// 2024-01-02T03:04:05Z = Unix 1704164645 (1704067200 for 2024-01-01, + 86400 + 3*3600 + 4*60 + 5).
// NTP seconds = 1704164645 + 2208988800 = 3913153445 = 0xE93DFBA5.
const TimePoint kT = TimePoint{seconds{1704164645}};

std::vector<uint8_t> server_reply() {
  return {
      0x24,                    // LI 0 (00), VN 4 (100), Mode 4 (100): 00 100 100
      0x02,                    // stratum 2
      0x06,                    // poll 2^6
      0xec,                    // precision -20
      0x00, 0x00, 0x00, 0x10,  // root delay
      0x00, 0x00, 0x00, 0x20,  // root dispersion
      0x7f, 0x7f, 0x01, 0x01,  // reference id 127.127.1.1
      // reference timestamp 16: T - 5 s = 0xE93DFBA0 . 0
      0xe9, 0x3d, 0xfb, 0xa0, 0x00, 0x00, 0x00, 0x00,
      // originate 24: T = 0xE93DFBA5 . 0 (our transmit echoed)
      0xe9, 0x3d, 0xfb, 0xa5, 0x00, 0x00, 0x00, 0x00,
      // receive 32: T + 1.25 s = 0xE93DFBA6 . 0x40000000 (0.25 * 2^32)
      0xe9, 0x3d, 0xfb, 0xa6, 0x40, 0x00, 0x00, 0x00,
      // transmit 40: T + 1.5 s = 0xE93DFBA6 . 0x80000000 (0.5 * 2^32)
      0xe9, 0x3d, 0xfb, 0xa6, 0x80, 0x00, 0x00, 0x00,
  };
}

TEST(SntpCodec, RequestIsVersion4ClientModeWithTransmitTimestamp) {
  // T + 0.5 s: fraction 0.5 * 2^32 = 0x80000000.
  auto packet = encode_request(kT + milliseconds{500});
  const std::array<uint8_t, 48> expected = {
      0x23,  // LI 0, VN 4, Mode 3 (client): 00 100 011
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // stratum .. reference id: zero in a request
      0, 0, 0, 0, 0, 0, 0, 0,                       // reference timestamp
      0, 0, 0, 0, 0, 0, 0, 0,                       // originate
      0, 0, 0, 0, 0, 0, 0, 0,                       // receive
      0xe9, 0x3d, 0xfb, 0xa5, 0x80, 0x00, 0x00, 0x00,  // transmit = T + 0.5 s
  };
  EXPECT_EQ(packet, expected);
}

TEST(SntpCodec, DecodesServerReplyFields) {
  auto bytes = server_reply();
  auto reply = decode_reply(bytes);
  ASSERT_TRUE(reply.ok()) << reply.error();
  const Reply& r = reply.value();
  EXPECT_EQ(r.leap, 0);
  EXPECT_EQ(r.version, 4);
  EXPECT_EQ(r.mode, 4);
  EXPECT_EQ(r.stratum, 2);
  EXPECT_EQ(r.kiss_code, "");
  EXPECT_EQ(r.reference, kT - seconds{5});
  EXPECT_EQ(r.originate, kT);
  EXPECT_EQ(r.receive, kT + milliseconds{1250});
  EXPECT_EQ(r.transmit, kT + milliseconds{1500});
}

TEST(SntpCodec, MeasuresOffsetAndDelayPerRfc4330) {
  auto reply = decode_reply(server_reply());
  ASSERT_TRUE(reply.ok());
  // T1 = T, T2 = T + 1.25, T3 = T + 1.5, T4 = T + 0.5 (our clock is ~1.1 s behind the server).
  // d = (T4 - T1) - (T3 - T2) = 0.5 - 0.25 = 0.25
  // t = ((T2 - T1) + (T3 - T4)) / 2 = (1.25 + 1.0) / 2 = 1.125
  auto m = measure(kT, reply.value(), kT + milliseconds{500});
  EXPECT_DOUBLE_EQ(m.delay_seconds, 0.25);
  EXPECT_DOUBLE_EQ(m.offset_seconds, 1.125);
}

TEST(SntpCodec, NegativeOffsetWhenServerIsBehind) {
  Reply r;
  r.receive = kT - seconds{600};
  r.transmit = kT - seconds{600} + microseconds{10};
  // T1 = T, T4 = T + 30 µs: t = ((-600) + (-600 + 10e-6 - 30e-6)) / 2 = -600.00001, d = 20 µs.
  auto m = measure(kT, r, kT + microseconds{30});
  EXPECT_NEAR(m.offset_seconds, -600.00001, 1e-9);
  EXPECT_NEAR(m.delay_seconds, 0.00002, 1e-12);
}

TEST(SntpCodec, KissOfDeathCarriesTheCode) {
  auto bytes = server_reply();
  bytes[1] = 0;  // stratum 0
  bytes[12] = 'R', bytes[13] = 'A', bytes[14] = 'T', bytes[15] = 'E';
  auto reply = decode_reply(bytes);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply.value().stratum, 0);
  EXPECT_EQ(reply.value().kiss_code, "RATE");
}

TEST(SntpCodec, AcceptsVersion3AndBroadcastAndLongerPackets) {
  auto bytes = server_reply();
  bytes[0] = 0x1c;  // LI 0, VN 3, Mode 4: 00 011 100
  ASSERT_TRUE(decode_reply(bytes).ok());
  EXPECT_EQ(decode_reply(bytes).value().version, 3);
  bytes[0] = 0xe5;  // LI 3 (alarm), VN 4, Mode 5: 11 100 101
  ASSERT_TRUE(decode_reply(bytes).ok());
  EXPECT_EQ(decode_reply(bytes).value().leap, 3);
  EXPECT_EQ(decode_reply(bytes).value().mode, 5);
  bytes.resize(68, 0xaa);  // key id + MAC after the header
  EXPECT_TRUE(decode_reply(bytes).ok());
}

TEST(SntpCodec, RejectsWrongModeVersionAndZeroTransmit) {
  auto bytes = server_reply();
  bytes[0] = 0x23;  // mode 3: our own request reflected back
  EXPECT_NE(decode_reply(bytes).error().find("mode 3"), std::string::npos);
  bytes[0] = 0x04;  // VN 0
  EXPECT_NE(decode_reply(bytes).error().find("version 0"), std::string::npos);
  bytes[0] = 0x2c;  // VN 5: 00 101 100
  EXPECT_NE(decode_reply(bytes).error().find("version 5"), std::string::npos);
  bytes = server_reply();
  std::fill(bytes.begin() + 40, bytes.end(), 0);
  EXPECT_NE(decode_reply(bytes).error().find("zero transmit"), std::string::npos);
}

TEST(SntpCodec, EveryTruncationIsAnError) {
  const auto bytes = server_reply();
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto reply = decode_reply(std::span<const uint8_t>(bytes.data(), n));
    ASSERT_FALSE(reply.ok()) << n;
    EXPECT_NE(reply.error().find(std::to_string(n) + " bytes"), std::string::npos) << reply.error();
  }
}

TEST(SntpCodec, TimestampsRoundTripToTheMicrosecond) {
  std::mt19937_64 random(4330);
  for (int i = 0; i < 10000; ++i) {
    // 1970 .. 2100, including the era-1 range after 2036-02-07.
    const auto t = TimePoint{microseconds{static_cast<int64_t>(random() % 4102444800000000ULL)}};
    ASSERT_EQ(from_ntp(to_ntp(t)), t) << t.time_since_epoch().count();
  }
  // One microsecond: fraction floor(2^32 / 10^6) = 4294 = 0x10C6.
  EXPECT_EQ(to_ntp(kT + microseconds{1}) & 0xffffffffu, 0x10c6u);
}

TEST(SntpCodec, Era1StartsOn2036February7) {
  // 2036-02-07T06:28:16Z = Unix 2085978496 = 2^32 - 2208988800: NTP seconds wrap to 0.
  const TimePoint era1_start{seconds{2085978496}};
  EXPECT_EQ(to_ntp(era1_start), 0u);
  EXPECT_EQ(from_ntp(uint64_t{1}), era1_start);  // 0 s and the smallest fraction rounds to 0 µs
  // 2040-01-01 = Unix 2208988800: NTP seconds (2208988800 + 2208988800) mod 2^32 = 0x0754FD00.
  EXPECT_EQ(to_ntp(TimePoint{seconds{2208988800}}) >> 32, 0x0754fd00u);
  EXPECT_EQ(from_ntp(uint64_t{0x0754fd00} << 32), TimePoint{seconds{2208988800}});
  EXPECT_EQ(from_ntp(0), TimePoint{});  // zero means "not set", not a date
}

}  // namespace
}  // namespace authwatch::probes::sntp

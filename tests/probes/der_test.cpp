// The minimal DER reader/writer under the Kerberos codec: encodings derived by hand from X.690,
// and every way a length can lie.
#include <gtest/gtest.h>

#include <vector>

#include "probes/protocols/der.hpp"

namespace authwatch::probes::der {
namespace {

using Bytes = std::vector<uint8_t>;
using namespace std::chrono;

Result<Tlv> read_one(const Bytes& bytes) {
  Reader reader(bytes);
  return reader.next();
}

TEST(Der, LengthShortAndLongForms) {
  EXPECT_EQ(encode_length(0), (Bytes{0x00}));
  EXPECT_EQ(encode_length(127), (Bytes{0x7f}));          // largest short form
  EXPECT_EQ(encode_length(128), (Bytes{0x81, 0x80}));    // 0x81: one length octet follows
  EXPECT_EQ(encode_length(255), (Bytes{0x81, 0xff}));
  EXPECT_EQ(encode_length(256), (Bytes{0x82, 0x01, 0x00}));
  EXPECT_EQ(encode_length(70000), (Bytes{0x83, 0x01, 0x11, 0x70}));  // 70000 = 0x011170
}

TEST(Der, IntegersAreMinimalTwosComplement) {
  EXPECT_EQ(integer(0), (Bytes{0x02, 0x01, 0x00}));
  EXPECT_EQ(integer(5), (Bytes{0x02, 0x01, 0x05}));
  EXPECT_EQ(integer(127), (Bytes{0x02, 0x01, 0x7f}));
  EXPECT_EQ(integer(128), (Bytes{0x02, 0x02, 0x00, 0x80}));  // 0x80 alone would be -128
  EXPECT_EQ(integer(-1), (Bytes{0x02, 0x01, 0xff}));
  EXPECT_EQ(integer(-128), (Bytes{0x02, 0x01, 0x80}));
  EXPECT_EQ(integer(-129), (Bytes{0x02, 0x02, 0xff, 0x7f}));
  EXPECT_EQ(integer(123456), (Bytes{0x02, 0x03, 0x01, 0xe2, 0x40}));  // 123456 = 0x01E240
  // A UInt32 nonce with the top bit set needs a leading zero octet to stay positive.
  EXPECT_EQ(integer(0x80000000), (Bytes{0x02, 0x05, 0x00, 0x80, 0x00, 0x00, 0x00}));
}

TEST(Der, IntegersParseBack) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{127}, int64_t{128}, int64_t{-129}, int64_t{999999},
                    int64_t{0x80000000}, int64_t{INT32_MIN}, INT64_MAX, INT64_MIN}) {
    auto encoded = integer(v);
    auto tlv = read_one(encoded);
    ASSERT_TRUE(tlv.ok()) << v;
    auto parsed = parse_integer(tlv.value().content);
    ASSERT_TRUE(parsed.ok()) << v;
    EXPECT_EQ(parsed.value(), v);
  }
  const Bytes nine(9, 0x01);
  EXPECT_FALSE(parse_integer(nine).ok());
  EXPECT_FALSE(parse_integer({}).ok());
}

TEST(Der, StringsTimesFlagsAndWrappers) {
  EXPECT_EQ(general_string("krbtgt"), (Bytes{0x1b, 0x06, 'k', 'r', 'b', 't', 'g', 't'}));
  // 2024-01-02T03:04:05.999Z: Kerberos times are whole seconds, so the .999 is dropped.
  EXPECT_EQ(generalized_time(TimePoint{seconds{1704164645} + milliseconds{999}}),
            (Bytes{0x18, 0x0f, '2', '0', '2', '4', '0', '1', '0', '2', '0', '3', '0', '4', '0', '5', 'Z'}));
  // Bits 1 (forwardable), 8 (renewable), 15 (canonicalize): 0100 0000 1000 0001 0... = 40 81 00 00.
  EXPECT_EQ(flags32(0x40810000), (Bytes{0x03, 0x05, 0x00, 0x40, 0x81, 0x00, 0x00}));
  EXPECT_EQ(sequence({integer(1), integer(2)}), (Bytes{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02}));
  EXPECT_EQ(explicit_tag(context_tag(3), integer(2)), (Bytes{0xa3, 0x03, 0x02, 0x01, 0x02}));
  EXPECT_EQ(application_tag(30), 0x7e);
  EXPECT_EQ(application_tag(10), 0x6a);
}

TEST(Der, GeneralizedTimeParsing) {
  auto parse = [](std::string text) {
    return parse_generalized_time(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  };
  auto t = parse("20240102030405Z");
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t.value(), TimePoint{seconds{1704164645}});
  EXPECT_EQ(parse("20240229235959Z").value(), TimePoint{sys_days{2024y / February / 29} + hours{23} + minutes{59} + seconds{59}});
  for (const char* bad : {"", "2024010203040Z", "20240102030405", "20240102030405+", "2024010203040aZ", "20230229000000Z",
                          "20241301000000Z", "20240102240000Z", "20240102036000Z", "20240102030460Z", "20240102030405.5Z"}) {
    EXPECT_FALSE(parse(bad).ok()) << bad;
  }
}

TEST(Der, ReaderWalksElementsAndExpectChecksTags) {
  const Bytes bytes{0x02, 0x01, 0x05, 0x1b, 0x02, 'h', 'i'};
  Reader reader(bytes);
  uint8_t tag = 0;
  ASSERT_TRUE(reader.peek_tag(tag));
  EXPECT_EQ(tag, kInteger);
  auto wrong = reader.expect(kGeneralString, "name");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().find("expected name"), std::string::npos) << wrong.error();
  EXPECT_EQ(reader.remaining(), bytes.size());  // a failed expect consumes nothing
  ASSERT_TRUE(reader.expect(kInteger, "number").ok());
  auto s = reader.expect(kGeneralString, "name");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(std::string(s.value().content.begin(), s.value().content.end()), "hi");
  EXPECT_TRUE(reader.at_end());
  EXPECT_FALSE(reader.peek_tag(tag));
  EXPECT_NE(reader.next().error().find("truncated"), std::string::npos);
}

TEST(Der, LongFormLengthsAreRead) {
  Bytes bytes{0x04, 0x81, 0x80};
  bytes.resize(3 + 128, 0x55);
  auto tlv = read_one(bytes);
  ASSERT_TRUE(tlv.ok()) << tlv.error();
  EXPECT_EQ(tlv.value().content.size(), 128u);
  Bytes two{0x04, 0x82, 0x01, 0x00};
  two.resize(4 + 256);
  EXPECT_EQ(read_one(two).value().content.size(), 256u);
}

TEST(Der, LyingLengthsAreErrors) {
  // Contents claim 5 bytes, 2 present.
  EXPECT_NE(read_one({0x04, 0x05, 0x01, 0x02}).error().find("claims 5 bytes, only 2 left"), std::string::npos);
  // Indefinite length (BER only).
  EXPECT_NE(read_one({0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00}).error().find("indefinite"), std::string::npos);
  // 0x84 ff ff ff ff: a 4 GiB element in a 10-byte buffer.
  EXPECT_NE(read_one({0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00}).error().find("claims 4294967295"), std::string::npos);
  // Five length octets: more than any message we read.
  EXPECT_NE(read_one({0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00}).error().find("5 octets"), std::string::npos);
  // 0xff: 127 length octets.
  EXPECT_FALSE(read_one({0x30, 0xff, 0x00}).ok());
  // Long form whose octets are cut off.
  EXPECT_NE(read_one({0x30, 0x82, 0x01}).error().find("truncated length"), std::string::npos);
  // High tag number form (tag 0x1f and up): never used by Kerberos.
  EXPECT_NE(read_one({0x1f, 0x81, 0x00, 0x00}).error().find("high tag"), std::string::npos);
  EXPECT_FALSE(read_one({0x02}).ok());
  EXPECT_FALSE(read_one({}).ok());
}

}  // namespace
}  // namespace authwatch::probes::der

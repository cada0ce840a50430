// The directory packets as the Windows build makes them — the DnsQuery_W backend
// (probes/win/dns_srv.cpp) and the one CLDAP codec every platform shares (probes/ldap/cldap.cpp) —
// against the same hand-derived bytes as the Linux tests (tests/probes/dns_srv_test.cpp,
// cldap_test.cpp): the MinGW build must put the same packets on the wire and judge replies alike.
#include <gtest/gtest.h>

#include "hex_bytes.hpp"
#include "probes/dns_srv.hpp"
#include "probes/ldap/cldap.hpp"

namespace authwatch::probes {
namespace {

using Bytes = std::vector<uint8_t>;
using test::hex;

const Bytes kQueryLabExample = hex("12 34 01 00 00 01 00 00 00 00 00 00 03 6c 61 62 07 65 78 61 6d 70 6c 65 00 00 01 00 01");
const Bytes kReplyLabExample = hex("12 34 81 80 00 01 00 01 00 00 00 00 03 6c 61 62 07 65 78 61 6d 70 6c 65 00 00 01 00 01"
                                   " c0 0c 00 01 00 01 00 00 02 58 00 04 c6 12 4d 0b");

TEST(WinDnsQueryPacket, IsAStandardRecursiveAQuery) {
  EXPECT_EQ(make_dns_query("lab.example", 0x1234), kQueryLabExample);
  auto other = make_dns_query("lab.example.", 0xbeef);
  ASSERT_EQ(other.size(), kQueryLabExample.size());
  EXPECT_EQ(other[0], 0xbe);
  EXPECT_EQ(other[1], 0xef);
  EXPECT_TRUE(std::equal(other.begin() + 2, other.end(), kQueryLabExample.begin() + 2));
}

TEST(WinDnsQueryPacket, InvalidNameGivesNoPacket) {
  EXPECT_TRUE(make_dns_query(std::string(64, 'a') + ".example", 1).empty());
  EXPECT_TRUE(make_dns_query("a..example", 1).empty());
  EXPECT_TRUE(make_dns_query("", 1).empty());
}

TEST(WinDnsReplyCheck, AcceptsWellFormedResponsesWithOurId) {
  EXPECT_TRUE(is_dns_reply(kReplyLabExample, 0x1234));
  Bytes nxdomain = kQueryLabExample;
  nxdomain[2] = 0x81, nxdomain[3] = 0x83;
  EXPECT_TRUE(is_dns_reply(nxdomain, 0x1234));
}

TEST(WinDnsReplyCheck, RejectsOtherIdsQueriesTruncationsAndGarbage) {
  EXPECT_FALSE(is_dns_reply(kReplyLabExample, 0x1235));
  EXPECT_FALSE(is_dns_reply(kQueryLabExample, 0x1234));
  for (size_t n = 0; n < kReplyLabExample.size(); ++n)
    EXPECT_FALSE(is_dns_reply(Bytes(kReplyLabExample.begin(), kReplyLabExample.begin() + static_cast<long>(n)), 0x1234)) << n;
  EXPECT_FALSE(is_dns_reply(Bytes(12, 0), 0));
  EXPECT_FALSE(is_dns_reply(hex("30 0c 02 01 07 65 07 0a 01 00 04 00 04 00"), 0x300c));
  Bytes claims_more = kReplyLabExample;
  claims_more[7] = 2;
  EXPECT_FALSE(is_dns_reply(claims_more, 0x1234));
  Bytes overlong_label = kReplyLabExample;
  overlong_label[12] = 0x30;
  EXPECT_FALSE(is_dns_reply(overlong_label, 0x1234));
}

const std::string kSearchBody =
    "04 00 0a 01 00 0a 01 00 02 01 00 02 01 00 01 01 00"
    " 87 0b 6f 62 6a 65 63 74 43 6c 61 73 73"
    " 30 0d 04 0b 64 6e 73 48 6f 73 74 4e 61 6d 65";
const Bytes kDone7 = hex("30 0c 02 01 07 65 07 0a 01 00 04 00 04 00");
const Bytes kEntry7 = hex("30 1e 02 01 07 64 19 04 00 30 15 30 13 04 0b 64 6e 73 48 6f 73 74 4e 61 6d 65 31 04 04 02 64 63");

TEST(WinCldapSearch, EncodesAsHandDerivedDer) {
  EXPECT_EQ(make_cldap_search(1), hex("30 32 02 01 01 63 2d " + kSearchBody));
  EXPECT_EQ(make_cldap_search(0x80), hex("30 33 02 02 00 80 63 2d " + kSearchBody));
  EXPECT_EQ(make_cldap_search(0x5158), hex("30 33 02 02 51 58 63 2d " + kSearchBody));
}

TEST(WinCldapReply, JudgesRepliesLikeTheLiblberBackend) {
  EXPECT_TRUE(is_cldap_reply(kDone7, 7));
  EXPECT_TRUE(is_cldap_reply(kEntry7, 7));
  Bytes both = kEntry7;
  both.insert(both.end(), kDone7.begin(), kDone7.end());
  EXPECT_TRUE(is_cldap_reply(both, 7));
  EXPECT_FALSE(is_cldap_reply(kDone7, 8));
  EXPECT_FALSE(is_cldap_reply(kEntry7, 0));
  for (size_t n = 0; n < kEntry7.size(); ++n)
    EXPECT_FALSE(is_cldap_reply(Bytes(kEntry7.begin(), kEntry7.begin() + static_cast<long>(n)), 7)) << n;
  EXPECT_FALSE(is_cldap_reply(hex("30 0c 02 01 07 61 07 0a 01 00 04 00 04 00"), 7));
  EXPECT_FALSE(is_cldap_reply(make_cldap_search(7), 7));
  EXPECT_FALSE(is_cldap_reply(Bytes(300, 0xff), 7));
  EXPECT_FALSE(is_cldap_reply(hex("30 05 02 01 07 65 07 0a 01 00 04 00 04 00"), 7));
  EXPECT_FALSE(is_cldap_reply(hex("30 08 02 01 07 64 03 02 01 00"), 7));
  EXPECT_FALSE(is_cldap_reply(hex("30 0c 02 01 07 65 07 02 01 00 04 00 04 00"), 7));
}

}  // namespace
}  // namespace authwatch::probes

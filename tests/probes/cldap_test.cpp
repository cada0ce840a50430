// The CLDAP rootDSE search packet against hand-derived DER bytes, the reply check against
// hand-built replies (good, truncated, mislabelled, inconsistent lengths), and a real round trip
// to the Samba lab's DC1 on UDP 389.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hex_bytes.hpp"
#include "lab_env.hpp"
#include "probes/ldap/cldap.hpp"
#include "tests/lab/lab_skip.hpp"

namespace authwatch::probes {
namespace {

using Bytes = std::vector<uint8_t>;
using namespace std::chrono_literals;

using test::hex;

// SearchRequest body (RFC 4511 §4.5.1), derived by hand:
//   04 00        baseObject ""          0a 01 00  scope baseObject    0a 01 00  derefAliases never
//   02 01 00     sizeLimit 0            02 01 00  timeLimit 0         01 01 00  typesOnly FALSE
//   87 0b "objectClass"  filter present [7]
//   30 0d 04 0b "dnsHostName"  attributes
// = 45 bytes (0x2d).
const std::string kSearchBody =
    "04 00 0a 01 00 0a 01 00 02 01 00 02 01 00 01 01 00"
    " 87 0b 6f 62 6a 65 63 74 43 6c 61 73 73"
    " 30 0d 04 0b 64 6e 73 48 6f 73 74 4e 61 6d 65";

TEST(CldapSearch, MessageIdOneEncodesAsHandDerivedDer) {
  // LDAPMessage 30 32 { 02 01 01 messageID, 63 2d [APPLICATION 3] SearchRequest }.
  EXPECT_EQ(make_cldap_search(1), hex("30 32 02 01 01 63 2d " + kSearchBody));
}

TEST(CldapSearch, MessageIdWithHighBitGetsALeadingZeroOctet) {
  // 0x80 as a positive INTEGER needs 00 80; the outer length grows by one.
  EXPECT_EQ(make_cldap_search(0x80), hex("30 33 02 02 00 80 63 2d " + kSearchBody));
  EXPECT_EQ(make_cldap_search(0x5158), hex("30 33 02 02 51 58 63 2d " + kSearchBody));
}

// SearchResultDone for message 7: 30 0c { 02 01 07, 65 07 { 0a 01 00 success, 04 00, 04 00 } }.
const Bytes kDone7 = hex("30 0c 02 01 07 65 07 0a 01 00 04 00 04 00");
// SearchResultEntry for message 7 with objectName "" and one attribute dnsHostName: [ "dc" ].
const Bytes kEntry7 = hex("30 1e 02 01 07 64 19 04 00 30 15 30 13 04 0b 64 6e 73 48 6f 73 74 4e 61 6d 65 31 04 04 02 64 63");

TEST(CldapReply, AcceptsSearchResultDoneAndEntryWithOurMessageId) {
  EXPECT_TRUE(is_cldap_reply(kDone7, 7));
  EXPECT_TRUE(is_cldap_reply(kEntry7, 7));
  Bytes both = kEntry7;  // CLDAP servers send entry and done in one datagram
  both.insert(both.end(), kDone7.begin(), kDone7.end());
  EXPECT_TRUE(is_cldap_reply(both, 7));
}

TEST(CldapReply, RejectsAnotherMessageId) {
  EXPECT_FALSE(is_cldap_reply(kDone7, 8));
  EXPECT_FALSE(is_cldap_reply(kEntry7, 0));
}

TEST(CldapReply, RejectsEveryTruncation) {
  for (size_t n = 0; n < kEntry7.size(); ++n)
    EXPECT_FALSE(is_cldap_reply(Bytes(kEntry7.begin(), kEntry7.begin() + static_cast<long>(n)), 7)) << n << " bytes";
  for (size_t n = 0; n < kDone7.size(); ++n)
    EXPECT_FALSE(is_cldap_reply(Bytes(kDone7.begin(), kDone7.begin() + static_cast<long>(n)), 7)) << n << " bytes";
}

TEST(CldapReply, RejectsOtherOperationsAndGarbage) {
  // BindResponse (61) instead of a search result.
  EXPECT_FALSE(is_cldap_reply(hex("30 0c 02 01 07 61 07 0a 01 00 04 00 04 00"), 7));
  // Our own request echoed back.
  EXPECT_FALSE(is_cldap_reply(make_cldap_search(7), 7));
  // Not a SEQUENCE at all (a DNS header, an NTP packet).
  EXPECT_FALSE(is_cldap_reply(hex("12 34 81 80 00 01 00 01 00 00 00 00"), 7));
  EXPECT_FALSE(is_cldap_reply(Bytes(48, 0x1c), 7));
  EXPECT_FALSE(is_cldap_reply(Bytes(300, 0xff), 7));
}

TEST(CldapReply, RejectsAnInnerLengthReachingPastItsMessage) {
  // The message says 5 content bytes but its operation claims 7: the bytes after the message
  // (a second message) must not be borrowed to complete it.
  Bytes lying = hex("30 05 02 01 07 65 07 0a 01 00 04 00 04 00");
  EXPECT_FALSE(is_cldap_reply(lying, 7));
  // SearchResultEntry whose objectName is not an OCTET STRING.
  EXPECT_FALSE(is_cldap_reply(hex("30 08 02 01 07 64 03 02 01 00"), 7));
  // SearchResultDone whose resultCode is an INTEGER, not ENUMERATED.
  EXPECT_FALSE(is_cldap_reply(hex("30 0c 02 01 07 65 07 02 01 00 04 00 04 00"), 7));
}

TEST(CldapLab, Dc1AnswersTheSearchOverUdp) {
  std::string why;
  if (!test::lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
  const int id = 0x4242;
  auto reply = test::udp_round_trip(test::dc_ip(1), 389, make_cldap_search(id), 2000ms);
  ASSERT_FALSE(reply.empty()) << "no CLDAP reply from " << test::dc_ip(1);
  EXPECT_TRUE(is_cldap_reply(reply, id));
  EXPECT_FALSE(is_cldap_reply(reply, id + 1));
  const std::string text(reply.begin(), reply.end());
  EXPECT_NE(text.find("dc1.lab.example"), std::string::npos) << "the reply should carry the DC's dnsHostName";
}

}  // namespace
}  // namespace authwatch::probes

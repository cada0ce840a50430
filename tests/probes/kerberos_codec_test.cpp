// Kerberos codec (RFC 4120): the AS-REQ byte for byte as derived by hand, KRB-ERRORs hand-built
// and captured from a real MIT KDC, and every kind of damage a hostile KDC could send.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "probes/protocols/der.hpp"
#include "probes/protocols/kerberos.hpp"

namespace authwatch::probes::kerberos {
namespace {

using Bytes = std::vector<uint8_t>;
using namespace std::chrono;

const TimePoint kNow{seconds{1704164645}};  // 2024-01-02T03:04:05Z

Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(KerberosCodec, AsReqByteForByte) {
  const Bytes expected = cat({
      {0x6a, 0x81, 0x85},  // [APPLICATION 10] AS-REQ, 133 content bytes (long form: 0x81 = one length octet)
      {0x30, 0x81, 0x82},  //   KDC-REQ SEQUENCE, 130 = 5 + 5 + 120
      {0xa1, 0x03, 0x02, 0x01, 0x05},  // pvno [1] INTEGER 5
      {0xa2, 0x03, 0x02, 0x01, 0x0a},  // msg-type [2] INTEGER 10 (no padata [3]: unauthenticated)
      {0xa4, 0x76},                    // req-body [4], 118 bytes
      {0x30, 0x74},                    //   KDC-REQ-BODY SEQUENCE, 116 = 9 + 20 + 14 + 33 + 19 + 8 + 13
      // kdc-options [0] BIT STRING: 0 unused bits, forwardable(1) renewable(8) canonicalize(15) = 40 81 00 00
      {0xa0, 0x07, 0x03, 0x05, 0x00, 0x40, 0x81, 0x00, 0x00},
      // cname [1] PrincipalName (20 bytes): SEQUENCE { name-type [0] 1 (NT-PRINCIPAL), name-string [1] { "probe" } }
      {0xa1, 0x12, 0x30, 0x10, 0xa0, 0x03, 0x02, 0x01, 0x01, 0xa1, 0x09, 0x30, 0x07, 0x1b, 0x05},
      ascii("probe"),
      // realm [2] GeneralString "TEST.REALM" (14 bytes)
      {0xa2, 0x0c, 0x1b, 0x0a},
      ascii("TEST.REALM"),
      // sname [3] (33 bytes): SEQUENCE { name-type [0] 2 (NT-SRV-INST), name-string [1] { "krbtgt", "TEST.REALM" } }
      {0xa3, 0x1f, 0x30, 0x1d, 0xa0, 0x03, 0x02, 0x01, 0x02, 0xa1, 0x16, 0x30, 0x14, 0x1b, 0x06},
      ascii("krbtgt"),
      {0x1b, 0x0a},
      ascii("TEST.REALM"),
      // till [5] GeneralizedTime now + 1 day (19 bytes)
      {0xa5, 0x11, 0x18, 0x0f},
      ascii("20240103030405Z"),
      // nonce [7] INTEGER 0x12345678 (8 bytes)
      {0xa7, 0x06, 0x02, 0x04, 0x12, 0x34, 0x56, 0x78},
      // etype [8] SEQUENCE OF INTEGER { 18, 17, 23 } (13 bytes)
      {0xa8, 0x0b, 0x30, 0x09, 0x02, 0x01, 0x12, 0x02, 0x01, 0x11, 0x02, 0x01, 0x17},
  });
  ASSERT_EQ(expected.size(), 136u);  // 3 header bytes + 133
  EXPECT_EQ(encode_as_req("TEST.REALM", "probe", kNow + milliseconds{750}, 0x12345678), expected);
}

TEST(KerberosCodec, AsReqNonceWithTopBitStaysPositive) {
  auto req = encode_as_req("TEST.REALM", "probe", kNow, 0x80000000);
  // nonce [7] INTEGER with a leading zero octet: a7 07 02 05 00 80 00 00 00
  const Bytes nonce{0xa7, 0x07, 0x02, 0x05, 0x00, 0x80, 0x00, 0x00, 0x00};
  EXPECT_NE(std::search(req.begin(), req.end(), nonce.begin(), nonce.end()), req.end());
  EXPECT_EQ(req.size(), 137u);  // one byte longer than with 0x12345678
}

// KRB-ERROR with every field (163 bytes), hand-derived.
Bytes full_krb_error() {
  return cat({
      {0x7e, 0x81, 0xa0},  // [APPLICATION 30], 160 content bytes
      {0x30, 0x81, 0x9d},  // SEQUENCE, 157 = 5+5+19+6+19+7+5+14+16+14+33+8+6
      {0xa0, 0x03, 0x02, 0x01, 0x05},  // pvno [0] 5
      {0xa1, 0x03, 0x02, 0x01, 0x1e},  // msg-type [1] 30
      {0xa2, 0x11, 0x18, 0x0f},        // ctime [2] (19 bytes)
      ascii("20240102030400Z"),
      {0xa3, 0x04, 0x02, 0x02, 0x03, 0xe8},  // cusec [3] 1000 = 0x03E8
      {0xa4, 0x11, 0x18, 0x0f},              // stime [4] (19 bytes)
      ascii("20240102030405Z"),
      {0xa5, 0x05, 0x02, 0x03, 0x01, 0xe2, 0x40},  // susec [5] 123456 = 0x01E240
      {0xa6, 0x03, 0x02, 0x01, 0x25},              // error-code [6] 37 KRB_AP_ERR_SKEW
      {0xa7, 0x0c, 0x1b, 0x0a},                    // crealm [7] (14 bytes)
      ascii("TEST.REALM"),
      // cname [8] (16 bytes): { name-type [0] 1, name-string [1] { "x" } }
      {0xa8, 0x0e, 0x30, 0x0c, 0xa0, 0x03, 0x02, 0x01, 0x01, 0xa1, 0x05, 0x30, 0x03, 0x1b, 0x01, 'x'},
      {0xa9, 0x0c, 0x1b, 0x0a},  // realm [9] (14 bytes)
      ascii("TEST.REALM"),
      // sname [10] (33 bytes): { name-type [0] 2, name-string [1] { "krbtgt", "TEST.REALM" } }
      {0xaa, 0x1f, 0x30, 0x1d, 0xa0, 0x03, 0x02, 0x01, 0x02, 0xa1, 0x16, 0x30, 0x14, 0x1b, 0x06},
      ascii("krbtgt"),
      {0x1b, 0x0a},
      ascii("TEST.REALM"),
      {0xab, 0x06, 0x1b, 0x04},  // e-text [11] "SKEW" (8 bytes)
      ascii("SKEW"),
      {0xac, 0x04, 0x04, 0x02, 0x00, 0x01},  // e-data [12] OCTET STRING 00 01 (6 bytes)
  });
}

// Captured 2026-11-28 (the build machine's clock) from MIT krb5kdc 1.20.1 (Debian 12), started
// by tests/probes/real_time_servers.cpp with realm TEST.REALM, answering our UDP AS-REQ for
// authwatch-probe-capture@TEST.REALM. stime 20261128112152Z, susec 0x0378B4 = 227508.
const Bytes kMitKrbError = {
    0x7e, 0x81, 0xa3, 0x30, 0x81, 0xa0, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x1e,
    0xa4, 0x11, 0x18, 0x0f, 0x32, 0x30, 0x32, 0x36, 0x31, 0x31, 0x32, 0x38, 0x31, 0x31, 0x32, 0x31,
    0x35, 0x32, 0x5a, 0xa5, 0x05, 0x02, 0x03, 0x03, 0x78, 0xb4, 0xa6, 0x03, 0x02, 0x01, 0x06, 0xa7,
    0x0c, 0x1b, 0x0a, 0x54, 0x45, 0x53, 0x54, 0x2e, 0x52, 0x45, 0x41, 0x4c, 0x4d, 0xa8, 0x24, 0x30,
    0x22, 0xa0, 0x03, 0x02, 0x01, 0x01, 0xa1, 0x1b, 0x30, 0x19, 0x1b, 0x17, 0x61, 0x75, 0x74, 0x68,
    0x77, 0x61, 0x74, 0x63, 0x68, 0x2d, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x2d, 0x63, 0x61, 0x70, 0x74,
    0x75, 0x72, 0x65, 0xa9, 0x0c, 0x1b, 0x0a, 0x54, 0x45, 0x53, 0x54, 0x2e, 0x52, 0x45, 0x41, 0x4c,
    0x4d, 0xaa, 0x1f, 0x30, 0x1d, 0xa0, 0x03, 0x02, 0x01, 0x02, 0xa1, 0x16, 0x30, 0x14, 0x1b, 0x06,
    0x6b, 0x72, 0x62, 0x74, 0x67, 0x74, 0x1b, 0x0a, 0x54, 0x45, 0x53, 0x54, 0x2e, 0x52, 0x45, 0x41,
    0x4c, 0x4d, 0xab, 0x12, 0x1b, 0x10, 0x43, 0x4c, 0x49, 0x45, 0x4e, 0x54, 0x5f, 0x4e, 0x4f, 0x54,
    0x5f, 0x46, 0x4f, 0x55, 0x4e, 0x44,
};

// A KRB-ERROR assembled from (field number -> encoded inner element), for the variants.
Bytes krb_error_from(const std::map<unsigned, Bytes>& fields, uint8_t sequence_tag = der::kSequence) {
  Bytes content;
  for (const auto& [n, inner] : fields) {
    auto f = der::explicit_tag(der::context_tag(n), inner);
    content.insert(content.end(), f.begin(), f.end());
  }
  return der::explicit_tag(der::application_tag(30), der::element(sequence_tag, content));
}

std::map<unsigned, Bytes> minimal_fields() {
  return {{0, der::integer(5)},
          {1, der::integer(30)},
          {4, der::generalized_time(kNow)},
          {5, der::integer(500000)},
          {6, der::integer(6)},
          {9, der::general_string("TEST.REALM")}};
}

TEST(KerberosCodec, ClassifiesByOuterTag) {
  EXPECT_EQ(classify_reply(full_krb_error()), ReplyKind::KrbError);
  EXPECT_EQ(classify_reply(kMitKrbError), ReplyKind::KrbError);
  EXPECT_EQ(classify_reply(Bytes{0x6b, 0x03, 0x30, 0x01, 0x00}), ReplyKind::AsRep);  // [APPLICATION 11]
  EXPECT_EQ(classify_reply(Bytes{0x6d, 0x00}), ReplyKind::Other);                    // TGS-REP [APPLICATION 13]
  EXPECT_EQ(classify_reply(encode_as_req("R", "c", kNow, 1)), ReplyKind::Other);    // a reflected AS-REQ
  EXPECT_EQ(classify_reply(Bytes{}), ReplyKind::Other);
}

TEST(KerberosCodec, DecodesEveryFieldOfAHandBuiltKrbError) {
  auto decoded = decode_krb_error(full_krb_error());
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  const KrbError& e = decoded.value();
  EXPECT_EQ(e.error_code, 37);
  EXPECT_EQ(e.server_time, kNow + microseconds{123456});
  ASSERT_TRUE(e.client_time.has_value());
  EXPECT_EQ(*e.client_time, kNow - seconds{5} + microseconds{1000});
  EXPECT_EQ(e.realm, "TEST.REALM");
  EXPECT_EQ(e.server_name, "krbtgt/TEST.REALM");
  EXPECT_EQ(e.e_text, "SKEW");
}

TEST(KerberosCodec, DecodesKrbErrorCapturedFromMitKdc) {
  auto decoded = decode_krb_error(kMitKrbError);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  const KrbError& e = decoded.value();
  EXPECT_EQ(e.error_code, 6);
  EXPECT_EQ(error_name(e.error_code), "KDC_ERR_C_PRINCIPAL_UNKNOWN");
  EXPECT_EQ(e.server_time, TimePoint{sys_days{2026y / November / 28} + hours{11} + minutes{21} + seconds{52} + microseconds{227508}});
  EXPECT_FALSE(e.client_time.has_value());  // MIT echoes no ctime when the request had none
  EXPECT_EQ(e.realm, "TEST.REALM");
  EXPECT_EQ(e.server_name, "krbtgt/TEST.REALM");
  EXPECT_EQ(e.e_text, "CLIENT_NOT_FOUND");
}

TEST(KerberosCodec, MinimalKrbErrorNeedsOnlyTheClockAndCode) {
  auto decoded = decode_krb_error(krb_error_from(minimal_fields()));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded.value().server_time, kNow + milliseconds{500});
  EXPECT_EQ(decoded.value().server_name, "");
}

TEST(KerberosCodec, EveryTruncationIsAnError) {
  for (const Bytes& message : {full_krb_error(), kMitKrbError}) {
    for (size_t n = 0; n < message.size(); ++n) {
      EXPECT_FALSE(decode_krb_error(std::span<const uint8_t>(message.data(), n)).ok()) << n;
    }
  }
}

TEST(KerberosCodec, TrailingBytesAreAnError) {
  Bytes message = kMitKrbError;
  message.push_back(0x00);
  EXPECT_NE(decode_krb_error(message).error().find("1 bytes after"), std::string::npos);
}

TEST(KerberosCodec, CorruptedLengthsAreErrors) {
  Bytes beyond = kMitKrbError;
  beyond[2] = 0xff;  // outer length 255 in a 166-byte datagram
  EXPECT_NE(decode_krb_error(beyond).error().find("claims 255"), std::string::npos);

  Bytes indefinite = kMitKrbError;
  indefinite[1] = 0x80;  // [APPLICATION 30] with BER indefinite length
  EXPECT_NE(decode_krb_error(indefinite).error().find("indefinite"), std::string::npos);

  // stime [4]'s GeneralizedTime with length 0x84 ff ff ff ff: replace "18 0f" by "18 84 ff ff ff ff".
  auto fields = minimal_fields();
  fields[4] = cat({{0x18, 0x84, 0xff, 0xff, 0xff, 0xff}, ascii("20240102030405Z")});
  auto huge = decode_krb_error(krb_error_from(fields));
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().find("claims 4294967295"), std::string::npos) << huge.error();

  Bytes inner_beyond = kMitKrbError;
  inner_beyond[17] = 0x7f;  // stime [4] claims 127 bytes: it swallows the fields after it
  EXPECT_NE(decode_krb_error(inner_beyond).error().find("trailing bytes inside stime"), std::string::npos);
  inner_beyond[17] = 0x9a;  // stime [4] claims 0x9a: the long form with 26 length octets
  EXPECT_NE(decode_krb_error(inner_beyond).error().find("26 octets"), std::string::npos);
}

TEST(KerberosCodec, WrongTagsAndValuesAreErrors) {
  auto expect_error = [](const Bytes& message, const std::string& needle) {
    auto r = decode_krb_error(message);
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_NE(r.error().find(needle), std::string::npos) << r.error();
  };
  expect_error(krb_error_from(minimal_fields(), 0x31), "SEQUENCE");  // SET instead of SEQUENCE
  Bytes as_rep_tag = kMitKrbError;
  as_rep_tag[0] = 0x6b;
  expect_error(as_rep_tag, "APPLICATION 30");

  auto f = minimal_fields();
  f[4] = der::general_string("20240102030405Z");  // stime as a GeneralString
  expect_error(krb_error_from(f), "stime");
  f = minimal_fields();
  f[13] = der::integer(1);  // no [13] in KRB-ERROR
  expect_error(krb_error_from(f), "unexpected field");
  f = minimal_fields();
  f[0] = der::integer(4);
  expect_error(krb_error_from(f), "pvno 4");
  f = minimal_fields();
  f[1] = der::integer(11);
  expect_error(krb_error_from(f), "msg-type 11");
  f = minimal_fields();
  f[5] = der::integer(1000000);
  expect_error(krb_error_from(f), "susec 1000000");
  f = minimal_fields();
  f[5] = der::integer(-1);
  expect_error(krb_error_from(f), "susec -1");
  f = minimal_fields();
  f.erase(4);
  expect_error(krb_error_from(f), "missing stime");
  f = minimal_fields();
  f.erase(6);
  expect_error(krb_error_from(f), "missing error-code");
  f = minimal_fields();
  f[4] = der::generalized_time(kNow);
  f[4][4] = 'X';  // "20X4..." in stime
  expect_error(krb_error_from(f), "non-digit");
  f = minimal_fields();
  f[10] = der::sequence({der::explicit_tag(der::context_tag(0), der::integer(2)),
                         der::explicit_tag(der::context_tag(1), der::sequence({der::integer(7)}))});
  expect_error(krb_error_from(f), "sname component");  // name-string holding an INTEGER

  // Fields out of order: error-code [6] before stime [4], bytes spliced by hand.
  Bytes swapped = krb_error_from(minimal_fields());
  // Layout after the 2+2 header bytes: [0] 5 bytes, [1] 5 bytes, [4] 19 bytes, [5] 7 bytes, [6] 5 bytes.
  const size_t stime_at = 4 + 5 + 5, code_at = stime_at + 19 + 7;
  Bytes code(swapped.begin() + code_at, swapped.begin() + code_at + 5);
  swapped.erase(swapped.begin() + code_at, swapped.begin() + code_at + 5);
  swapped.insert(swapped.begin() + stime_at, code.begin(), code.end());
  expect_error(swapped, "out of order");
}

TEST(KerberosCodec, RandomMutationsNeverCrash) {
  std::mt19937 random(20261128);
  const Bytes seeds[] = {full_krb_error(), kMitKrbError};
  size_t decoded = 0, rejected = 0;
  for (int i = 0; i < 30000; ++i) {
    Bytes m = seeds[i % 2];
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (random() % 4) {
        case 0: m[random() % m.size()] = static_cast<uint8_t>(random()); break;        // overwrite
        case 1: m[random() % m.size()] ^= static_cast<uint8_t>(1u << (random() % 8)); break;  // flip a bit
        case 2: m.resize(random() % m.size() + 1); break;                                // truncate
        case 3: m.insert(m.begin() + static_cast<std::ptrdiff_t>(random() % m.size()), static_cast<uint8_t>(random())); break;
      }
    }
    auto r = decode_krb_error(m);
    if (r.ok()) {
      ++decoded;
      EXPECT_EQ(classify_reply(m), ReplyKind::KrbError);
    } else {
      ++rejected;
      EXPECT_FALSE(r.error().empty());
    }
  }
  // Most mutations break a length or a tag; some land in free text and still decode.
  EXPECT_GT(rejected, 10000u);
  EXPECT_GT(decoded, 0u);
}

TEST(KerberosCodec, ErrorNames) {
  EXPECT_EQ(error_name(6), "KDC_ERR_C_PRINCIPAL_UNKNOWN");
  EXPECT_EQ(error_name(7), "KDC_ERR_S_PRINCIPAL_UNKNOWN");
  EXPECT_EQ(error_name(14), "KDC_ERR_ETYPE_NOSUPP");
  EXPECT_EQ(error_name(24), "KDC_ERR_PREAUTH_FAILED");
  EXPECT_EQ(error_name(25), "KDC_ERR_PREAUTH_REQUIRED");
  EXPECT_EQ(error_name(37), "KRB_AP_ERR_SKEW");
  EXPECT_EQ(error_name(52), "KRB_ERR_RESPONSE_TOO_BIG");
  EXPECT_EQ(error_name(60), "KRB_ERR_GENERIC");
  EXPECT_EQ(error_name(68), "KDC_ERR_WRONG_REALM");
  EXPECT_EQ(error_name(999), "KRB_ERROR_999");
}

}  // namespace
}  // namespace authwatch::probes::kerberos

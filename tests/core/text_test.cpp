#include "core/text.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <random>
#include <string>

using namespace authwatch;

TEST(Text, CaseInsensitiveSearch) {
  EXPECT_TRUE(icontains("Inbound EXCHANGEAUTH negotiation failed", "exchangeauth"));
  EXPECT_EQ(ifind("abcABC", "CA"), 2u);
  EXPECT_FALSE(icontains("454 4.7.1", "454 4.7.0"));
  EXPECT_TRUE(istarts_with("ehlo ex1", "EHLO "));
  EXPECT_FALSE(istarts_with("EH", "EHLO"));
}

// ifind as it was first written (std::search comparing std::tolower, in the "C" locale): the
// fast search must answer exactly as it did.
size_t reference_ifind(std::string_view h, std::string_view n) {
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  if (n.empty()) return 0;
  auto it = std::search(h.begin(), h.end(), n.begin(), n.end(), [&](char x, char y) { return lower(x) == lower(y); });
  return it == h.end() ? std::string_view::npos : static_cast<size_t>(it - h.begin());
}

TEST(Text, CaseInsensitiveSearchFindsTheFirstMatchInEitherCase) {
  constexpr auto npos = std::string_view::npos;
  EXPECT_EQ(ifind("xxINBOUND inbound", "inbound"), 2u);
  EXPECT_EQ(ifind("iIiInbound", "INBOUND"), 3u) << "earlier first-byte candidates of both cases fail";
  EXPECT_EQ(ifind("aaab", "AB"), 2u);
  EXPECT_EQ(ifind("xyzABC", "abc"), 3u) << "a match that ends the haystack";
  EXPECT_EQ(ifind("xyzAB", "abc"), npos) << "a match cut off by the end";
  EXPECT_EQ(ifind("abc", "abcd"), npos);
  EXPECT_EQ(ifind("ab", ""), 0u);
  EXPECT_EQ(ifind("", ""), 0u);
  EXPECT_EQ(ifind("", "a"), npos);
  EXPECT_EQ(ifind("454 4.7.1, 454 4.7.0", "454 4.7.0"), 11u) << "a first byte without case";
  EXPECT_EQ(ifind("@[", "`{"), npos) << "only A-Z and a-z fold, not their neighbours";
  EXPECT_EQ(ifind("\xC4X", "\xE4x"), npos) << "bytes above ASCII are compared as they are";
}

TEST(Text, CaseInsensitiveSearchAgreesWithTheReferenceOnGeneratedText) {
  std::mt19937 random(1035);  // fixed seed: the same cases every run
  const std::string alphabet = "aAbBzZ @`[{\xC4\xE4";
  auto text = [&](size_t max_length) {
    std::string s(random() % (max_length + 1), ' ');
    for (char& c : s) c = alphabet[random() % alphabet.size()];
    return s;
  };
  int found = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string haystack = text(14), needle = text(3);
    const size_t expected = reference_ifind(haystack, needle);
    ASSERT_EQ(ifind(haystack, needle), expected) << '"' << haystack << "\" / \"" << needle << '"';
    ASSERT_EQ(icontains(haystack, needle), expected != std::string_view::npos);
    found += expected != std::string_view::npos && !needle.empty();
  }
  EXPECT_GT(found, 1000) << "the generated cases must include many matches, not only misses";
}

TEST(Text, LowerCasingAndTrimmingAreAscii) {
  std::string key = "plog-session:";
  append_lower(key, "EX2\\Default EX2");
  EXPECT_EQ(key, "plog-session:ex2\\default ex2") << "appended lower-cased, the prefix untouched";
  EXPECT_EQ(to_lower("ABC xyz @[\xC4"), "abc xyz @[\xC4");
  EXPECT_TRUE(iequals("SMTP Send", "smtp send"));
  EXPECT_FALSE(iequals("SMTP Send", "smtp sent"));
  EXPECT_EQ(trim(" \t\v\f\r\n x y \r\n"), "x y");
  EXPECT_EQ(trim("\xA0x\xA0"), "\xA0x\xA0") << "a non-breaking space byte is not ASCII space";
}

TEST(Text, ValidUtf8KeepsWellFormedTextAndMarksEveryOtherByte) {
  EXPECT_EQ(valid_utf8("ex2.contoso.com"), "ex2.contoso.com");
  EXPECT_EQ(valid_utf8("K\xC3\xB6ln \xE2\x82\xAC \xF0\x9F\x98\x80"), "K\xC3\xB6ln \xE2\x82\xAC \xF0\x9F\x98\x80") << "2, 3 and 4 byte forms";
  EXPECT_EQ(valid_utf8(std::string_view("a\0b", 3)), std::string("a\0b", 3)) << "NUL is UTF-8";
  EXPECT_EQ(valid_utf8("\xFF\xFEx"), "??x") << "bytes that never start a character";
  EXPECT_EQ(valid_utf8("ab\xC3"), "ab?") << "a character cut off at the end";
  EXPECT_EQ(valid_utf8("\xE2\x82x"), "??x") << "a character cut off in the middle: each byte marked, the next kept";
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "??") << "overlong '/'";
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "???") << "a UTF-16 surrogate";
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"), "????") << "above U+10FFFF";
}

TEST(Text, CaseInsensitiveOrderingGroupsSpnsAsAdDoes) {
  EXPECT_FALSE(iless("SMTPSVC/EX2", "smtpsvc/ex2"));
  EXPECT_FALSE(iless("smtpsvc/ex2", "SMTPSVC/EX2")) << "equal ignoring case: neither is less";
  EXPECT_TRUE(iless("SMTP/ex2", "smtpsvc/ex2"));
  EXPECT_TRUE(iless("ab", "ABC")) << "a prefix sorts first";
  EXPECT_FALSE(iless("ABC", "ab"));
  std::map<std::string, int, ILess> owners{{"SMTPSVC/ex2.contoso.com", 1}};
  owners["smtpsvc/EX2.CONTOSO.COM"]++;
  EXPECT_EQ(owners.size(), 1u);
  EXPECT_EQ(owners.begin()->second, 2);
}

TEST(Text, HostOfEndpoint) {
  EXPECT_EQ(host_of_endpoint("10.0.0.1:25"), "10.0.0.1");
  EXPECT_EQ(host_of_endpoint("[fe80::1]:2525"), "fe80::1");
  EXPECT_EQ(host_of_endpoint("[10.0.0.1]"), "10.0.0.1");
  EXPECT_EQ(host_of_endpoint("fe80::1"), "fe80::1");
  EXPECT_EQ(host_of_endpoint(" ex2.contoso.com "), "ex2.contoso.com");
}

TEST(Text, LooksLikeIp) {
  EXPECT_TRUE(looks_like_ip("10.0.0.1"));
  EXPECT_TRUE(looks_like_ip("fe80::1"));
  EXPECT_FALSE(looks_like_ip("10.0.0"));
  EXPECT_FALSE(looks_like_ip("256.0.0.1"));
  EXPECT_FALSE(looks_like_ip("ex2.contoso.com"));
  EXPECT_FALSE(looks_like_ip(""));
}

TEST(Text, Fnv1aMatchesReferenceVectors) {
  // Reference values of FNV-1a 64 (Fowler/Noll/Vo test suite).
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
  EXPECT_EQ(hex64(0x85944171f73967e8ULL), "85944171f73967e8");
  EXPECT_EQ(hex64(1), "0000000000000001");
}

TEST(Text, StrictAddressChecks) {
  for (const char* v6 : {"::", "::1", "2001:db8::1", "fe80::1:2:3:4:5", "2001:db8:0:0:0:0:0:1", "::ffff:10.0.0.1", "2a01:111:f400::25"})
    EXPECT_TRUE(is_ipv6_address(v6)) << v6;
  for (const char* not_v6 : {"", ":", "1:2", "2001:db8:::1", "2001::db8::1", "2001:db8::1:", "1:2:3:4:5:6:7:8:9", "12345::1",
                             "g::1", "10.0.0.1", "2001:db8::10.0.0.1.2"})
    EXPECT_FALSE(is_ipv6_address(not_v6)) << not_v6;
  EXPECT_TRUE(is_ipv4_address("10.0.0.2"));
  EXPECT_FALSE(is_ipv4_address("10.0.0.2:25"));
  EXPECT_FALSE(is_ipv4_address("10.**.**.53"));
}

TEST(Text, LooseEndpointsAsExchangeWritesThem) {
  EXPECT_EQ(host_of_loose_endpoint("10.0.0.2:2525"), "10.0.0.2");
  EXPECT_EQ(host_of_loose_endpoint("[2001:db8::7]:25"), "2001:db8::7");
  EXPECT_EQ(host_of_loose_endpoint("2001:db8::1:25"), "2001:db8::1") << "the rest is an address: the last group is the port";
  EXPECT_EQ(host_of_loose_endpoint("2a01:111:f400::25"), "2a01:111:f400::25") << "the rest is not: the whole is the address";
  EXPECT_EQ(host_of_loose_endpoint("ex2.contoso.com:25"), "ex2.contoso.com");
  EXPECT_EQ(host_of_loose_endpoint("ex2.contoso.com"), "ex2.contoso.com");
}

TEST(Text, HostNamesAreNotSitesOrDeliveryGroups) {
  for (const char* host : {"ex2", "ex2.contoso.com", "EX2.contoso.com.", "mail-1.contoso.com", "_msdcs.contoso.com"})
    EXPECT_TRUE(is_host_name(host)) << host;
  for (const char* not_host : {"", "site:default-first-site-name; version:8", "EdgeSync - Site to Internet", "a..b", "-ex2",
                               "10.**.**.53", "ex2.contoso.com:25"})
    EXPECT_FALSE(is_host_name(not_host)) << not_host;
}

#include "core/text.hpp"

#include <gtest/gtest.h>

using namespace authwatch;

TEST(Text, CaseInsensitiveSearch) {
  EXPECT_TRUE(icontains("Inbound EXCHANGEAUTH negotiation failed", "exchangeauth"));
  EXPECT_EQ(ifind("abcABC", "CA"), 2u);
  EXPECT_FALSE(icontains("454 4.7.1", "454 4.7.0"));
  EXPECT_TRUE(istarts_with("ehlo ex1", "EHLO "));
  EXPECT_FALSE(istarts_with("EH", "EHLO"));
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

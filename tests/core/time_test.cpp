#include "core/time.hpp"

#include <gtest/gtest.h>

using namespace authwatch;
using namespace std::chrono;

TEST(Time, ParsesSevenAndNineFractionalDigitsAsTheSameInstantAtMicroseconds) {
  auto seven = parse_iso8601("2016-08-24T17:21:43.1234567Z");
  auto nine = parse_iso8601("2016-08-24T17:21:43.123456789Z");
  ASSERT_TRUE(seven && nine);
  EXPECT_EQ(*seven, *nine);
  EXPECT_EQ(format_iso8601(*seven), "2016-08-24T17:21:43.123Z");
  EXPECT_EQ(seven->time_since_epoch().count() % 1000000, 123456);
}

TEST(Time, ZoneOffsetsMoveTheInstant) {
  auto utc = parse_iso8601("2024-03-15T10:00:00Z");
  auto plus = parse_iso8601("2024-03-15T11:00:00+01:00");
  auto minus = parse_iso8601("2024-03-15T05:30:00-0430");
  auto bare = parse_iso8601("2024-03-15 10:00:00");
  ASSERT_TRUE(utc && plus && minus && bare);
  EXPECT_EQ(*utc, *plus);
  EXPECT_EQ(*utc, *minus);
  EXPECT_EQ(*utc, *bare);
}

TEST(Time, RejectsMalformedText) {
  for (const char* bad : {"", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-03-15", "2024-03-15T10:00",
                          "2024-03-15T10:00:00.Z", "2024-03-15T10:00:00Zjunk", "yesterday", "2024-03-15T25:00:00Z"})
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
}

TEST(Time, FormatRoundTripsAndSortsLexicographically) {
  auto a = parse_iso8601("1999-12-31T23:59:59.999Z");
  auto b = parse_iso8601("2000-01-01T00:00:00.000Z");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(parse_iso8601(format_iso8601(*a)), a);
  EXPECT_LT(format_iso8601(*a), format_iso8601(*b));
}

TEST(Time, Rfc5322DatesOfSmtpBanners) {
  // The tail of an Exchange banner: "220 EX2.contoso.com Microsoft ESMTP MAIL Service ready at ..."
  auto t = parse_rfc5322_date("Thu, 14 Mar 2024 10:21:33 +0000");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_iso8601(*t), "2024-03-14T10:21:33.000Z");
  EXPECT_EQ(parse_rfc5322_date("Thu, 14 Mar 2024 11:21:33 +0100"), t) << "the zone is subtracted";
  EXPECT_EQ(parse_rfc5322_date("Thu, 14 Mar 2024 02:51:33 -0730"), t);
  EXPECT_EQ(parse_rfc5322_date("14 mar 2024 10:21:33 GMT"), t) << "no day name, obsolete zone, any case";
  EXPECT_EQ(format_iso8601(*parse_rfc5322_date("Sat, 2 Nov 2024 09:05 +0000")), "2024-11-02T09:05:00.000Z")
      << "one-digit day, no seconds";
  EXPECT_FALSE(parse_rfc5322_date("Thu, 14 Foo 2024 10:21:33 +0000")) << "unknown month";
  EXPECT_FALSE(parse_rfc5322_date("Thu, 31 Feb 2024 10:21:33 +0000")) << "no such day";
  EXPECT_FALSE(parse_rfc5322_date("Thu, 14 Mar 2024 25:21:33 +0000"));
  EXPECT_FALSE(parse_rfc5322_date("Thu, 14 Mar 2024 10:21:33")) << "a date without a zone is not an instant";
  EXPECT_FALSE(parse_rfc5322_date("Thu, 14 Mar 2024 10:21:33 +00"));
  EXPECT_FALSE(parse_rfc5322_date("SMTP server ready"));
  EXPECT_FALSE(parse_rfc5322_date(""));
}

TEST(Time, PowerShellJsonDates) {
  auto t = parse_ms_json_date("/Date(1710497643000)/");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_iso8601(*t), "2024-03-15T10:14:03.000Z");
  EXPECT_EQ(parse_ms_json_date("\\/Date(1710497643000+0100)\\/"), t);  // the suffix does not shift the instant
  EXPECT_FALSE(parse_ms_json_date("/Date()/"));
  EXPECT_FALSE(parse_ms_json_date("2024-03-15"));
}

// Found by fuzz_time (tests/data/fuzz-regressions/time/): milliseconds were turned into a
// TimePoint's microseconds without a bound, and the multiplication overflowed (undefined
// behaviour) for a number beyond ~9.2e15. Beyond ~285,000 years there is no date.
TEST(Time, PowerShellJsonDatesBeyondATimePointAreNotDates) {
  EXPECT_FALSE(parse_ms_json_date("/Date(7104970001710497000)/"));
  EXPECT_FALSE(parse_ms_json_date("/Date(-9223372036854775808)/"));
  EXPECT_FALSE(parse_ms_json_date("/Date(9000000000000001)/"));
  auto last = parse_ms_json_date("/Date(9000000000000000)/");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->time_since_epoch(), milliseconds{9'000'000'000'000'000});
}

// Seen while fixing the one above: "9223372036854775807d" multiplied out of range (undefined behaviour).
TEST(Time, DurationsBeyondATimePointAreRefused) {
  EXPECT_FALSE(parse_duration("9223372036854775807d"));
  EXPECT_FALSE(parse_duration("9223372036854775807s"));
  EXPECT_FALSE(parse_duration("104166667d"));
  EXPECT_EQ(parse_duration("104166666d"), hours{104166666LL * 24}) << "the longest: about 285,000 years";
  EXPECT_EQ(parse_duration("9000000000000s"), seconds{9'000'000'000'000LL});
}

TEST(Time, Durations) {
  EXPECT_EQ(parse_duration("24h"), hours{24});
  EXPECT_EQ(parse_duration("7d"), hours{168});
  EXPECT_EQ(parse_duration("30m"), minutes{30});
  EXPECT_EQ(parse_duration("90s"), seconds{90});
  EXPECT_FALSE(parse_duration("7"));
  EXPECT_FALSE(parse_duration("h"));
  EXPECT_FALSE(parse_duration("-5m"));
  EXPECT_FALSE(parse_duration("5w"));
}

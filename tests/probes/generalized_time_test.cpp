// LDAP GeneralizedTime parsing (probes/ldap/generalized_time.cpp): portable, so both the Linux
// suite (tests/probes) and the Windows one under Wine (tests/win) run these.
#include <gtest/gtest.h>

#include "probes/ldap/generalized_time.hpp"

namespace authwatch::probes {
namespace {

using namespace std::chrono;

TimePoint utc(int y, unsigned m, unsigned d, int h, int min, int s, long us = 0) {
  return TimePoint{sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{min} + seconds{s} + microseconds{us}};
}

TEST(GeneralizedTime, ParsesTheFormActiveDirectoryWrites) {
  EXPECT_EQ(parse_generalized_time("20240315100000.0Z"), utc(2024, 3, 15, 10, 0, 0));
  EXPECT_EQ(parse_generalized_time("20261128113746.0Z"), utc(2026, 11, 28, 11, 37, 46));
  EXPECT_EQ(parse_generalized_time("19991231235959Z"), utc(1999, 12, 31, 23, 59, 59));
}

TEST(GeneralizedTime, KeepsFractionsToTheMicrosecond) {
  EXPECT_EQ(parse_generalized_time("20240315100000.123456Z"), utc(2024, 3, 15, 10, 0, 0, 123456));
  EXPECT_EQ(parse_generalized_time("20240315100000,5Z"), utc(2024, 3, 15, 10, 0, 0, 500000));
  EXPECT_EQ(parse_generalized_time("20240315100000.1234567Z"), utc(2024, 3, 15, 10, 0, 0, 123456));
}

TEST(GeneralizedTime, AppliesOffsetsAndOptionalMinutesSeconds) {
  // 10:00 at +01:30 is 08:30 UTC; 10:00 at -05 is 15:00 UTC.
  EXPECT_EQ(parse_generalized_time("20240315100000+0130"), utc(2024, 3, 15, 8, 30, 0));
  EXPECT_EQ(parse_generalized_time("20240315100000-05"), utc(2024, 3, 15, 15, 0, 0));
  EXPECT_EQ(parse_generalized_time("2024031510Z"), utc(2024, 3, 15, 10, 0, 0));
  EXPECT_EQ(parse_generalized_time("202403151042Z"), utc(2024, 3, 15, 10, 42, 0));
  EXPECT_EQ(parse_generalized_time("20240229000000Z"), utc(2024, 2, 29, 0, 0, 0));
}

TEST(GeneralizedTime, RejectsMalformedOrImpossibleTimes) {
  for (const char* bad : {"", "2024", "20240315100000", "20240315100000.Z", "20240315100000Zx", "2024031510000Z",
                          "20240230100000Z", "20230229100000Z", "20241315100000Z", "20240315240000Z", "20240315106000Z",
                          "2024-03-15T10:00:00Z", "20240315100000+2400", "20240315100000+01:00", "2024031510000aZ"})
    EXPECT_EQ(parse_generalized_time(bad), std::nullopt) << '"' << bad << '"';
}

}  // namespace
}  // namespace authwatch::probes

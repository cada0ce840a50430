// Local times of Get-Queue snapshots (docs/domain.md §10): culture forms, offsets, ambiguity.
#include <gtest/gtest.h>

#include "core/local_time.hpp"
#include "core/utf8.hpp"

using namespace authwatch;
using namespace std::chrono;

namespace {

std::string read_iso(std::string_view text, const LocalTimeRules& rules = {}) {
  auto t = read_local_time(text, rules);
  return t ? format_iso8601(t.value().utc) : "error: " + t.error();
}

}  // namespace

TEST(LocalTime, TheCultureFormsOfPublishedSnapshots) {
  EXPECT_EQ(read_iso("2019/11/4 13:31:03"), "2019-11-04T13:31:03.000Z") << "zh-CN, year first";
  EXPECT_EQ(read_iso("3/15/2024 10:14:03 AM"), "2024-03-15T10:14:03.000Z") << "en-US";
  EXPECT_EQ(read_iso("3/15/2024 12:14:03 AM"), "2024-03-15T00:14:03.000Z");
  EXPECT_EQ(read_iso("3/15/2024 12:14:03 PM"), "2024-03-15T12:14:03.000Z");
  EXPECT_EQ(read_iso("3/15/2024 1:14:03 PM"), "2024-03-15T13:14:03.000Z");
  EXPECT_EQ(read_iso("15.03.2024 10:14:03"), "2024-03-15T10:14:03.000Z") << "de-DE: the 15 is the day";
  EXPECT_EQ(read_iso("15/03/2024 10:14"), "2024-03-15T10:14:00.000Z") << "en-GB, no seconds";
  EXPECT_EQ(read_iso("2024-03-15T10:14:03.1234567Z"), "2024-03-15T10:14:03.123Z");
  EXPECT_EQ(read_iso("/Date(1710497643000)/"), "2024-03-15T10:14:03.000Z");
  EXPECT_EQ(read_iso("\\/Date(1710497643000)\\/"), "2024-03-15T10:14:03.000Z");
}

TEST(LocalTime, AnAmbiguousDayAndMonthIsAnErrorUntilAnOrderIsGiven) {
  const auto ambiguous = read_local_time("4/11/2019 10:00:00", {});
  ASSERT_FALSE(ambiguous);
  EXPECT_NE(ambiguous.error().find("--date-order"), std::string::npos) << ambiguous.error();
  LocalTimeRules dmy;
  dmy.order = DateOrder::DayMonthYear;
  EXPECT_EQ(read_iso("4/11/2019 10:00:00", dmy), "2019-11-04T10:00:00.000Z");
  LocalTimeRules mdy;
  mdy.order = DateOrder::MonthDayYear;
  EXPECT_EQ(read_iso("4/11/2019 10:00:00", mdy), "2019-04-11T10:00:00.000Z");
  EXPECT_EQ(read_iso("15/03/2024 10:14:03", mdy), "2024-03-15T10:14:03.000Z") << "the value's own evidence wins";
  EXPECT_EQ(read_iso("4/11/2019 10:00:00 PM"), "2019-04-11T22:00:00.000Z") << "AM/PM: the US order";
}

TEST(LocalTime, TheOffsetComesFromTheTextElseTheConfigurationElseUtcAndTheBasisSaysWhich) {
  auto utc = read_local_time("3/15/2024 10:14:03 AM", {});
  ASSERT_TRUE(utc);
  EXPECT_NE(utc.value().basis.find("read as UTC"), std::string::npos) << utc.value().basis;

  LocalTimeRules cet;
  cet.offset = minutes{60};
  cet.offset_from = "--time-zone";
  auto local = read_local_time("3/15/2024 10:14:03 AM", cet);
  ASSERT_TRUE(local);
  EXPECT_EQ(format_iso8601(local.value().utc), "2024-03-15T09:14:03.000Z");
  EXPECT_NE(local.value().basis.find("+01:00"), std::string::npos) << local.value().basis;
  EXPECT_NE(local.value().basis.find("--time-zone"), std::string::npos);

  EXPECT_EQ(read_iso("2024-03-15T10:14:03+05:30", cet), "2024-03-15T04:44:03.000Z") << "an offset in the text wins";
  EXPECT_EQ(read_iso("2024-03-15T10:14:03", cet), "2024-03-15T09:14:03.000Z") << "ISO without offset is local";
  EXPECT_EQ(read_iso("/Date(1710497643000)/", cet), "2024-03-15T10:14:03.000Z") << "milliseconds are UTC";
}

TEST(LocalTime, WhatIsNoTimeSaysSo) {
  for (const char* bad : {"", "soon", "13/13/2024 10:00:00", "2/30/2024 10:00:00 AM", "3/15/2024 25:00:00", "3/15/2024 13:00 PM",
                          "/Date(x)/", "99999/1/1 10:00:00", "3/15/2024 10:14:03 ZZ"}) {
    EXPECT_FALSE(read_local_time(bad, {})) << bad;
  }
}

TEST(LocalTime, UtcOffsets) {
  EXPECT_EQ(parse_utc_offset("+01:00"), minutes{60});
  EXPECT_EQ(parse_utc_offset("-05:30"), minutes{-330});
  EXPECT_EQ(parse_utc_offset("+0530"), minutes{330});
  EXPECT_EQ(parse_utc_offset("+1"), minutes{60});
  EXPECT_EQ(parse_utc_offset("UTC"), minutes{0});
  EXPECT_EQ(parse_utc_offset("UTC+02:00"), minutes{120});
  EXPECT_FALSE(parse_utc_offset("+15:00"));
  EXPECT_FALSE(parse_utc_offset("01:00"));
  EXPECT_FALSE(parse_utc_offset("+01:60"));
  EXPECT_EQ(format_utc_offset(minutes{-330}), "-05:30");
  EXPECT_EQ(format_utc_offset(minutes{0}), "+00:00");
}

TEST(LocalTime, AQueuesRetryTimesDecideTheOrderItsOwnValueLeavesOpen) {
  // Microsoft Q&A 234456: LastRetryTime "15-01-21 23:50:05", NextRetryTime "16-01-21 00:00:05".
  EXPECT_EQ(date_order_of_sequence({"15-01-21 22:06:02", "15-01-21 23:50:05", "16-01-21 00:00:05"}), DateOrder::DayMonthYear)
      << "year first would put a year between two retries";
  EXPECT_EQ(date_order_of_sequence({"4/11/2019 10:00:00", "4/12/2019 10:00:00"}), DateOrder::MonthDayYear)
      << "day first would put a month between them";
  EXPECT_EQ(date_order_of_sequence({"4/11/2019 10:00:00", "4/11/2019 10:10:00"}), std::nullopt) << "both fit: no evidence";
  EXPECT_EQ(date_order_of_sequence({"4/11/2019 10:00:00"}), std::nullopt);
  EXPECT_EQ(date_order_of_sequence({"4/11/2019 10:00:00", "", "2019-04-11T10:10:00Z"}), std::nullopt) << "mixed forms";
}

// Found by fuzz_queue_json_utf16 (tests/data/fuzz-regressions/queue_json_utf16/): the message of a
// value that is no time quoted its first 40 bytes and could cut a character in two; a read error's
// message must be UTF-8 (it is shown as JSON). 39 ASCII bytes, then a 3-byte character.
TEST(LocalTime, AnUnreadableTimeIsQuotedAsUtf8) {
  const std::string text = std::string(39, '5') + "\xE3\x94\x80" + "x";
  auto read = read_local_time(text, LocalTimeRules{});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error(), "\"" + std::string(39, '5') + "\" is not a date and time in a known form")
      << "the cut steps back before the character it would split";
  auto date = read_local_time("/Date(" + std::string(33, '9') + "\xC3\xA9)/", LocalTimeRules{});
  ASSERT_FALSE(date.ok());
  EXPECT_EQ(date.error(), "\"/Date(" + std::string(33, '9') + "\" is not a /Date(ms)/ value");
}

TEST(Utf8Excerpt, CutsBeforeACharacterAndMarksWhatIsNotUtf8) {
  EXPECT_EQ(utf8_excerpt("abc", 10), "abc");
  EXPECT_EQ(utf8_excerpt("ab\xE2\x82\xAC" "cd", 4), "ab") << "the limit falls inside the euro sign";
  EXPECT_EQ(utf8_excerpt("ab\xE2\x82\xAC" "cd", 5), "ab\xE2\x82\xAC");
  EXPECT_EQ(utf8_excerpt("\xFF\xFEzz", 3), "\\xFF\\xFEz") << "bytes that are not UTF-8 are shown, not dropped";
  EXPECT_EQ(utf8_excerpt(std::string(10, '\x80'), 5), "\\x80\\x80") << "stray continuation bytes: at most 3 stepped back";
}

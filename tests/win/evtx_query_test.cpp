// .evtx on Windows (sources/win/evtx_file.cpp): the XPath it hands EvtQuery, and the reader on a
// real export. Wine does not implement wevtapi: there the reader must fail cleanly, naming the
// file and EvtQuery, rather than crash or invent records.
#include <gtest/gtest.h>

#include "core/detector.hpp"
#include "sources/file_source.hpp"
#include "sources/win/evtx_query.hpp"
#include "wine.hpp"

namespace authwatch::sources {
namespace {

const std::string kEvtx = std::string(AUTHWATCH_TEST_DATA) + "/evtx/python-evtx-system.evtx";

TEST(EvtxQueryXpath, TheSelectionsQueryAsEvtQueryTakesIt) {
  EXPECT_EQ(win::evtx_query_xpath({}, 0), L"*");
  EXPECT_EQ(win::evtx_query_xpath({}, 42), L"*[System[EventRecordID>42]]");
  EXPECT_EQ(win::evtx_query_xpath({}, 18446744073709551615ull), L"*[System[EventRecordID>18446744073709551615]]");
  // The portable query (tested against real exports in tests/sources/event_selection_test.cpp), widened.
  const auto selection = EventSelection::of(default_rules());
  const std::string narrow = evtx_query_xpath(selection, 7);
  EXPECT_EQ(win::evtx_query_xpath(selection, 7), std::wstring(narrow.begin(), narrow.end()));
  EventSelection accented;
  accented.add("Caf\xc3\xa9", 1);
  EXPECT_EQ(win::evtx_query_xpath(accented, 0), L"*[System[((Provider[@Name='Caf\u00e9'] and (EventID=1)))]]");
}

TEST(EvtxFileOnWindows, ReadsThroughWevtapiOrFailsCleanlyUnderWine) {
  ASSERT_EQ(detect_file_format(kEvtx), FileFormat::Evtx);
  auto source = make_file_source(kEvtx, FileFormat::Evtx);
  ASSERT_TRUE(source);
  uint64_t events = 0;
  auto summary = source->read({}, [&](TransportEvent&&) { ++events; }, [](ReadError&&) {});
  if (test::running_under_wine()) {
    ASSERT_FALSE(summary.ok()) << "Wine 8 implements no wevtapi: EvtQuery cannot have opened the file";
    EXPECT_NE(summary.error().find(kEvtx), std::string::npos) << summary.error();
    EXPECT_NE(summary.error().find("EvtQuery"), std::string::npos) << summary.error();
    EXPECT_EQ(events, 0u);
    return;
  }
  ASSERT_TRUE(summary.ok()) << summary.error();
  EXPECT_GT(summary.value().records_read, 0u);
  EXPECT_GT(summary.value().position.record, 0u);
  // Resuming from the position reads nothing new.
  uint64_t again = 0;
  auto resumed = source->read(summary.value().position, [&](TransportEvent&&) { ++again; }, [](ReadError&&) {});
  ASSERT_TRUE(resumed.ok()) << resumed.error();
  EXPECT_TRUE(resumed.value().resumed);
  EXPECT_EQ(again, 0u);
}

}  // namespace
}  // namespace authwatch::sources

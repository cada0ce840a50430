// Which events the readers deliver (sources/event_selection.hpp): exactly the provider/event-id
// pairs of the detection rules, and the XPath filter EvtQuery gets for .evtx files on Windows,
// evaluated here with pugixml's XPath against real exported events, as Windows evaluates it
// against each event's XML.
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include "core/detector.hpp"
#include "sources/event_selection.hpp"
#include "sources/event_xml.hpp"
#include "tests/sources/event_xpath.hpp"

namespace authwatch::sources {
namespace {

const EventSelection& rules_selection() {
  static const EventSelection selection = EventSelection::of(default_rules());
  return selection;
}

TEST(EventSelection, SelectsTheEventsTheRulesReadAndNothingElse) {
  const auto& s = rules_selection();
  for (const auto& rule : default_rules().event_log)
    for (auto provider : rule.providers) EXPECT_TRUE(s.matches(provider, rule.event_id)) << provider << " " << rule.event_id;
  EXPECT_TRUE(s.matches("msexchangefrontendtransport", 1035)) << "the detector compares providers case-insensitively";
  EXPECT_TRUE(s.matches("Kerberos", 4));
  EXPECT_FALSE(s.matches("MSExchangeTransportSubmission", 1035)) << "1035 comes from the receiving processes only";
  EXPECT_TRUE(s.matches("MSExchangeTransport", 1034)) << "the receive side's initialisation failure";
  EXPECT_FALSE(s.matches("MSExchangeTransport", 1036));
  EXPECT_FALSE(s.matches("Service Control Manager", 7036));
  EXPECT_FALSE(s.matches("Microsoft-Windows-Security-Kerberos", 7));
  EXPECT_FALSE(s.selects_everything());
}

TEST(EventSelection, AnEmptySelectionSelectsEverythingAndPairsAreKeptOnce) {
  EventSelection all;
  EXPECT_TRUE(all.selects_everything());
  EXPECT_TRUE(all.matches("Anything", 1));
  EventSelection s;
  s.add("Kerberos", 3);
  s.add("KERBEROS", 3);
  s.add("Kerberos", 4);
  EXPECT_EQ(s.wanted().size(), 2u);
  EXPECT_FALSE(s.matches("Kerberos", 5));
}

TEST(EvtxQueryXpath, TheRulesQuery) {
  EXPECT_EQ(evtx_query_xpath(rules_selection(), 0),
            "*[System[((Provider[@Name='MSExchangeTransport' or @Name='MSExchangeFrontEndTransport' or "
            "@Name='MSExchangeTransportDelivery'] and (EventID=1034 or EventID=1035 or EventID=2003 or EventID=2016 or "
            "EventID=2017)) or (Provider[@Name='MSExchangeTransportSubmission'] and (EventID=2003 or EventID=2016 or "
            "EventID=2017)) or "
            "(Provider[@Name='Microsoft-Windows-Security-Kerberos' or @Name='Kerberos'] and (EventID=3 or EventID=4)))]]");
  EXPECT_THAT(evtx_query_xpath(rules_selection(), 42), ::testing::EndsWith(")) and EventRecordID>42]]"));
  EXPECT_EQ(evtx_query_xpath({}, 0), "*");
  EXPECT_EQ(evtx_query_xpath({}, 18446744073709551615ull), "*[System[EventRecordID>18446744073709551615]]");
  EventSelection quoted;
  quoted.add("O'Brien's Service", 1);
  EXPECT_EQ(evtx_query_xpath(quoted, 0), "*[System[((Provider[@Name=\"O'Brien's Service\"] and (EventID=1)))]]");
}

TEST(EvtxQueryXpath, SelectsOnRealExportsWhatTheSelectionMatches) {
  const std::string query = evtx_query_xpath(rules_selection(), 0);
  int selected = 0, other = 0;
  for (const char* file : {"scenario/ex1-application-wevtutil.xml", "scenario/ex2-application-wevtutil.xml",
                           "scenario/ex1-system-wevtutil.xml", "exchange/wevtutil-1035.xml"}) {
    for (const auto& xml : events_in(file)) {
      auto event = parse_event_xml(xml, SourceKind::EventXml, file, "event");
      ASSERT_TRUE(event) << event.error();
      const bool wanted = rules_selection().matches(event.value().provider, event.value().event_id);
      EXPECT_EQ(selects(query, xml), wanted) << file << ": " << event.value().provider << " " << event.value().event_id;
      ++(wanted ? selected : other);
    }
  }
  EXPECT_GE(selected, 10) << "the exports hold 1035s, a 2003, a 2017 and Kerberos errors";
  EXPECT_GE(other, 1) << "and events the query must leave out";
}

TEST(EvtxQueryXpath, TheRecordBoundKeepsOnlyLaterRecords) {
  auto event = [](const std::string& provider, int id, int record) {
    return "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='" + provider +
           "'/><EventID Qualifiers='32772'>" + std::to_string(id) + "</EventID><EventRecordID>" + std::to_string(record) +
           "</EventRecordID></System></Event>";
  };
  const std::string query = evtx_query_xpath(rules_selection(), 42);
  EXPECT_TRUE(selects(query, event("MSExchangeTransport", 1035, 43)));
  EXPECT_FALSE(selects(query, event("MSExchangeTransport", 1035, 42)));
  EXPECT_FALSE(selects(query, event("Service Control Manager", 7036, 50)));
  EXPECT_TRUE(selects(evtx_query_xpath({}, 42), event("Service Control Manager", 7036, 50)));
  EXPECT_FALSE(selects(evtx_query_xpath({}, 42), event("Service Control Manager", 7036, 40)));
}

}  // namespace
}  // namespace authwatch::sources

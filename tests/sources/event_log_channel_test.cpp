// The live event log's portable parts (sources/event_log_channel.hpp): the subscription queries
// evaluated with an XPath engine against real exported events, the bookmark round trip, the
// continuity check and the log-cleared notice.
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include "sources/event_log_channel.hpp"
#include "sources/event_xml.hpp"
#include "tests/sources/event_xpath.hpp"

using namespace authwatch;
using namespace authwatch::sources;
using ::testing::HasSubstr;
using ::testing::Optional;

namespace {

std::string query_of(const std::string& channel) {
  for (const auto& c : watched_channels())
    if (c.name == channel) return c.query;
  ADD_FAILURE() << "no channel " << channel;
  return "";
}

TEST(EventLogChannel, TheApplicationQuerySelectsTheTransportFailuresAndNothingElse) {
  const std::string query = query_of("Application");
  int selected = 0, other = 0;
  for (const char* file : {"scenario/ex1-application-wevtutil.xml", "scenario/ex2-application-wevtutil.xml", "exchange/wevtutil-1035.xml"}) {
    for (const auto& xml : events_in(file)) {
      auto event = parse_event_xml(xml, SourceKind::EventXml, file, "event");
      ASSERT_TRUE(event) << event.error();
      const bool transport = event.value().provider.rfind("MSExchange", 0) == 0;
      const bool wanted = transport && (event.value().event_id == 1035 || event.value().event_id == 2003 || event.value().event_id == 2017);
      EXPECT_EQ(selects(query, xml), wanted) << file << ": " << event.value().provider << " " << event.value().event_id;
      ++(wanted ? selected : other);
    }
  }
  EXPECT_GE(selected, 8) << "the exports hold 1035s (receiver) and a 2003 and a 2017 (sender)";
  EXPECT_GE(other, 1) << "and a 7010 the query must leave out";
}

TEST(EventLogChannel, TheSystemQuerySelectsKerberosErrorsAndLogClearsOnly) {
  const std::string query = query_of("System");
  auto event = [](const std::string& provider, int id) {
    return "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='" + provider +
           "'/><EventID>" + std::to_string(id) + "</EventID><Channel>System</Channel></System></Event>";
  };
  EXPECT_TRUE(selects(query, event("Microsoft-Windows-Security-Kerberos", 3)));  // KRB_AP_ERR_SKEW & co (docs/domain.md 1.6)
  EXPECT_TRUE(selects(query, event("Kerberos", 4)));                              // KRB_AP_ERR_MODIFIED, classic source name
  EXPECT_TRUE(selects(query, event("Microsoft-Windows-Eventlog", 104)));          // "the log file was cleared"
  EXPECT_FALSE(selects(query, event("Microsoft-Windows-Security-Kerberos", 7)));
  EXPECT_FALSE(selects(query, event("Service Control Manager", 7036)));
  EXPECT_FALSE(selects(query, event("Microsoft-Windows-Eventlog", 3)));
}

TEST(EventLogChannel, BookmarksRoundTripAndABadOneIsNamed) {
  const EventLogBookmark b{"Application", 88214};
  auto back = parse_bookmark_xml(bookmark_xml(b), "Application");
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back.value(), b);
  // As EvtRender(EvtRenderBookmark) writes it for a subscription over two channels.
  auto two = parse_bookmark_xml(
      "<BookmarkList>\r\n  <Bookmark Channel='Application' RecordId='12' IsCurrent='true'/>\r\n"
      "  <Bookmark Channel='System' RecordId='7754'/>\r\n</BookmarkList>",
      "System");
  ASSERT_TRUE(two) << two.error();
  EXPECT_EQ(two.value().record_id, 7754u);
  EXPECT_THAT(parse_bookmark_xml("<BookmarkList", "System").error(), HasSubstr("bookmark of System is not XML"));
  EXPECT_THAT(parse_bookmark_xml("<Other/>", "System").error(), HasSubstr("no <BookmarkList>"));
  EXPECT_THAT(parse_bookmark_xml("<BookmarkList><Bookmark Channel='System' RecordId='x1'/></BookmarkList>", "System").error(),
              HasSubstr("no valid RecordId ('x1')"));
  EXPECT_THAT(parse_bookmark_xml(bookmark_xml(b), "System").error(), HasSubstr("no entry for System"));
}

TEST(EventLogChannel, LostRecordsAndARestartedLogAreReportedNeverSkipped) {
  EXPECT_EQ(continuity_problem("Application", 0, 5000, 5001), std::nullopt) << "never read: nothing to compare";
  EXPECT_EQ(continuity_problem("Application", 88214, 80000, 88230), std::nullopt) << "the log still holds what follows the bookmark";
  EXPECT_EQ(continuity_problem("Application", 88214, 88215, std::nullopt), std::nullopt);
  EXPECT_THAT(continuity_problem("Application", 88214, 90001, 90001),
              Optional(HasSubstr("records 88215 to 90000 of the Application log were removed before AuthWatch read them")));
  EXPECT_THAT(continuity_problem("System", 7754, 1, 3), Optional(HasSubstr("went back from 7754 to 3")));
}

TEST(EventLogChannel, ALogClearedEventBecomesANotice) {
  TransportEvent cleared;
  cleared.provider = "Microsoft-Windows-Eventlog";
  cleared.event_id = 104;
  cleared.fields = {{"Channel", "Application"}, {"SubjectDomainName", "CONTOSO"}, {"SubjectUserName", "admin"}};
  EXPECT_THAT(log_cleared_notice(cleared), Optional(HasSubstr("the Application log was cleared by CONTOSO\\admin")));
  TransportEvent other = cleared;
  other.event_id = 105;
  EXPECT_EQ(log_cleared_notice(other), std::nullopt);
}

}  // namespace

// The event message table (installer/windows/events.mc) and the IDs AuthWatch writes
// (pipeline/alerts.hpp) cannot drift apart: every ID an alert can carry has exactly one message,
// with both insertion strings, and there is no message for an ID nothing writes.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/diagnosis.hpp"
#include "pipeline/alerts.hpp"
#include "service/step_health.hpp"

using namespace authwatch;

namespace {

struct Message {
  std::string severity, text;
};

std::map<int, Message> read_message_table() {
  std::ifstream in(AUTHWATCH_EVENTS_MC);
  std::map<int, Message> table;
  std::string line;
  int id = -1;
  bool in_text = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (in_text) {
      if (line == ".") in_text = false;
      else table[id].text += line + "\n";
      continue;
    }
    std::smatch m;
    if (std::regex_match(line, m, std::regex(R"(MessageId=(\d+))"))) {
      id = std::stoi(m[1]);
      EXPECT_FALSE(table.count(id)) << "MessageId " << id << " twice";
      table[id];
    } else if (std::regex_match(line, m, std::regex(R"(Severity=(\w+))"))) {
      table[id].severity = m[1];
    } else if (line.rfind("Language=", 0) == 0) {
      in_text = true;
    }
  }
  return table;
}

TEST(EventMessages, EveryIdAnAlertCanCarryHasOneMessageAndNoOther) {
  const auto table = read_message_table();
  ASSERT_FALSE(table.empty()) << "cannot read " << AUTHWATCH_EVENTS_MC;
  std::set<int> written = {pipeline::kEventIncidentOpened, pipeline::kEventNoCauseFound, pipeline::kEventIncidentResolved,
                           pipeline::kEventServiceHealth,       service::kEventDatabaseFailing,
                           service::kEventDatabaseReplaced,    service::kEventStepFailing,
                           service::kEventRecordsQuarantined};
  for (const auto& cause : cause_vocabulary()) {
    const int id = pipeline::cause_event_id(std::string(cause));
    EXPECT_NE(id, pipeline::kEventNoCauseFound) << cause << " has no event ID of its own";
    written.insert(id);
    ASSERT_TRUE(table.count(id)) << "no message for cause " << cause << " (event " << id << ")";
    EXPECT_NE(table.at(id).text.find(std::string(cause)), std::string::npos) << "event " << id << " does not name " << cause;
  }
  std::set<int> in_table;
  for (const auto& [id, message] : table) in_table.insert(id);
  EXPECT_EQ(in_table, written);
  for (const auto& [id, message] : table) {
    // Success: the ID ReportEventW gets is the plain number, and Event Viewer finds the text by it.
    EXPECT_EQ(message.severity, "Success") << "event " << id;
    EXPECT_NE(message.text.find("%1"), std::string::npos) << "event " << id << " drops the alert's text";
    EXPECT_NE(message.text.find("%2"), std::string::npos) << "event " << id << " drops the details";
  }
}

}  // namespace

#pragma once
// Event-log queries (XPath) checked the way Windows applies them, on real exported events: the
// channel queries (event_log_channel_test) and the .evtx selection's XPath (event_selection_test).
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pugixml.hpp>

namespace authwatch::sources {

// Windows evaluates the query against each event's XML with the document as context; pugixml's
// XPath 1.0 does the same (the event namespace is a default one, so names match unprefixed).
inline bool selects(const std::string& query, const std::string& one_event_xml) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(one_event_xml.c_str())) << one_event_xml;
  return !doc.select_nodes(query.c_str()).empty();
}

// The <Event> elements of an export file under the test data, each as its own XML text.
inline std::vector<std::string> events_in(const std::string& file) {
  std::ifstream in(std::string(AUTHWATCH_TEST_DATA) + "/" + file);
  std::stringstream text;
  text << in.rdbuf();
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(text.str().c_str(), pugi::parse_default | pugi::parse_fragment)) << file;
  std::vector<std::string> out;
  for (auto node : doc.select_nodes("//*[local-name()='Event']")) {
    std::ostringstream one;
    node.node().print(one, "", pugi::format_raw);
    out.push_back(one.str());
  }
  return out;
}

}  // namespace authwatch::sources

#pragma once
// Windows event XML -> TransportEvent: one <Event> (EvtRender output; the .evtx reader applies the same
// rules to its BinXML tree, sources/evtx/event_mapping.cpp) or
// a whole export file (`wevtutil qe /f:xml`, `Get-WinEvent | % { $_.ToXml() }`, an <Events> root).
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "core/transport_event.hpp"
#include "sources/file_source.hpp"

namespace authwatch::sources {

struct EventXmlParse {
  std::vector<TransportEvent> events;  // in file order
  std::vector<ReadError> errors;       // in file order; the events around a bad one are still read
};

// The event's natural key: "evt:<computer, lower case>|<channel>|<EventRecordID>", or, for an
// event without a record number (hand-made or forwarded XML), one made of its content.
std::string event_key(const TransportEvent& event);

// One <Event> element. `location` and `locator` are copied into the event (or name the failure:
// the Error reads "<location>: <locator>: <reason>").
Result<TransportEvent> parse_event_xml(std::string_view one_event_xml, SourceKind kind,
                                       const std::string& location, const std::string& locator);

// As parse_event_xml, for readers that collect errors rather than stop at them.
std::variant<TransportEvent, ReadError> parse_event_record(std::string_view one_event_xml, SourceKind kind,
                                                           const std::string& location,
                                                           const std::string& locator);

// Every top-level <Event> in `text` (UTF-8; a BOM, an <?xml?> declaration and a root element
// around the events are allowed). Locators are "event N (line L)", N counting from 1.
EventXmlParse parse_event_xml_stream(std::string_view text, SourceKind kind, const std::string& location);

}  // namespace authwatch::sources

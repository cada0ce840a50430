// Windows event XML (sources/event_xml.cpp): the export reader's splitter and per-event parser over
// arbitrary bytes, decoded as the file reader decodes them (UTF-16LE with a BOM, UTF-8 otherwise),
// and the single-record parser the .evtx and live event log readers use. Checked: every event has
// its key and locator; error messages are UTF-8 (shown as JSON by `authwatch status`).
#include "fuzz/fuzz_support.hpp"
#include "sources/event_xml.hpp"
#include "sources/text_encoding.hpp"

using namespace authwatch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = fuzz::as_text(data, size);
  if (auto text = sources::decode_to_utf8(bytes)) {
    auto parsed = sources::parse_event_xml_stream(*text, SourceKind::EventXml, "/fuzz/export.xml");
    for (const auto& event : parsed.events) {
      fuzz::require(!event.key.empty(), "an event has a key");
      fuzz::require(event.locator.starts_with("event "), "an event's locator counts events", event.locator);
    }
    for (const auto& error : parsed.errors)
      fuzz::require(fuzz::is_utf8(error.message()), "a read error's message is UTF-8", error.message());
  }
  auto record = sources::parse_event_record(bytes, SourceKind::Evtx, "/fuzz/log.evtx", "record 1");
  if (auto* error = std::get_if<sources::ReadError>(&record))
    fuzz::require(fuzz::is_utf8(error->message()), "a read error's message is UTF-8", error->message());
  return 0;
}

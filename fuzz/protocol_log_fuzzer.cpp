// SMTP protocol logs (sources/protocol_log.cpp): the reader over arbitrary text, and its CSV splitter.
// Checked: the counts add up; error messages are UTF-8 (a source's last error is shown as JSON by
// `authwatch status`); the position survives storage (to_json, from_json); and reading the text
// in two parts, a prefix first and then the rest from the stored position (a log that grew
// between two passes of the monitor), gives exactly the events of one read.
#include <string>
#include <vector>

#include "core/text.hpp"
#include "fuzz/fuzz_support.hpp"
#include "sources/protocol_log.hpp"

using namespace authwatch;

namespace {

const std::string kLocation = "/fuzz/RECV2024031510-1.LOG";

struct Read {
  std::vector<TransportEvent> events;
  sources::ReadSummary summary;
};

Read read(std::string_view text, const SourcePosition& from) {
  Read out;
  uint64_t errors = 0;
  out.summary = sources::read_protocol_log_text(
      text, kLocation, from, [&](TransportEvent&& e) { out.events.push_back(std::move(e)); },
      [&](sources::ReadError&& e) {
        ++errors;
        fuzz::require(fuzz::is_utf8(e.message()), "a read error's message is UTF-8", e.message());
      });
  fuzz::require(out.summary.bad_records == errors, "bad_records counts the errors reported");
  fuzz::require(out.summary.records_read == out.events.size() + errors, "records_read counts events and errors");
  fuzz::require(out.summary.position.offset <= text.size(), "the position is inside the text");
  return out;
}

bool same_event(const TransportEvent& a, const TransportEvent& b) {
  return a.key == b.key && a.locator == b.locator && a.time == b.time && a.text == b.text && a.fields == b.fields &&
         a.location == b.location && a.source_kind == b.source_kind;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  std::vector<std::string> columns;
  (void)sources::split_csv_line(text, columns);

  const Read whole = read(text, {});
  const auto stored = SourcePosition::from_json(whole.summary.position.to_json());
  fuzz::require(stored && *stored == whole.summary.position, "the position survives to_json/from_json");

  // The same text read in two parts, the position stored in between.
  const size_t cut = fnv1a64(text) % (size + 1);
  const Read first = read(text.substr(0, cut), {});
  const auto between = SourcePosition::from_json(first.summary.position.to_json());
  fuzz::require(between.has_value(), "a position reads back");
  const Read rest = read(text, *between);
  fuzz::require(first.events.size() + rest.events.size() == whole.events.size(), "two reads give as many events as one");
  for (size_t i = 0; i < whole.events.size(); ++i) {
    const TransportEvent& part = i < first.events.size() ? first.events[i] : rest.events[i - first.events.size()];
    fuzz::require(same_event(part, whole.events[i]), "two reads give the events of one", whole.events[i].locator);
  }
  fuzz::require(rest.summary.position.offset == whole.summary.position.offset, "two reads end where one does");
  return 0;
}

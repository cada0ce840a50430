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

// What a read yields, each event as a digest of everything it carries: the reader reuses one
// event's storage from line to line, as long as the handler leaves it alone (ingest only reads
// it), so the target does not keep copies and the fuzzer runs the reader as it normally runs.
struct Read {
  std::vector<uint64_t> events;
  std::vector<std::string> locators;
  sources::ReadSummary summary;
};

uint64_t digest(const TransportEvent& e) {
  uint64_t h = fnv1a64(e.key);
  for (std::string_view part : {std::string_view(e.locator), std::string_view(e.text), std::string_view(e.location)}) h = fnv1a64(part, h ^ 0x1f);
  h = fnv1a64(std::to_string(e.time.time_since_epoch().count()), h);
  for (const auto& [name, value] : e.fields) h = fnv1a64(value, fnv1a64(name, h ^ 0x1e));
  return fnv1a64(std::to_string(static_cast<int>(e.source_kind)), h);
}

Read read(std::string_view text, const SourcePosition& from) {
  Read out;
  uint64_t errors = 0;
  out.summary = sources::read_protocol_log_text(
      text, kLocation, from,
      [&](TransportEvent&& e) {
        out.events.push_back(digest(e));
        out.locators.push_back(e.locator);
      },
      [&](sources::ReadError&& e) {
        ++errors;
        fuzz::require(fuzz::is_utf8(e.message()), "a read error's message is UTF-8", e.message());
      });
  fuzz::require(out.summary.bad_records == errors, "bad_records counts the errors reported");
  fuzz::require(out.summary.records_read == out.events.size() + errors, "records_read counts events and errors");
  fuzz::require(out.summary.position.offset <= text.size(), "the position is inside the text");
  return out;
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
    const uint64_t part = i < first.events.size() ? first.events[i] : rest.events[i - first.events.size()];
    fuzz::require(part == whole.events[i], "two reads give the events of one", whole.locators[i]);
  }
  fuzz::require(rest.summary.position.offset == whole.summary.position.offset, "two reads end where one does");
  return 0;
}

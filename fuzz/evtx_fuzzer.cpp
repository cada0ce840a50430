// The native .evtx reader (sources/evtx): the input is a whole file, read through read_evtx, the
// pure function the FileSource's chunk-by-chunk reading amounts to. Every event is decoded (no
// selection), so the whole BinXML renderer is reached; checksums that do not match are reported
// and the data read anyway, so mutated chunks still get that far. Checked: a read ends; every
// problem names the file, a place and a reason, in UTF-8 (a source's last error is shown as JSON);
// every event carries the file, a "record N" locator and an "evt:" key; the counts add up.
#include "fuzz/fuzz_support.hpp"
#include "sources/evtx/evtx_reader.hpp"

using namespace authwatch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string location = "/fuzz/Application.evtx";
  sources::evtx::ReaderOptions options;
  options.location = location;
  uint64_t events = 0;
  auto result = sources::evtx::read_evtx(
      fuzz::as_bytes(data, size), options,
      [&](TransportEvent&& e) {
        ++events;
        fuzz::require(e.location == location, "an event names its file");
        fuzz::require(e.locator.starts_with("record "), "an event's locator is its record", e.locator);
        fuzz::require(e.key.starts_with("evt:"), "an event's key is an evt: key", e.key);
      },
      [&](sources::ReadError&& e) {
        fuzz::require(e.location == location, "a problem names its file");
        fuzz::require(!e.locator.empty() && !e.reason.empty(), "a problem says where and why", e.message());
        fuzz::require(fuzz::is_utf8(e.message()), "a problem's message is UTF-8", e.message());
      });
  if (!result) return 0;  // not an .evtx file at all
  const auto& stats = result.value();
  fuzz::require(stats.delivered == events, "delivered counts the events handed over");
  fuzz::require(stats.delivered + stats.bad_records <= stats.records, "delivered and bad records are records");
  return 0;
}

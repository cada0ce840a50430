// The detector (core/detector.cpp) and the incident tracker fed with parsed events, as the scan and
// the monitor feed them: the first input byte picks the reader (protocol log, event XML, queue
// snapshot), the rest is the file. Checked: the session table stays bounded; a signal's evidence
// serializes as storage writes it; the tracker derives its incident key (peer, or "unknown" and
// where it was seen) without fault.
#include <chrono>

#include "core/clock.hpp"
#include "core/detector.hpp"
#include "core/incident.hpp"
#include "fuzz/fuzz_support.hpp"
#include "sources/event_xml.hpp"
#include "sources/protocol_log.hpp"
#include "sources/queue_json.hpp"

using namespace authwatch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view file = fuzz::as_text(data + 1, size - 1);
  const TimePoint now{std::chrono::sys_days{std::chrono::year{2024} / 3 / 15} + std::chrono::hours{11}};

  Detector detector;
  ManualClock clock(now);
  IncidentTracker tracker(IncidentPolicy{}, clock);
  // Each event straight from the reader, as ingest takes it (the reader reuses its storage).
  auto detect = [&](TransportEvent&& event) {
    auto signal = detector.detect(event);
    fuzz::require(detector.tracked_sessions() <= 4096, "the detector's session table stays bounded");
    if (!signal) return;
    (void)signal->evidence.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    (void)signal->peer_known();
    if (signal->signal_class == SignalClass::Context) {
      (void)incident_for_context(tracker.open_incidents(), *signal, tracker.policy());
    } else {
      for (const auto& change : tracker.on_signal(*signal)) (void)to_string(change.kind);
    }
  };
  auto ignore = [](sources::ReadError&&) {};
  switch (data[0] % 3) {
    case 0: (void)sources::read_protocol_log_text(file, "/fuzz/RECV2024031510-1.LOG", {}, detect, ignore); break;
    case 1:
      for (auto& event : sources::parse_event_xml_stream(file, SourceKind::EventXml, "/fuzz/export.xml").events) detect(std::move(event));
      break;
    case 2: (void)sources::read_queue_json_bytes(std::string(file), "/fuzz/queues.json", LocalTimeRules{}, {}, detect, ignore); break;
  }
  clock.advance(std::chrono::hours{1});
  (void)tracker.tick();
  return 0;
}

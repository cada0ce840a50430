#pragma once
// The Get-Queue snapshot reader (sources/queue_json.cpp) over one file's bytes: what the UTF-8 and
// the UTF-16LE targets both check. The counts add up; error messages are UTF-8 (shown as JSON by
// `authwatch status`); the position survives storage; and reading again from the returned
// position adds nothing (a snapshot is never counted twice).
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "sources/queue_json.hpp"

namespace authwatch::fuzz {

inline void check_queue_snapshot(std::string bytes) {
  const LocalTimeRules local_times{};  // as without --time-zone/--date-order
  const std::string location = "/fuzz/queues.json";
  uint64_t events = 0, errors = 0;
  auto on_event = [&](TransportEvent&& e) {
    ++events;
    require(!e.key.empty(), "a queue has a key");
  };
  auto on_error = [&](sources::ReadError&& e) {
    ++errors;
    require(is_utf8(e.message()), "a read error's message is UTF-8", e.message());
  };
  const auto summary = sources::read_queue_json_bytes(bytes, location, local_times, {}, on_event, on_error);
  require(summary.bad_records == errors, "bad_records counts the errors reported");
  require(summary.records_read == events + errors, "records_read counts queues and errors");
  require(summary.position.offset <= bytes.size(), "the position is inside the file");
  const auto stored = SourcePosition::from_json(summary.position.to_json());
  require(stored && *stored == summary.position, "the position survives to_json/from_json");

  events = errors = 0;
  const auto again = sources::read_queue_json_bytes(bytes, location, local_times, *stored, on_event, on_error);
  require(again.resumed, "the file's own position resumes it");
  require(events == 0, "a second read of the same bytes adds no queue");
}

}  // namespace authwatch::fuzz

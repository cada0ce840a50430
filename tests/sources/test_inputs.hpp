#pragma once
// What the sources/ tests share: where the test data is, times written as fields, ASCII as
// UTF-16LE, and what one read of a source gave (events, errors, summary).
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "core/transport_event.hpp"
#include "sources/file_source.hpp"

namespace authwatch::sources {

inline const std::string kTestData = AUTHWATCH_TEST_DATA;

inline TimePoint utc(int y, unsigned mo, unsigned d, int h, int mi, int s, long long us = 0) {
  using namespace std::chrono;
  return time_point_cast<microseconds>(sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} +
                                       microseconds{us});
}

// UTF-16LE, with the BOM Windows PowerShell 5.1's `>` writes unless with_bom is false (the test
// text is ASCII).
inline std::string as_utf16le(std::string_view ascii, bool with_bom = true) {
  std::string out = with_bom ? "\xFF\xFE" : "";
  for (char c : ascii) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

// One read of a source, collected.
struct ReadOutcome {
  std::vector<TransportEvent> events;
  std::vector<ReadError> errors;
  ReadSummary summary;
};

}  // namespace authwatch::sources

#pragma once
// The test oracle for the native .evtx reader: what AuthWatch read from an .evtx before it had
// its own reader. libevtx (Debian's libevtx 20181227) renders each record as XML and the XML
// mapping (sources/event_xml.cpp) turns that into a TransportEvent. Kept only here, in the tests.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/transport_event.hpp"

namespace authwatch::testing {

struct OracleRecord {
  int index = 0;                         // libevtx's listing order
  std::optional<uint64_t> number;        // the record header's number (libevtx's "identifier")
  std::optional<TransportEvent> event;   // when libevtx rendered it and the XML mapped
  std::string failure;                   // otherwise: libevtx's message, or the mapping's reason
};

struct OracleReading {
  std::string open_failure;  // libevtx could not open the file at all
  std::vector<OracleRecord> records;
  bool flagged_corrupted = false;
};

OracleReading read_with_libevtx(const std::string& path);

}  // namespace authwatch::testing

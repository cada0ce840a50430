#pragma once
// One SMTP protocol-log line as the detector reads it: the columns its rules look at, as views.
// Why not a TransportEvent: nearly every line of a protocol log is no signal, and an event per line
// (a map of every column, a key, a locator) cost more than the detection itself. The protocol-log
// reader hands lines out straight from its buffer and builds the event only for a line that is
// stored; Detector::detect(const TransportEvent&) reads a protocol-log event through this view too,
// so both give the same signals.
#include <string_view>

#include "core/time.hpp"
#include "core/transport_event.hpp"

namespace authwatch {

class ProtocolLogLine {
 public:
  // The columns of docs/domain.md §2 by their #Fields names, "" when the header has no such column
  // or the line ends before it. log_type is the "#Log-type:" header (or a column of that name).
  std::string_view log_type, connector_id, session_id, local_endpoint, remote_endpoint, event, data, context;
  std::string_view text;  // the line as written, without its CR/LF
  TimePoint time{};       // its date-time column

  // The line as the event that is stored (key, location, locator, every column), built when first
  // asked for; valid while this line is.
  virtual const TransportEvent& transport_event() const = 0;

 protected:
  ProtocolLogLine() = default;
  ProtocolLogLine(const ProtocolLogLine&) = default;
  ProtocolLogLine& operator=(const ProtocolLogLine&) = default;
  ~ProtocolLogLine() = default;
};

}  // namespace authwatch

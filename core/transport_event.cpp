#include "core/transport_event.hpp"

namespace authwatch {

std::string_view to_string(SourceKind kind) {
  switch (kind) {
    case SourceKind::EventLog: return "eventlog";
    case SourceKind::EventXml: return "event-xml";
    case SourceKind::Evtx: return "evtx";
    case SourceKind::ProtocolLog: return "protocol-log";
    case SourceKind::QueueSnapshot: return "queue-snapshot";
  }
  return "unknown";
}

}  // namespace authwatch

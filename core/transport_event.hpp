#pragma once
// What every source yields: one record from a Windows event log (live, .evtx or exported XML),
// one SMTP protocol-log line, or one queue from a Get-Queue snapshot.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace authwatch {

enum class SourceKind { EventLog, EventXml, Evtx, ProtocolLog, QueueSnapshot };

std::string_view to_string(SourceKind kind);

struct TransportEvent {
  SourceKind source_kind = SourceKind::EventXml;
  std::string location;  // file path, or channel name for the live event log
  std::string locator;   // where in the location, for people: "record 42", "line 17", "item 3"
  // Natural key, stable across re-reads and across export formats of the same record, e.g.
  // "evt:<computer>|<channel>|<record id>", "plog:<file name>:<byte offset>". Storage dedups on it.
  std::string key;
  TimePoint time{};
  // How `time` was read when the record's own text is local time (a queue's LastRetryTime): which
  // value, and which UTC offset from where (docs/domain.md §10). Empty for UTC sources.
  std::string time_basis;

  // Windows events (empty / 0 otherwise).
  std::string provider;
  uint32_t event_id = 0;
  int level = 0;
  std::string channel;
  std::string computer;
  uint64_t record_id = 0;

  // The record as text: the protocol-log line, the queue's LastError, or the rendered message.
  std::string text;
  // Named fields. Event data: <Data Name='X'> as "X", unnamed <Data> as "1", "2", ... in order.
  // Protocol log: the #Fields names plus "log-type". Queue: the Get-Queue property names.
  std::map<std::string, std::string, std::less<>> fields;

  // The field's value, or "" when absent.
  std::string_view field(std::string_view name) const {
    auto it = fields.find(name);
    return it == fields.end() ? std::string_view{} : std::string_view{it->second};
  }
};

}  // namespace authwatch

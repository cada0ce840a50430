#pragma once
// Get-Queue snapshots saved as JSON (docs/domain.md §4): one array of queues, one queue object, or
// JSON lines (a service appending `ConvertTo-Json -Compress` snapshots), in UTF-8 with or without
// a BOM or in UTF-16LE with a BOM (Windows PowerShell 5.1 redirection). The reader itself is
// make_queue_json_file() in sources/readers.hpp.
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/source_position.hpp"
#include "core/time.hpp"
#include "sources/file_source.hpp"

namespace authwatch::sources {

// A queue property as text, the way Get-Queue shows it: strings as they are, except a PowerShell
// 5.1 date "/Date(ms)/" which becomes ISO 8601; numbers (enums arrive as integers) as decimal
// text; booleans "True"/"False"; null ""; an object by its string "Value" member, otherwise
// (like arrays) as compact JSON.
std::string queue_property_text(const nlohmann::json& value);

// The natural key of one observation of a queue: the same queue in the same state at the same
// time is the same record, whichever snapshot file it came from.
// "queue:<identity>|<ISO 8601 time>|<hex64(fnv1a64(last_error))>".
std::string queue_event_key(std::string_view identity, TimePoint time, std::string_view last_error);

// Reads a snapshot held in memory (`bytes` as a file would hold them) from `from`, exactly as the
// file reader reads a file with this content: `location` stands for its path, `local_times` for
// the reader's rules for local-time values. The fuzz targets drive the reader through it.
ReadSummary read_queue_json_bytes(std::string bytes, const std::string& location, const LocalTimeRules& local_times,
                                  const SourcePosition& from, const EventHandler& on_event, const ErrorHandler& on_error);

}  // namespace authwatch::sources

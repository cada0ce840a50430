#pragma once
// The live Windows event log as AuthWatch reads it (service/win/event_log_source.cpp), in the parts
// that need no Windows and are tested everywhere: which events a subscription asks for (its XPath
// query), the bookmark as an explicit value (the XML EvtRender(EvtRenderBookmark) gives, <->
// channel + record id, stored as the source's position), and whether what is read now continues
// what was stored, or records were lost in between (a cleared or overwritten log) — reported,
// never skipped silently.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/transport_event.hpp"

namespace authwatch::sources {

struct EventLogChannel {
  std::string name;   // "Application", "System"
  std::string query;  // the XPath of EvtSubscribe
};

// Application: 1035, 2003, 2017 from every transport event source (docs/domain.md §1.1, §1.5).
// System: the Kerberos errors 3 and 4 (§1.6, written while LogLevel=1) and event 104 of
// Microsoft-Windows-Eventlog ("the log file was cleared"), so a clear is reported, not guessed.
const std::vector<EventLogChannel>& watched_channels();

struct EventLogBookmark {
  std::string channel;
  uint64_t record_id = 0;
  bool operator==(const EventLogBookmark&) const = default;
};

// <BookmarkList><Bookmark Channel='System' RecordId='42' IsCurrent='true'/></BookmarkList>, what
// EvtRender(EvtRenderBookmark) produces and EvtCreateBookmark takes back.
std::string bookmark_xml(const EventLogBookmark& bookmark);
// The bookmark of `channel` in such XML; an error names what is wrong with it.
Result<EventLogBookmark> parse_bookmark_xml(std::string_view xml, const std::string& channel);

// The notice to report when the continuity of `channel` is broken (nothing when it is not):
// `last_read` is the record id of the stored bookmark (0: never read), `oldest_in_log` the log's
// oldest record number now (EvtGetLogInfo), `first_new` the record id of the first event read
// now, if any. A notice, not an Error: the reading goes on, and nobody branches on its kind.
std::optional<std::string> continuity_problem(const std::string& channel, uint64_t last_read, uint64_t oldest_in_log,
                               std::optional<uint64_t> first_new);

// Event 104 of Microsoft-Windows-Eventlog in the System log: "The <channel> log file was cleared".
// The notice to report for it; nothing for any other event.
std::optional<std::string> log_cleared_notice(const TransportEvent& event);

}  // namespace authwatch::sources

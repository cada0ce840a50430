#pragma once
// A source's bookmark as an explicit value (as Fluent Bit's in_winevtlog keeps it): stored in
// SQLite with the events it covers, handed back to the source to resume.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace authwatch {

struct SourcePosition {
  // What the position belongs to. For files: a fingerprint of the file's first bytes, so a
  // rotated or rewritten file is not resumed at a stale offset. For the live log: the channel.
  std::string identity;
  uint64_t offset = 0;  // byte offset of the first unread byte (files read sequentially)
  uint64_t record = 0;  // last record number read (record-oriented sources: .evtx, event log)
  std::string bookmark; // opaque source-specific bookmark (e.g. an EvtCreateBookmark XML)

  bool operator==(const SourcePosition&) const = default;

  std::string to_json() const;
  static std::optional<SourcePosition> from_json(std::string_view text);
};

}  // namespace authwatch

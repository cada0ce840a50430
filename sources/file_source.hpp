#pragma once
// Readers of exported files: event XML, .evtx, SMTP protocol logs, Get-Queue JSON snapshots.
// Each turns its file into TransportEvents in file order and reports where it stopped as an
// explicit SourcePosition, so a later read resumes there (and a re-read adds nothing).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/local_time.hpp"
#include "core/protocol_log_line.hpp"
#include "core/result.hpp"
#include "core/source_position.hpp"
#include "core/transport_event.hpp"
#include "sources/event_selection.hpp"

namespace authwatch::sources {

enum class FileFormat { Unknown, EventXml, Evtx, ProtocolLog, QueueJson };

std::string_view to_string(FileFormat f);
SourceKind source_kind_of(FileFormat f);

// Decides by content (magic bytes, BOM, first non-blank characters), never by name alone.
FileFormat detect_format(std::string_view head);
// Reads the file's first bytes and detects; Unknown when unreadable or unrecognised.
FileFormat detect_file_format(const std::string& path);

// A record that could not be read: named by file and record (or line/item) with the reason.
struct ReadError {
  std::string location;  // file path
  std::string locator;   // "record 17", "line 9", "item 3", "byte 4096"
  std::string reason;
  std::string message() const { return location + ": " + locator + ": " + reason; }
};

struct ReadSummary {
  SourcePosition position;     // where the next read resumes
  uint64_t records_read = 0;   // records read in this call (good and bad)
  uint64_t bad_records = 0;    // of which could not be read
  bool resumed = false;        // started from a stored position rather than the beginning
  // Bytes after `position` that are not a complete record yet (an unterminated last line, which
  // the writer may still be writing): not read, and read by a later call once complete.
  uint64_t pending_bytes = 0;
};

using EventHandler = std::function<void(TransportEvent&&)>;
using ErrorHandler = std::function<void(ReadError&&)>;
using LineHandler = std::function<void(const ProtocolLogLine&)>;

class FileSource {
 public:
  virtual ~FileSource() = default;
  virtual FileFormat format() const = 0;
  virtual const std::string& path() const = 0;
  // Reads from `from` (a default SourcePosition: from the start) to the current end of the file.
  // A position whose identity does not match the file is ignored and the file is read from the
  // start. Bad records go to on_error and reading goes on; only a file that cannot be opened at
  // all is an Error.
  virtual Result<ReadSummary> read(const SourcePosition& from, const EventHandler& on_event,
                                   const ErrorHandler& on_error) = 0;
  // Protocol logs: the same records, errors and position as read(), each record handed out as a
  // line (core/protocol_log_line.hpp) whose event is built only when asked for, so the lines that
  // are no signal cost no event. Other formats have no lines: an Error.
  virtual Result<ReadSummary> read_lines(const SourcePosition& from, const LineHandler& on_line, const ErrorHandler& on_error);
};

// Line-based readers (protocol logs, JSON lines): a longer line is a bad record naming its length,
// skipped to the next newline without being held in memory (config limits.line_bytes).
inline constexpr uint64_t kDefaultMaxLineBytes = 1ull << 20;

// How readers interpret what the file itself leaves open, and what they need not decode.
struct ReadOptions {
  LocalTimeRules local_times;  // queue snapshots' local-time values (core/local_time.hpp)
  // Readers of Windows event logs deliver only the events this selects (all by default); the
  // others are still read and counted, not decoded.
  EventSelection selection;
  uint64_t max_line_bytes = kDefaultMaxLineBytes;
};

// nullptr when the format is Unknown.
std::unique_ptr<FileSource> make_file_source(const std::string& path, FileFormat format, const ReadOptions& options = {});

}  // namespace authwatch::sources

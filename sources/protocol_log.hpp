#pragma once
// Exchange SMTP protocol logs (RECVyyyymmddhh-n.LOG / SEND...): W3C-style '#' header lines, then
// one CSV record per physical line whose columns the latest "#Fields:" header names.
// The reader itself is make_protocol_log_file() in sources/readers.hpp.
#include <string>
#include <string_view>
#include <vector>

#include "sources/file_source.hpp"

namespace authwatch::sources {

// Splits one CSV record (RFC 4180: a field in double quotes may hold commas, and "" stands for
// one quote) into `columns`, reusing its strings. "a,,b," gives four columns, the last empty.
// False when a quoted field is not closed on this line.
bool split_csv_line(std::string_view line, std::vector<std::string>& columns);

// Reads protocol-log text held in memory exactly as the file reader reads a file with this
// content: from its start, or from `from` when that is the position an earlier call returned for
// a prefix of the same text (the caller vouches for that; a file is checked by its fingerprint).
// `location` stands for the path in keys, locators and errors; the summary's identity is empty.
// A line over max_line_bytes is a bad record, as in a file. The fuzz target drives the reader through it.
ReadSummary read_protocol_log_text(std::string_view text, const std::string& location, const SourcePosition& from,
                                   const EventHandler& on_event, const ErrorHandler& on_error,
                                   uint64_t max_line_bytes = kDefaultMaxLineBytes);

}  // namespace authwatch::sources

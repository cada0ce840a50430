#pragma once
// Exchange SMTP protocol logs (RECVyyyymmddhh-n.LOG / SEND...): W3C-style '#' header lines, then
// one CSV record per physical line whose columns the latest "#Fields:" header names.
// The reader itself is make_protocol_log_file() in sources/readers.hpp.
#include <string>
#include <string_view>
#include <vector>

namespace authwatch::sources {

// Splits one CSV record (RFC 4180: a field in double quotes may hold commas, and "" stands for
// one quote) into `columns`, reusing its strings. "a,,b," gives four columns, the last empty.
// False when a quoted field is not closed on this line.
bool split_csv_line(std::string_view line, std::vector<std::string>& columns);

}  // namespace authwatch::sources

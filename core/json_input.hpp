#pragma once
// JSON that comes from outside (Get-Queue snapshots, the configuration file), parsed with nlohmann
// and bounded. nlohmann parses any depth without recursion, but writing, copying or comparing a
// value recurses once per level: a file of a hundred thousand '[' would overflow the stack later,
// far from the parser (a Windows thread has 1 MiB of it). Deeper input is refused while parsing.
#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>

namespace authwatch {

// Get-Queue output is three levels deep, the configuration three: 64 leaves room for anything real.
inline constexpr int kMaxJsonDepth = 64;

// Thrown by parse_untrusted_json for arrays and objects nested deeper than kMaxJsonDepth.
struct JsonTooDeep : std::runtime_error {
  JsonTooDeep();
};

// nlohmann::json::parse(text) with nesting bounded: throws JsonTooDeep, or what nlohmann throws:
// json::parse_error for bad syntax (with the byte), json::out_of_range for a number beyond a
// double (1e400). Catching nlohmann::json::exception and JsonTooDeep catches every failure.
nlohmann::json parse_untrusted_json(std::string_view text, bool ignore_comments = false);

// Where a too-deep value starts: the 1-based byte of the first '[' or '{' nested deeper than
// kMaxJsonDepth, outside strings (0 when there is none), for an error message that says where.
size_t too_deep_byte(std::string_view text);

}  // namespace authwatch

#include "core/json_input.hpp"

#include <string>

namespace authwatch {

JsonTooDeep::JsonTooDeep()
    : std::runtime_error("arrays and objects nested deeper than " + std::to_string(kMaxJsonDepth) + " levels") {}

nlohmann::json parse_untrusted_json(std::string_view text, bool ignore_comments) {
  using Event = nlohmann::json::parse_event_t;
  // The parser reports each value's depth as it opens it; refusing there stops the parse.
  const nlohmann::json::parser_callback_t bound = [](int depth, Event event, nlohmann::json&) {
    if ((event == Event::object_start || event == Event::array_start) && depth >= kMaxJsonDepth) throw JsonTooDeep();
    return true;
  };
  return nlohmann::json::parse(text, bound, /*allow_exceptions=*/true, ignore_comments);
}

size_t too_deep_byte(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return i + 1;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return 0;
}

}  // namespace authwatch

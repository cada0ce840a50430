#include "core/source_position.hpp"

#include <nlohmann/json.hpp>

namespace authwatch {

std::string SourcePosition::to_json() const {
  nlohmann::json j{{"identity", identity}, {"offset", offset}, {"record", record}};
  if (!bookmark.empty()) j["bookmark"] = bookmark;
  return j.dump();
}

std::optional<SourcePosition> SourcePosition::from_json(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  SourcePosition p;
  try {
    p.identity = j.value("identity", std::string{});
    p.offset = j.value("offset", uint64_t{0});
    p.record = j.value("record", uint64_t{0});
    p.bookmark = j.value("bookmark", std::string{});
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return p;
}

}  // namespace authwatch

#pragma once
// Internal to storage/: a time column read back. Every table stores times as ISO 8601 text
// (format_iso8601); text that does not parse is a damaged row, named by the caller's row text.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <SQLiteCpp/Column.h>

#include "core/time.hpp"

namespace authwatch::storage {

inline TimePoint stored_time(const SQLite::Column& column, std::string_view row) {
  auto text = column.getString();
  auto t = parse_iso8601(text);
  if (!t) throw std::runtime_error(std::string(row) + ": stored time '" + text + "' is not ISO 8601");
  return *t;
}

inline std::optional<TimePoint> stored_optional_time(const SQLite::Column& column, std::string_view row) {
  if (column.isNull()) return std::nullopt;
  return stored_time(column, row);
}

}  // namespace authwatch::storage

#pragma once
// The times the core tests write their scenarios in: one start (T0) and ISO 8601 literals.
#include <stdexcept>
#include <string>

#include "core/time.hpp"

namespace authwatch::test {

// An ISO 8601 literal of the test itself; one that does not parse is a mistake in the test.
inline TimePoint at(const char* iso) {
  auto t = parse_iso8601(iso);
  if (!t) throw std::invalid_argument(std::string("not an ISO 8601 time: ") + iso);
  return *t;
}

// Where the incident, observer and link scenarios start.
inline const TimePoint T0 = at("2024-03-15T10:00:00Z");

}  // namespace authwatch::test

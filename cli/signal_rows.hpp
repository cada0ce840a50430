#pragma once
// Signals rendered the same way by `history` and `show`.
#include <vector>

#include "cli/output.hpp"
#include "storage/store.hpp"

namespace authwatch::cli {

// For scripts (CSV): every field whole. For people (a table): the time to the minute, the peer's
// address and name in one cell, the source by file name; the connector and mechanism are in the
// "why" words, `show` and --format json/csv.
Rows signal_rows(const std::vector<storage::StoredSignal>& signals, bool for_people = false);
nlohmann::json signal_json(const storage::StoredSignal& s, bool with_evidence);

}  // namespace authwatch::cli

#pragma once
// Signals rendered the same way by `history` and `show`.
#include <vector>

#include "cli/output.hpp"
#include "storage/store.hpp"

namespace authwatch::cli {

Rows signal_rows(const std::vector<storage::StoredSignal>& signals);
nlohmann::json signal_json(const storage::StoredSignal& s, bool with_evidence);

}  // namespace authwatch::cli

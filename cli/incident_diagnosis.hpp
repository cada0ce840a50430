#pragma once
// An incident's latest diagnosis as `show`, `links` and `report` give it: its latest probe run,
// diagnosed from the stored findings (the rules may have grown since the run: the diagnosis is
// always today's reading of what the probes saw then), with the causes its evidence names by itself
// (core/evidence_causes.hpp), run or no run.
#include <optional>
#include <vector>

#include "core/diagnosis.hpp"
#include "core/finding.hpp"
#include "storage/store.hpp"

namespace authwatch::cli {

struct StoredDiagnosis {
  std::optional<storage::ProbeRunRecord> run;
  std::vector<Finding> findings;  // of that run
  Diagnosis diagnosis;
};

StoredDiagnosis latest_diagnosis(storage::Store& store, int64_t incident_id, const std::vector<storage::StoredSignal>& signals);

}  // namespace authwatch::cli

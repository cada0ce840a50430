#include "cli/incident_diagnosis.hpp"

#include "core/evidence_causes.hpp"

namespace authwatch::cli {

StoredDiagnosis latest_diagnosis(storage::Store& store, int64_t incident_id, const std::vector<storage::StoredSignal>& signals) {
  StoredDiagnosis out;
  auto runs = store.probe_runs(incident_id, 1);
  if (!runs.empty()) {
    out.run = runs.front();
    out.findings = store.findings(out.run->id);
    out.diagnosis = diagnose(out.findings);
  }
  std::vector<Signal> faults;
  for (const auto& s : signals) faults.push_back(s.signal);
  add_named_causes(out.diagnosis, causes_named_by_signals(faults));
  return out;
}

}  // namespace authwatch::cli

#pragma once
// Runs a set of probes concurrently on one io_context with a small thread pool for blocking
// calls. Each probe has the per-probe deadline; one that has not finished by then (plus a
// short grace for its own error reporting) is reported as an error and abandoned.
#include <memory>
#include <string>
#include <vector>

#include "core/finding.hpp"
#include "core/time.hpp"
#include "probes/probe.hpp"

namespace authwatch::probes {

struct ProbeRunResult {
  TimePoint started{};
  TimePoint finished{};
  std::vector<Finding> findings;
};

// Runs discovery first when it is among the probes (it fills targets.dcs), then the rest at once.
ProbeRunResult run_probes(std::vector<std::unique_ptr<Probe>> probes, ProbeTargets targets, const ProbeSettings& settings);

}  // namespace authwatch::probes

#pragma once
// Runs a set of probes concurrently on one io_context with a small thread pool for blocking
// calls. Each probe has its budget (the per-probe deadline, plus the slow retry for the probes
// that retry silence: ports, ticket); one that has not finished by then (plus a short grace for
// its own error reporting) is reported as an error and abandoned. So a run is bounded: discovery
// (dns) first within deadline + grace, then the rest at once within deadline + slow_retry + grace
// — with the defaults 3 s + 0.3 s, then 3 s + 10 s + 0.3 s: 16.6 s at most (run_bound).
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

// The longest a run of `probes` can take: the discovery phase's budget + grace, then the others'.
std::chrono::milliseconds run_bound(const std::vector<std::unique_ptr<Probe>>& probes, const ProbeSettings& settings);

// Runs discovery first when it is among the probes (it fills targets.dcs), then the rest at once.
ProbeRunResult run_probes(std::vector<std::unique_ptr<Probe>> probes, ProbeTargets targets, const ProbeSettings& settings);

}  // namespace authwatch::probes

#pragma once
// The probes by name, as `authwatch probe --only` and the service select them.
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "probes/probe.hpp"

namespace authwatch::probes {

// "dns", "clock", "ports", "smtp"; empty = all. An unknown name is an Error naming it.
Result<std::vector<std::unique_ptr<Probe>>> make_probes(const std::vector<std::string>& names);
const std::vector<std::string>& probe_names();

// The worst status among findings: fail > error > warn > ok > skipped.
FindingStatus worst_status(const std::vector<Finding>& findings);

}  // namespace authwatch::probes

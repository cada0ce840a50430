#pragma once
// Causes the evidence names by itself, before any probe runs (docs/domain.md §10): Exchange's own
// message says why, as "451 5.7.3 Cannot load Internal Transport Certificate" does — no probe can
// see a server's certificate store from outside, and none needs to. They join the probes' causes in
// one ranked diagnosis. Pure: no I/O.
#include <vector>

#include "core/diagnosis.hpp"
#include "core/signal.hpp"

namespace authwatch {

// One cause per kind the faults name, its evidence the signals that name it. A single signal stands
// at 0.8; two or more independent records (a queue and a send log, say) at 0.9.
std::vector<Cause> causes_named_by_signals(const std::vector<Signal>& signals);

// The diagnosis with these causes among its own, most likely first.
void add_named_causes(Diagnosis& diagnosis, std::vector<Cause> causes);

}  // namespace authwatch

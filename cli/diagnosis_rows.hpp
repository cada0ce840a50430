#pragma once
// The diagnosis rendered the same way by `probe` (after its findings) and `show` (per incident).
#include <ostream>

#include "cli/output.hpp"
#include "core/diagnosis.hpp"

namespace authwatch::cli {

// rank, cause, target, confidence, fix.
Rows diagnosis_rows(const Diagnosis& d);
// The table ("No cause found." when there is none), why each cause, then the notes.
void print_diagnosis(std::ostream& out, const Diagnosis& d);

}  // namespace authwatch::cli

#include "cli/diagnosis_rows.hpp"

namespace authwatch::cli {

Rows diagnosis_rows(const Diagnosis& d) {
  Rows rows{{"rank", "cause", "target", "confidence", "fix"}, {}, /*details_from=*/4};
  int rank = 0;
  for (const auto& c : d.causes) rows.rows.push_back({std::to_string(++rank), c.cause, c.target, confidence_text(c.confidence), c.fix});
  return rows;
}

void print_diagnosis(std::ostream& out, const Diagnosis& d) {
  if (d.causes.empty()) {
    out << "No cause found.\n";
  } else {
    write_table(out, diagnosis_rows(d));
    out << "\nWhy\n";
    int rank = 0;
    for (const auto& c : d.causes) out << ++rank << ". " << c.summary << " (KB step: " << c.kb_step << ")\n";
  }
  if (d.notes.empty()) return;
  out << "\nNotes\n";
  for (const auto& n : d.notes)
    out << "- " << n.kind << ": " << n.probe << (n.target.empty() ? "" : " " + n.target) << ": " << n.text << '\n';
}

}  // namespace authwatch::cli

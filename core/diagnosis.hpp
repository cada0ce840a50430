#pragma once
// Diagnosis: the probes' Findings in, ranked causes of the 454 4.7.0 out. Each cause names the
// KB 979174 step it belongs to, the evidence it rests on (probe, target, values), the exact fix,
// and a confidence. The rules are data (core/diagnosis_rules.cpp); diagnose() only interprets
// them. Healthy findings give no cause; a probe that could not run gives an "unverified" note,
// never a cause. Pure: no I/O.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/finding.hpp"

namespace authwatch {

struct Cause {
  std::string cause;    // the vocabulary: cause_vocabulary()
  std::string kb_step;  // clock, replication, spn, ports, logging, connector
  std::string target;   // the DC, SPN, host, directory object or connector it is about
  // [{probe, target, status, role: shows|corroborates|contradicts, <evidence field>: value, ...}]
  nlohmann::json evidence = nlohmann::json::array();
  std::string fix;          // what to run, with the names filled in
  double confidence = 0;    // 0..1
  std::string summary;      // one line for people
};

struct DiagnosisNote {
  // unverified: a probe could not check (its finding is an error) — the cause it looks for is
  //             neither confirmed nor ruled out;
  // suspicious: a warning no cause explains; unexplained: a failure no rule explains;
  // next-step:  what to turn on to learn more (Kerberos logging).
  std::string kind;
  std::string probe;
  std::string target;
  std::string text;
};

struct Diagnosis {
  std::vector<Cause> causes;  // most likely first
  std::vector<DiagnosisNote> notes;
};

struct DiagnosisRules;
const DiagnosisRules& default_diagnosis_rules();

Diagnosis diagnose(const std::vector<Finding>& findings);
Diagnosis diagnose(const std::vector<Finding>& findings, const DiagnosisRules& rules);

// {"causes": [{rank, cause, kb_step, target, confidence, summary, fix, evidence}], "notes": [{kind, probe, target, text}]}
nlohmann::json to_json(const Diagnosis& d);

// Every `cause` value diagnose() can produce.
const std::vector<std::string_view>& cause_vocabulary();

}  // namespace authwatch

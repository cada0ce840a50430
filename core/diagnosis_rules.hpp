#pragma once
// The shape of the diagnosis table. A rule reads one finding of one probe and status; each match
// is a candidate cause with a confidence of its own. Modifiers look at the other findings: one
// that corroborates raises the confidence, one that contradicts caps it (0 drops the cause).
// A rule that `yields` is the vaguer reading of a fact another rule reads more precisely (a ticket
// refused for skew vs. a DC whose clock is 412 s off): it steps aside when its finding already
// corroborates a cause at least as confident. Templates take {name} from the match's vars.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/diagnosis.hpp"
#include "core/finding.hpp"

namespace authwatch {

// What one finding shows for one rule.
struct DiagnosisMatch {
  std::string target;              // what the cause is about
  std::vector<std::string> keys;   // names it concerns (DCs, SPNs, hosts, DNs), lower-case, for SharesKey
  nlohmann::json evidence = nlohmann::json::object();  // the values that show it
  std::map<std::string, std::string> vars;             // for the summary and fix templates
  std::string says;                // one line: what the finding shows ("dc2 clock +412 s (sntp)")
  std::vector<const Finding*> also_from;  // further findings the match rests on (cross-finding rules)
};

// Reads `finding` (whose probe and status the row already checked); `all` is the whole run.
using DiagnosisMatcher = std::vector<DiagnosisMatch> (*)(const Finding& finding, const std::vector<Finding>& all);

enum class Relation {
  AnyFinding,  // any finding the modifier matches
  SharesKey,   // one whose match names a key the cause's match names too
};

struct Modifier {
  enum class Effect { Corroborates, Contradicts };
  std::string_view probe;
  FindingStatus status;
  DiagnosisMatcher match;
  Relation relation;
  Effect effect;
  double confidence;  // Corroborates: at least this; Contradicts: at most this (0 = no cause)
};

struct DiagnosisRule {
  std::string_view name;
  std::string_view cause;
  std::string_view kb_step;
  std::string_view probe;
  FindingStatus status;
  DiagnosisMatcher match;
  double confidence;  // alone; 0 = only when corroborated
  std::vector<Modifier> modifiers;
  std::string_view summary;  // template
  std::string_view fix;      // template
  bool yields = false;
  // How many independent findings the matcher itself rests on (clock_this_server compares every
  // clock measured, so a match is already two targets): only such a row may start at 0.85 or more.
  int rests_on = 1;
};

// Below this a cause may rest on one finding; at or above it needs two independent findings
// (different probes, or different targets): diagnose() caps a lone finding's cause at
// kLoneFindingCeiling.
inline constexpr double kCorroboratedConfidence = 0.85;
inline constexpr double kLoneFindingCeiling = 0.8;

// Notes that are not about a fault: what to turn on to see more.
struct NoteRule {
  std::string_view kind;
  std::string_view probe;
  std::vector<FindingStatus> statuses;
  DiagnosisMatcher match;
  std::string_view text;  // template
  // Only while no cause reaches this confidence (advice is noise once the cause is clear).
  double unless_cause_at_least = 1.01;
};

// A check that could not run because of a cause already found (a DC 7 minutes off fails every
// Kerberos LDAP bind with "Clock skew too great"): its note names that cause and what to re-run.
// It applies to an error finding (or a warning's per-DC errors) that names the cause's target
// (any target for "this server") and whose error has one of `signs` (case-insensitive).
struct BlockedByRule {
  std::string_view cause;
  std::vector<std::string_view> signs;
};

struct DiagnosisRules {
  std::vector<DiagnosisRule> causes;
  std::vector<NoteRule> notes;
  std::vector<BlockedByRule> blocked_by;
};

// "{dc} is {offset} s" with vars {dc: "dc2", offset: "+412"}; an unknown {name} stays as written.
std::string render_template(std::string_view text, const std::map<std::string, std::string>& vars);

}  // namespace authwatch

// The interpreter of the diagnosis table: candidates from the rules, raised or capped by their
// modifiers, merged per (cause, target), vaguer readings folded into the causes they corroborate,
// then ranked. What no cause accounts for becomes a note, so nothing a probe saw is dropped silently.
#include "core/diagnosis.hpp"

#include <algorithm>
#include <cctype>
#include <exception>
#include <optional>
#include <set>

#include "core/ad_names.hpp"
#include "core/diagnosis_rules.hpp"
#include "core/text.hpp"

namespace authwatch {
namespace {

using json = nlohmann::json;

struct Candidate {
  const DiagnosisRule* rule = nullptr;
  const Finding* primary = nullptr;
  std::vector<const Finding*> corroborators;  // further findings it rests on (not the primary)
  Cause cause;
  size_t supports() const { return 1 + corroborators.size(); }
};

// KB 979174's order of steps: the tie-break between equally likely causes.
int step_order(std::string_view step) {
  static constexpr std::string_view kSteps[] = {"clock", "replication", "spn", "ports", "connector", "logging"};
  for (size_t i = 0; i < std::size(kSteps); ++i)
    if (kSteps[i] == step) return static_cast<int>(i);
  return static_cast<int>(std::size(kSteps));
}

// A matcher that meets evidence it cannot read (a stored finding from another version) reads it as
// "not shown"; the finding gets a note saying so.
std::vector<DiagnosisMatch> run_matcher(DiagnosisMatcher match, const Finding& f, const std::vector<Finding>& all,
                                        std::map<const Finding*, std::string>& unreadable) {
  try {
    return match(f, all);
  } catch (const std::exception& e) {
    unreadable.emplace(&f, e.what());
    return {};
  }
}

json evidence_item(const Finding& f, const json& values, std::string_view role) {
  json item = values.is_object() ? values : json::object();
  item["probe"] = f.probe;
  item["target"] = f.target;
  item["status"] = std::string(to_string(f.status));
  item["role"] = std::string(role);
  return item;
}

bool shares_key(const DiagnosisMatch& a, const DiagnosisMatch& b) {
  for (const auto& k : a.keys)
    if (std::find(b.keys.begin(), b.keys.end(), k) != b.keys.end()) return true;
  return false;
}

void add_unique(std::vector<const Finding*>& list, const Finding* f) {
  if (std::find(list.begin(), list.end(), f) == list.end()) list.push_back(f);
}

// Applies the rule's modifiers of one effect to a candidate; returns the sayings to append.
std::vector<std::string> apply_modifiers(Candidate& c, const DiagnosisMatch& m, Modifier::Effect effect,
                                         const std::vector<Finding>& all, std::map<const Finding*, std::string>& unreadable) {
  std::vector<std::string> sayings;
  for (const auto& mod : c.rule->modifiers) {
    if (mod.effect != effect) continue;
    for (const auto& g : all) {
      if (&g == c.primary || g.probe != mod.probe || g.status != mod.status) continue;
      if (std::find(c.corroborators.begin(), c.corroborators.end(), &g) != c.corroborators.end()) continue;
      for (const auto& other : run_matcher(mod.match, g, all, unreadable)) {
        if (mod.relation == Relation::SharesKey && !shares_key(m, other)) continue;
        if (effect == Modifier::Effect::Corroborates) {
          c.cause.confidence = std::max(c.cause.confidence, mod.confidence);
          add_unique(c.corroborators, &g);
          c.cause.evidence.push_back(evidence_item(g, other.evidence, "corroborates"));
          sayings.push_back(other.says);
        } else {
          c.cause.confidence = std::min(c.cause.confidence, mod.confidence);
          c.cause.evidence.push_back(evidence_item(g, other.evidence, "contradicts"));
          sayings.push_back("but " + other.says);
        }
        break;  // one reading per finding
      }
    }
  }
  return sayings;
}

// Findings about different things: another probe, or the same probe about another target.
size_t independent_findings(const Candidate& c) {
  std::set<std::pair<std::string, std::string>> seen;
  seen.emplace(c.primary->probe, to_lower(c.primary->target));
  for (const auto* f : c.corroborators) seen.emplace(f->probe, to_lower(f->target));
  return seen.size();
}

std::vector<Candidate> candidates(const std::vector<Finding>& findings, const DiagnosisRules& rules,
                                  std::map<const Finding*, std::string>& unreadable) {
  std::vector<Candidate> out;
  for (const auto& rule : rules.causes) {
    for (const auto& f : findings) {
      if (f.probe != rule.probe || f.status != rule.status) continue;
      for (const auto& m : run_matcher(rule.match, f, findings, unreadable)) {
        Candidate c;
        c.rule = &rule;
        c.primary = &f;
        c.corroborators = m.also_from;
        c.cause.cause = std::string(rule.cause);
        c.cause.kb_step = std::string(rule.kb_step);
        c.cause.target = m.target;
        c.cause.confidence = rule.confidence;
        c.cause.evidence.push_back(evidence_item(f, m.evidence, "shows"));
        auto said = apply_modifiers(c, m, Modifier::Effect::Corroborates, findings, unreadable);
        auto but = apply_modifiers(c, m, Modifier::Effect::Contradicts, findings, unreadable);
        // Confidence never exceeds its evidence: 0.85 and above take two independent findings.
        if (c.cause.confidence > kLoneFindingCeiling && independent_findings(c) < 2) c.cause.confidence = kLoneFindingCeiling;
        if (c.cause.confidence <= 0) continue;
        said.insert(said.end(), but.begin(), but.end());
        c.cause.summary = render_template(rule.summary, m.vars);
        for (const auto& s : said) c.cause.summary += "; " + s;
        c.cause.fix = render_template(rule.fix, m.vars);
        out.push_back(std::move(c));
      }
    }
  }
  return out;
}

// One cause per (cause, target): the most confident reading leads, the others add their evidence.
std::vector<Candidate> merge(std::vector<Candidate> in) {
  std::vector<Candidate> out;
  for (auto& c : in) {
    auto same = std::find_if(out.begin(), out.end(), [&](const Candidate& o) {
      return o.cause.cause == c.cause.cause && iequals(o.cause.target, c.cause.target);
    });
    if (same == out.end()) {
      out.push_back(std::move(c));
      continue;
    }
    if (c.cause.confidence > same->cause.confidence) std::swap(*same, c);
    for (const auto& item : c.cause.evidence)
      if (std::find(same->cause.evidence.begin(), same->cause.evidence.end(), item) == same->cause.evidence.end())
        same->cause.evidence.push_back(item);
    add_unique(same->corroborators, c.primary);
    for (const auto* f : c.corroborators) add_unique(same->corroborators, f);
    same->corroborators.erase(std::remove(same->corroborators.begin(), same->corroborators.end(), same->primary),
                              same->corroborators.end());
  }
  return out;
}

bool ranks_before(const Candidate& a, const Candidate& b) {
  if (a.cause.confidence != b.cause.confidence) return a.cause.confidence > b.cause.confidence;
  if (a.supports() != b.supports()) return a.supports() > b.supports();
  if (step_order(a.cause.kb_step) != step_order(b.cause.kb_step)) return step_order(a.cause.kb_step) < step_order(b.cause.kb_step);
  if (a.cause.cause != b.cause.cause) return a.cause.cause < b.cause.cause;
  return a.cause.target < b.cause.target;
}

// A yielding cause whose finding already supports a cause ranked at least as high is that cause's
// vaguer reading: it goes, its finding stays in the other's evidence.
std::vector<Candidate> fold_yielding(std::vector<Candidate> ranked) {
  std::vector<Candidate> kept;
  for (auto& c : ranked) {
    bool folded = c.rule->yields && std::any_of(kept.begin(), kept.end(), [&](const Candidate& k) {
                    return k.cause.confidence >= c.cause.confidence &&
                           (k.primary == c.primary ||
                            std::find(k.corroborators.begin(), k.corroborators.end(), c.primary) != k.corroborators.end());
                  });
    if (!folded) kept.push_back(std::move(c));
  }
  return kept;
}

// A finding no cause accounts for keeps its own remediation: the note is all that is shown of it.
std::string note_text(const Finding& f) {
  std::string text = f.summary;
  if (text.empty() && f.evidence.is_object() && f.evidence.contains("error") && f.evidence["error"].is_string())
    text = f.evidence["error"].get<std::string>();
  if (text.empty()) text = std::string(to_string(f.status));
  if (!f.remediation.empty()) text += ". What to do: " + f.remediation;
  return text;
}

// ---- checks a cause already found kept from running ------------------------------------------

// The errors a finding reports: every "error" (and the ticket's "message") string in its evidence
// (per DC, per reading), bounded, so hostile evidence cannot make this walk long.
void collect_errors(const json& j, int depth, std::vector<std::string>& out) {
  if (depth > 4 || out.size() >= 32) return;
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if ((key == "error" || key == "message") && value.is_string()) {
        if (out.size() < 32) out.push_back(value.get<std::string>());
      } else {
        collect_errors(value, depth + 1, out);
      }
    }
  } else if (j.is_array()) {
    for (const auto& value : j) collect_errors(value, depth + 1, out);
  }
}

// `name` as a whole word of `text` ("198.18.82.1" is not in "198.18.82.12"; "dc1" is in "dc1.lab.example").
bool names(std::string_view text, std::string_view name) {
  if (name.empty()) return false;
  auto part_of_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; };
  for (size_t at = ifind(text, name); at != std::string_view::npos;) {
    const size_t end = at + name.size();
    const bool starts = at == 0 || (!part_of_name(text[at - 1]) && text[at - 1] != '.');
    const bool ends = end >= text.size() || !part_of_name(text[end]);
    if (starts && ends) return true;
    const size_t next = ifind(text.substr(at + 1), name);
    at = next == std::string_view::npos ? next : at + 1 + next;
  }
  return false;
}

struct Blocker {
  size_t rank = 0;  // 1-based, as the causes are listed
  const Cause* cause = nullptr;
  std::string error;  // the error that shows it
};

// The highest-ranked cause that explains why `f` could not check: the finding is about the
// cause's target or its error names it, and the error reads like that cause.
std::optional<Blocker> blocker_of(const Finding& f, const std::vector<std::string>& errors, const std::vector<Cause>& causes,
                                  const DiagnosisRules& rules) {
  for (size_t i = 0; i < causes.size(); ++i) {
    const Cause& c = causes[i];
    for (const auto& rule : rules.blocked_by) {
      if (rule.cause != c.cause) continue;
      const bool everywhere = c.target == "this server";
      const std::string short_name = short_host(c.target);
      for (const auto& error : errors) {
        const bool about = everywhere || iequals(f.target, c.target) || names(error, c.target) ||
                           (!looks_like_ip(c.target) && short_name != c.target && names(error, short_name));
        const bool reads = std::any_of(rule.signs.begin(), rule.signs.end(), [&](std::string_view w) { return icontains(error, w); });
        if (about && reads) return Blocker{i + 1, &c, error};
      }
    }
  }
  return std::nullopt;
}

std::string rerun_command(const Finding& f, const Cause& c) {
  std::string command = "authwatch probe --only " + f.probe;
  if (c.target != "this server" && iequals(f.target, c.target)) command += " --dc " + f.target;
  return command;
}

std::string blocked_text(const Finding& f, const Blocker& b) {
  return "could not run because of " + b.cause->cause + " on " + b.cause->target + " (see cause " + std::to_string(b.rank) +
         "); re-run `" + rerun_command(f, *b.cause) + "` after fixing it. Its error: " + b.error;
}

}  // namespace

std::string render_template(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    auto open = text.find('{', i);
    auto close = open == std::string_view::npos ? open : text.find('}', open);
    if (close == std::string_view::npos) {
      out += text.substr(i);
      break;
    }
    out += text.substr(i, open - i);
    auto it = vars.find(std::string(text.substr(open + 1, close - open - 1)));
    out += it != vars.end() ? it->second : std::string(text.substr(open, close - open + 1));
    i = close + 1;
  }
  return out;
}

Diagnosis diagnose(const std::vector<Finding>& findings) { return diagnose(findings, default_diagnosis_rules()); }

Diagnosis diagnose(const std::vector<Finding>& findings, const DiagnosisRules& rules) {
  std::map<const Finding*, std::string> unreadable;
  auto merged = merge(candidates(findings, rules, unreadable));
  std::stable_sort(merged.begin(), merged.end(), ranks_before);
  auto ranked = fold_yielding(std::move(merged));

  Diagnosis d;
  std::set<const Finding*> used;
  double top = 0;
  for (auto& c : ranked) {
    used.insert(c.primary);
    used.insert(c.corroborators.begin(), c.corroborators.end());
    top = std::max(top, c.cause.confidence);
    d.causes.push_back(std::move(c.cause));
  }

  // A probe that could not check leaves its cause unverified; never a cause. When a cause found
  // explains why it could not, the note says so and what to re-run, instead of the probe's own
  // advice (which would send the administrator after ports and credentials).
  for (const auto& f : findings) {
    if (f.status != FindingStatus::Error) continue;
    std::vector<std::string> errors{f.summary};
    collect_errors(f.evidence, 0, errors);
    auto blocker = blocker_of(f, errors, d.causes, rules);
    d.notes.push_back({"unverified", f.probe, f.target, blocker ? blocked_text(f, *blocker) : note_text(f)});
  }
  for (const auto& [f, what] : unreadable)
    d.notes.push_back({"unverified", f->probe, f->target,
                       "its evidence is not in the shape probes/FINDINGS.md describes (" + what + ")"});
  for (const auto& f : findings)
    if (f.status == FindingStatus::Fail && !used.count(&f) && !unreadable.count(&f))
      d.notes.push_back({"unexplained", f.probe, f.target, note_text(f)});
  for (const auto& f : findings) {
    if (f.status != FindingStatus::Warn || used.count(&f)) continue;
    // A warning can be a check that ran only partly (one DC could not be read): its per-DC errors.
    std::vector<std::string> errors;
    collect_errors(f.evidence, 0, errors);
    auto blocker = blocker_of(f, errors, d.causes, rules);
    d.notes.push_back({"suspicious", f.probe, f.target, blocker ? f.summary + "; part of it " + blocked_text(f, *blocker) : note_text(f)});
  }
  for (const auto& rule : rules.notes) {
    if (top >= rule.unless_cause_at_least) continue;
    for (const auto& f : findings) {
      if (f.probe != rule.probe || std::find(rule.statuses.begin(), rule.statuses.end(), f.status) == rule.statuses.end()) continue;
      for (const auto& m : run_matcher(rule.match, f, findings, unreadable))
        d.notes.push_back({std::string(rule.kind), f.probe, f.target, render_template(rule.text, m.vars)});
    }
  }
  return d;
}

json to_json(const Diagnosis& d) {
  json causes = json::array();
  int rank = 0;
  for (const auto& c : d.causes)
    causes.push_back({{"rank", ++rank},
                      {"cause", c.cause},
                      {"kb_step", c.kb_step},
                      {"target", c.target},
                      {"confidence", c.confidence},
                      {"summary", c.summary},
                      {"fix", c.fix},
                      {"evidence", c.evidence}});
  json notes = json::array();
  for (const auto& n : d.notes) notes.push_back({{"kind", n.kind}, {"probe", n.probe}, {"target", n.target}, {"text", n.text}});
  return {{"causes", causes}, {"notes", notes}};
}

}  // namespace authwatch

// The interpreter of the diagnosis table: candidates from the rules, raised or capped by their
// modifiers, merged per (cause, target), vaguer readings folded into the causes they corroborate,
// then ranked. What no cause accounts for becomes a note, so nothing a probe saw is dropped silently.
#include "core/diagnosis.hpp"

#include <algorithm>
#include <exception>
#include <set>

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

  // A probe that could not check leaves its cause unverified; never a cause.
  for (const auto& f : findings)
    if (f.status == FindingStatus::Error) d.notes.push_back({"unverified", f.probe, f.target, note_text(f)});
  for (const auto& [f, what] : unreadable)
    d.notes.push_back({"unverified", f->probe, f->target,
                       "its evidence is not in the shape probes/FINDINGS.md describes (" + what + ")"});
  for (const auto& f : findings)
    if (f.status == FindingStatus::Fail && !used.count(&f) && !unreadable.count(&f))
      d.notes.push_back({"unexplained", f.probe, f.target, note_text(f)});
  for (const auto& f : findings)
    if (f.status == FindingStatus::Warn && !used.count(&f)) d.notes.push_back({"suspicious", f.probe, f.target, note_text(f)});
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

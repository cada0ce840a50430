#include "sources/event_selection.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace authwatch::sources {

EventSelection EventSelection::of(const DetectionRules& rules) {
  EventSelection selection;
  for (const auto& rule : rules.event_log)
    for (auto provider : rule.providers) selection.add(std::string(provider), rule.event_id);
  return selection;
}

void EventSelection::add(std::string provider, uint32_t event_id) {
  for (const auto& w : wanted_)
    if (w.event_id == event_id && iequals(w.provider, provider)) return;
  wanted_.push_back({std::move(provider), event_id});
}

bool EventSelection::matches(std::string_view provider, uint32_t event_id) const {
  if (wanted_.empty()) return true;
  return std::any_of(wanted_.begin(), wanted_.end(),
                     [&](const Wanted& w) { return w.event_id == event_id && iequals(w.provider, provider); });
}

namespace {

// XPath 1.0 string literal: names with an apostrophe are quoted with '"'.
std::string literal(std::string_view text) {
  const char quote = text.find('\'') == std::string_view::npos ? '\'' : '"';
  return quote + std::string(text) + quote;
}

}  // namespace

std::string evtx_query_xpath(const EventSelection& selection, uint64_t after) {
  const std::string after_clause = after == 0 ? "" : "EventRecordID>" + std::to_string(after);
  if (selection.selects_everything()) return after == 0 ? "*" : "*[System[" + after_clause + "]]";

  // Providers that share their event ids share one clause: (Provider[...] and (EventID=...)).
  std::vector<std::pair<std::string, std::vector<uint32_t>>> ids_by_provider;
  for (const auto& w : selection.wanted()) {
    auto it = std::find_if(ids_by_provider.begin(), ids_by_provider.end(),
                           [&](const auto& entry) { return iequals(entry.first, w.provider); });
    if (it == ids_by_provider.end()) it = ids_by_provider.insert(ids_by_provider.end(), {w.provider, {}});
    if (std::find(it->second.begin(), it->second.end(), w.event_id) == it->second.end()) it->second.push_back(w.event_id);
  }
  std::vector<std::pair<std::vector<std::string>, std::vector<uint32_t>>> clauses;
  for (auto& entry : ids_by_provider) {
    auto& ids = entry.second;  // not a structured binding: clang 14 cannot capture those
    std::sort(ids.begin(), ids.end());
    auto it = std::find_if(clauses.begin(), clauses.end(), [&](const auto& c) { return c.second == ids; });
    if (it == clauses.end()) it = clauses.insert(clauses.end(), {{}, ids});
    it->first.push_back(entry.first);
  }
  std::string events;
  for (const auto& [providers, ids] : clauses) {
    if (!events.empty()) events += " or ";
    events += "(Provider[";
    for (size_t i = 0; i < providers.size(); ++i) events += (i ? " or @Name=" : "@Name=") + literal(providers[i]);
    events += "] and (";
    for (size_t i = 0; i < ids.size(); ++i) events += (i ? " or EventID=" : "EventID=") + std::to_string(ids[i]);
    events += "))";
  }
  return "*[System[(" + events + ")" + (after == 0 ? "" : " and " + after_clause) + "]]";
}

}  // namespace authwatch::sources

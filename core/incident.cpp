#include "core/incident.hpp"

#include <algorithm>

#include "core/ad_names.hpp"
#include "core/observer.hpp"
#include "core/text.hpp"

namespace authwatch {

std::string_view to_string(IncidentStatus s) { return s == IncidentStatus::Open ? "open" : "resolved"; }

bool parse_incident_status(std::string_view text, IncidentStatus& out) {
  if (text == "open") { out = IncidentStatus::Open; return true; }
  if (text == "resolved") { out = IncidentStatus::Resolved; return true; }
  return false;
}

std::string_view to_string(IncidentChange::Kind k) {
  switch (k) {
    case IncidentChange::Kind::Opened: return "opened";
    case IncidentChange::Kind::Extended: return "extended";
    case IncidentChange::Kind::DiagnoseRequested: return "diagnose-requested";
    case IncidentChange::Kind::Resolved: return "resolved";
    case IncidentChange::Kind::Merged: return "merged";
  }
  return "unknown";
}

namespace {

bool names_the_peer(const Incident& inc, const Signal& s) {
  if (s.peer_name.empty() && s.peer_ip.empty()) return false;
  if (!s.peer_ip.empty() && s.peer_ip == inc.peer) return true;
  for (const std::string& mine : {inc.peer_name, inc.peer}) {
    if (mine.empty() || s.peer_name.empty() || looks_like_ip(mine)) continue;
    if (iequals(mine, s.peer_name) || iequals(short_host(mine), short_host(s.peer_name))) return true;
  }
  return false;
}

// Two observers that are both known by name and are not the same server.
bool other_observer(const Incident& inc, const Signal& s) {
  if (inc.observer.empty() || s.observer.empty() || looks_like_ip(inc.observer)) return false;
  return observer_key(inc.observer) != observer_key(s.observer);
}

}  // namespace

int64_t incident_for_context(const std::vector<Incident>& incidents, const Signal& s, const IncidentPolicy& policy) {
  const Incident* best = nullptr;
  bool best_named = false;
  for (const auto& inc : incidents) {
    if (inc.id == 0 || other_observer(inc, s)) continue;
    if (s.time + policy.quiet_period < inc.first_seen || s.time > inc.last_seen + policy.quiet_period) continue;
    const bool named = names_the_peer(inc, s);
    if (!best || (named && !best_named) || (named == best_named && inc.first_seen > best->first_seen)) {
      best = &inc;
      best_named = named;
    }
  }
  return best ? best->id : 0;
}

IncidentTracker::IncidentTracker(IncidentPolicy policy, const Clock& clock) : policy_(policy), clock_(clock) {}

IncidentTracker::Key IncidentTracker::key_of(const Incident& inc) {
  return {inc.direction, inc.peer, inc.peer_context, observer_key(inc.observer)};
}

std::string IncidentTracker::observer_key_of(const Signal& s) const {
  if (!s.observer.empty()) return observer_key(s.observer);
  if (auto it = observer_name_by_ip_.find(s.observer_ip); it != observer_name_by_ip_.end()) return observer_key(it->second);
  return observer_key({}, s.observer_ip);
}

std::string IncidentTracker::observer_shown(const Signal& s) const {
  if (!s.observer.empty()) return s.observer;
  if (auto it = observer_name_by_ip_.find(s.observer_ip); it != observer_name_by_ip_.end()) return it->second;
  return s.observer_ip;
}

void IncidentTracker::restore(const std::vector<Incident>& incidents) {
  for (const auto& inc : incidents) {
    const Key key = key_of(inc);
    const bool known = std::any_of(episodes_.lower_bound(key), episodes_.upper_bound(key),
                                   [&](const auto& e) { return e.second.id != 0 && e.second.id == inc.id; });
    if (!known) episodes_.emplace(key, inc);
    if (!inc.peer_name.empty() && looks_like_ip(inc.peer)) ip_by_name_[to_lower(inc.peer_name)] = inc.peer;
  }
}

// The address a host name was seen with: by its full name, else by its short name when exactly one
// address goes with it ("EX2" in a 2003 event, "ex2.contoso.com" in the queue).
std::optional<std::string> IncidentTracker::ip_for_name(const std::string& name) const {
  if (auto it = ip_by_name_.find(name); it != ip_by_name_.end()) return it->second;
  const std::string mine = short_host(name);
  std::optional<std::string> found;
  for (const auto& [known, ip] : ip_by_name_) {
    if (short_host(known) != mine) continue;
    if (found && *found != ip) return std::nullopt;  // two servers of that short name: no guess
    found = ip;
  }
  return found;
}

std::string IncidentTracker::peer_key(const Signal& s) const {
  // A signal that names the peer only by host (events 2003, 2017, a send log without its banner)
  // joins the incident keyed by the address another signal tied to that name.
  if (!s.peer_ip.empty()) return s.peer_ip;
  if (s.peer_name.empty()) return std::string(kUnknownPeer);
  auto name = to_lower(s.peer_name);
  if (auto ip = ip_for_name(name)) return *ip;
  return name;
}

bool IncidentTracker::covers(const Incident& inc, TimePoint t) const {
  return t + policy_.quiet_period >= inc.first_seen && t <= inc.last_seen + policy_.quiet_period;
}

IncidentTracker::Episodes::iterator IncidentTracker::open_episode(const Key& key) {
  for (auto [it, end] = episodes_.equal_range(key); it != end; ++it)
    if (it->second.status == IncidentStatus::Open) return it;
  return episodes_.end();
}

IncidentTracker::Episodes::iterator IncidentTracker::episode_at(const Key& key, TimePoint t) {
  if (auto open = open_episode(key); open != episodes_.end() && covers(open->second, t)) return open;
  for (auto [it, end] = episodes_.equal_range(key); it != end; ++it)
    if (covers(it->second, t)) return it;
  return episodes_.end();
}

// The episode opened under this host name (full or short) that covers `t`, if exactly one does.
IncidentTracker::Episodes::iterator IncidentTracker::episode_by_name_at(Direction direction, const std::string& name, TimePoint t,
                                                                       const std::string& observer) {
  if (auto exact = episode_at({direction, name, "", observer}, t); exact != episodes_.end()) return exact;
  const std::string mine = short_host(name);
  auto found = episodes_.end();
  for (auto it = episodes_.begin(); it != episodes_.end(); ++it) {
    const auto& k = it->first;
    if (k.direction != direction || k.observer != observer || !k.context.empty() || looks_like_ip(k.peer) || k.peer == kUnknownPeer)
      continue;
    if (short_host(k.peer) != mine || !covers(it->second, t)) continue;
    if (found != episodes_.end()) return episodes_.end();  // ambiguous
    found = it;
  }
  return found;
}

// A signal with both a name and an address ties them: an episode opened under the name continues
// under the address, and when both have one, they are one outage and merge into the address's.
std::vector<IncidentChange> IncidentTracker::tie_name_to_address(const Signal& s, const Key& key) {
  std::vector<IncidentChange> changes;
  if (s.peer_ip.empty() || s.peer_name.empty()) return changes;
  const auto name = to_lower(s.peer_name);
  ip_by_name_[name] = s.peer_ip;
  auto by_name = episode_by_name_at(s.direction, name, s.time, key.observer);
  if (by_name == episodes_.end()) return changes;
  auto by_address = episode_at(key, s.time);
  if (by_address == episodes_.end()) {
    if (by_name->second.status == IncidentStatus::Open && open_episode(key) != episodes_.end()) return changes;
    auto node = episodes_.extract(by_name);
    node.key() = key;
    node.mapped().peer = key.peer;
    if (node.mapped().peer_name.empty()) node.mapped().peer_name = s.peer_name;
    episodes_.insert(std::move(node));
    return changes;
  }
  Incident absorbed = by_name->second;
  Incident& stays = by_address->second;
  stays.first_seen = std::min(stays.first_seen, absorbed.first_seen);
  stays.last_seen = std::max(stays.last_seen, absorbed.last_seen);
  stays.signal_count += absorbed.signal_count;
  if (stays.peer_name.empty()) stays.peer_name = s.peer_name;
  if (absorbed.status == IncidentStatus::Open) stays.status = IncidentStatus::Open;
  if (stays.status == IncidentStatus::Resolved) stays.resolved_at = stays.last_seen + policy_.quiet_period;
  else stays.resolved_at.reset();
  if (absorbed.last_diagnosis_at && (!stays.last_diagnosis_at || *absorbed.last_diagnosis_at > *stays.last_diagnosis_at))
    stays.last_diagnosis_at = absorbed.last_diagnosis_at;
  episodes_.erase(by_name);
  changes.push_back({IncidentChange::Kind::Merged, stays, absorbed});
  return changes;
}

void IncidentTracker::extend(Incident& inc, const Signal& s) {
  inc.first_seen = std::min(inc.first_seen, s.time);
  inc.last_seen = std::max(inc.last_seen, s.time);
  inc.signal_count += 1;
  if (inc.peer_name.empty()) inc.peer_name = s.peer_name;
  inc.observer = better_observer_name(inc.observer, s.observer);
  if (inc.status == IncidentStatus::Resolved) inc.resolved_at = inc.last_seen + policy_.quiet_period;
}

std::vector<IncidentChange> IncidentTracker::on_signal(const Signal& s) {
  std::vector<IncidentChange> changes;
  if (s.signal_class != SignalClass::Fault) return changes;
  const TimePoint now = clock_.now();
  if (!s.observer.empty() && !s.observer_ip.empty())
    observer_name_by_ip_[s.observer_ip] = better_observer_name(observer_name_by_ip_[s.observer_ip], s.observer);
  const std::string peer = peer_key(s);
  const Key key{s.direction, peer, peer == kUnknownPeer ? s.peer_context : std::string(), observer_key_of(s)};
  changes = tie_name_to_address(s, key);
  const bool fresh = now - s.time < policy_.quiet_period;

  if (!fresh) {
    // Old evidence joins the episode it belongs to, open or resolved, or is an episode of its own
    // that is over already: it never opens an open incident, never asks for probes.
    if (auto it = episode_at(key, s.time); it != episodes_.end()) {
      extend(it->second, s);
      changes.push_back({IncidentChange::Kind::Extended, it->second});
      return changes;
    }
    Incident past;
    past.direction = s.direction;
    past.peer = key.peer;
    past.peer_context = key.context;
    past.peer_name = s.peer_name;
    past.observer = observer_shown(s);
    past.status = IncidentStatus::Resolved;
    past.first_seen = past.last_seen = s.time;
    past.signal_count = 1;
    past.resolved_at = s.time + policy_.quiet_period;
    changes.push_back({IncidentChange::Kind::Opened, episodes_.emplace(key, past)->second});
    return changes;
  }

  if (auto it = open_episode(key); it != episodes_.end()) {
    Incident& cur = it->second;
    if (s.time > cur.last_seen + policy_.quiet_period) {
      // The open episode went quiet before this signal: it ended, a new one starts.
      cur.status = IncidentStatus::Resolved;
      cur.resolved_at = cur.last_seen + policy_.quiet_period;
      changes.push_back({IncidentChange::Kind::Resolved, cur});
    } else {
      extend(cur, s);
      changes.push_back({IncidentChange::Kind::Extended, cur});
      if (!cur.last_diagnosis_at || now - *cur.last_diagnosis_at >= policy_.diagnose_cooldown) {
        cur.last_diagnosis_at = now;
        changes.push_back({IncidentChange::Kind::DiagnoseRequested, cur});
      }
      return changes;
    }
  }

  Incident inc;
  inc.direction = s.direction;
  inc.peer = peer;
  inc.peer_context = key.context;
  inc.peer_name = s.peer_name;
  inc.observer = observer_shown(s);
  inc.first_seen = inc.last_seen = s.time;
  inc.signal_count = 1;
  inc.last_diagnosis_at = now;
  const Incident& stored = episodes_.emplace(key, inc)->second;
  changes.push_back({IncidentChange::Kind::Opened, stored});
  changes.push_back({IncidentChange::Kind::DiagnoseRequested, stored});
  return changes;
}

std::vector<IncidentChange> IncidentTracker::tick() {
  std::vector<IncidentChange> changes;
  const TimePoint now = clock_.now();
  for (auto& [key, inc] : episodes_) {
    if (inc.status == IncidentStatus::Open && now - inc.last_seen >= policy_.quiet_period) {
      inc.status = IncidentStatus::Resolved;
      inc.resolved_at = inc.last_seen + policy_.quiet_period;
      changes.push_back({IncidentChange::Kind::Resolved, inc});
    }
  }
  return changes;
}

void IncidentTracker::set_id(const Incident& opened, int64_t id) {
  for (auto [it, end] = episodes_.equal_range(key_of(opened)); it != end; ++it) {
    if (it->second.id == 0 && it->second.first_seen == opened.first_seen && it->second.status == opened.status) {
      it->second.id = id;
      return;
    }
  }
}

const Incident* IncidentTracker::find(Direction direction, const std::string& peer, const std::string& peer_context,
                                      const std::string& observer) const {
  for (auto [it, end] = episodes_.equal_range({direction, peer, peer_context, observer_key(observer)}); it != end; ++it)
    if (it->second.status == IncidentStatus::Open) return &it->second;
  return nullptr;
}

std::vector<Incident> IncidentTracker::open_incidents() const {
  std::vector<Incident> out;
  for (const auto& [_, inc] : episodes_)
    if (inc.status == IncidentStatus::Open) out.push_back(inc);
  return out;
}

std::vector<Incident> IncidentTracker::known_incidents() const {
  std::vector<Incident> out;
  for (const auto& [_, inc] : episodes_) out.push_back(inc);
  return out;
}

}  // namespace authwatch

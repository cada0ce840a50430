#include "core/incident.hpp"

#include "core/ad_names.hpp"
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

}  // namespace

int64_t incident_for_context(const std::vector<Incident>& open, const Signal& s, const IncidentPolicy& policy) {
  const Incident* best = nullptr;
  bool best_named = false;
  for (const auto& inc : open) {
    if (inc.id == 0 || inc.status != IncidentStatus::Open) continue;
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

void IncidentTracker::restore(const std::vector<Incident>& open_incidents) {
  for (const auto& inc : open_incidents) {
    if (inc.status != IncidentStatus::Open) continue;
    open_[{inc.direction, inc.peer}] = inc;
    if (!inc.peer_name.empty() && looks_like_ip(inc.peer)) ip_by_name_[to_lower(inc.peer_name)] = inc.peer;
  }
}

std::string IncidentTracker::peer_key(const Signal& s) {
  // A signal that names the peer only by host (event 2003, 2017) joins the incident keyed by the
  // IP address that another signal (a queue LastError with {FQDN=..};{IP=..}) tied to that name.
  if (!s.peer_ip.empty()) {
    if (!s.peer_name.empty()) ip_by_name_[to_lower(s.peer_name)] = s.peer_ip;
    return s.peer_ip;
  }
  auto name = to_lower(s.peer_name);
  if (auto it = ip_by_name_.find(name); it != ip_by_name_.end()) return it->second;
  return name;
}

std::vector<IncidentChange> IncidentTracker::on_signal(const Signal& s) {
  std::vector<IncidentChange> changes;
  if (s.signal_class != SignalClass::Fault) return changes;
  const TimePoint now = clock_.now();
  const std::string peer = peer_key(s);
  const Key key{s.direction, peer};
  if (!s.peer_ip.empty() && !s.peer_name.empty()) {
    // An episode opened under the peer's name continues under its address once both are known.
    auto by_name = open_.find({s.direction, to_lower(s.peer_name)});
    if (by_name != open_.end() && !open_.count(key)) {
      auto node = open_.extract(by_name);
      node.key() = key;
      node.mapped().peer = peer;
      if (node.mapped().peer_name.empty()) node.mapped().peer_name = s.peer_name;
      open_.insert(std::move(node));
    }
  }
  const bool fresh = now - s.time < policy_.quiet_period;

  auto it = open_.find(key);
  if (it != open_.end()) {
    Incident& cur = it->second;
    if (s.time > cur.last_seen + policy_.quiet_period) {
      // The open episode went quiet before this signal: it ended, a new one starts.
      cur.status = IncidentStatus::Resolved;
      cur.resolved_at = cur.last_seen + policy_.quiet_period;
      changes.push_back({IncidentChange::Kind::Resolved, cur});
      open_.erase(it);
      it = open_.end();
    } else if (s.time + policy_.quiet_period < cur.first_seen) {
      // A late signal from an episode that had ended before the open one began.
      Incident past;
      past.direction = s.direction;
      past.peer = peer;
      past.peer_name = s.peer_name;
      past.status = IncidentStatus::Resolved;
      past.first_seen = past.last_seen = s.time;
      past.signal_count = 1;
      past.resolved_at = s.time + policy_.quiet_period;
      changes.push_back({IncidentChange::Kind::Opened, past});
      return changes;
    } else {
      cur.first_seen = std::min(cur.first_seen, s.time);
      cur.last_seen = std::max(cur.last_seen, s.time);
      cur.signal_count += 1;
      if (cur.peer_name.empty()) cur.peer_name = s.peer_name;
      changes.push_back({IncidentChange::Kind::Extended, cur});
      if (fresh && (!cur.last_diagnosis_at || now - *cur.last_diagnosis_at >= policy_.diagnose_cooldown)) {
        cur.last_diagnosis_at = now;
        changes.push_back({IncidentChange::Kind::DiagnoseRequested, cur});
      }
      return changes;
    }
  }

  Incident inc;
  inc.direction = s.direction;
  inc.peer = peer;
  inc.peer_name = s.peer_name;
  inc.first_seen = inc.last_seen = s.time;
  inc.signal_count = 1;
  // Offline triage of old logs records the episode (tick() resolves it) but must not probe.
  if (fresh) inc.last_diagnosis_at = now;
  auto& stored = open_[key] = inc;
  changes.push_back({IncidentChange::Kind::Opened, stored});
  if (fresh) changes.push_back({IncidentChange::Kind::DiagnoseRequested, stored});
  return changes;
}

std::vector<IncidentChange> IncidentTracker::tick() {
  std::vector<IncidentChange> changes;
  const TimePoint now = clock_.now();
  for (auto it = open_.begin(); it != open_.end();) {
    if (now - it->second.last_seen >= policy_.quiet_period) {
      it->second.status = IncidentStatus::Resolved;
      it->second.resolved_at = it->second.last_seen + policy_.quiet_period;
      changes.push_back({IncidentChange::Kind::Resolved, it->second});
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
  return changes;
}

void IncidentTracker::set_id(Direction direction, const std::string& peer, int64_t id) {
  if (auto it = open_.find({direction, peer}); it != open_.end()) it->second.id = id;
}

const Incident* IncidentTracker::find(Direction direction, const std::string& peer) const {
  auto it = open_.find({direction, peer});
  return it == open_.end() ? nullptr : &it->second;
}

std::vector<Incident> IncidentTracker::open_incidents() const {
  std::vector<Incident> out;
  for (const auto& [_, inc] : open_) out.push_back(inc);
  return out;
}

}  // namespace authwatch

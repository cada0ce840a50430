#pragma once
// Incidents: one per (observer, direction, peer) fault episode. The first fault signal opens one, later
// signals extend it, a quiet period resolves it; diagnosis is requested on open and at most
// once per cooldown. Pure state machine: time comes from a Clock, ids from storage.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/signal.hpp"

namespace authwatch {

enum class IncidentStatus { Open, Resolved };
std::string_view to_string(IncidentStatus s);
bool parse_incident_status(std::string_view text, IncidentStatus& out);

struct Incident {
  int64_t id = 0;  // 0 until storage assigned one
  Direction direction = Direction::Inbound;
  std::string peer;       // IP address when known, else the lower-cased host name, else "unknown"
  std::string peer_name;  // a host name seen for the peer, when known
  // For an unknown peer: where the failure was seen (the queue and its next hop), which keeps
  // unrelated queues' incidents apart. Empty when the peer is known.
  std::string peer_context;
  // The server whose evidence it is (core/observer.hpp): its FQDN when known, else its short name,
  // else its address; "" when the evidence does not say. Part of what an incident is: EX1's
  // outbound failures to EX3 and EX2's are two incidents, also in one database.
  std::string observer;
  IncidentStatus status = IncidentStatus::Open;
  TimePoint first_seen{};
  TimePoint last_seen{};
  int64_t signal_count = 0;
  std::optional<TimePoint> resolved_at;
  std::optional<TimePoint> last_diagnosis_at;  // wall-clock time of the last diagnose request
};

struct IncidentPolicy {
  std::chrono::seconds quiet_period{30 * 60};       // no signal for this long resolves
  std::chrono::seconds diagnose_cooldown{10 * 60};  // at most one diagnose request per this
};

struct IncidentChange {
  // Merged: one signal tied a name to an address, and the incident opened under the name joins
  // the one opened under the address (one outage, one incident): `incident` is the one that stays,
  // `absorbed` the one whose signals, runs and alerts move to it.
  enum class Kind { Opened, Extended, DiagnoseRequested, Resolved, Merged };
  Kind kind;
  Incident incident;  // the incident after the change
  std::optional<Incident> absorbed = std::nullopt;
};
std::string_view to_string(IncidentChange::Kind k);

// The incident a Context signal (a Kerberos error from the System log, docs/domain.md §1.6) belongs
// to: of those whose episode, widened by the quiet period on both sides, covers the signal's time
// (open, or resolved: the System log of an old outage explains it too), the one whose peer is the
// host the signal names (full or short name), else the latest to open. 0 when none does. Direction
// is not compared: the receiver of an Exchange-authenticated session is also a Kerberos client of
// the sender (docs/domain.md §3). The observer is: one server's System log explains only its own
// incidents (unless either side is known by its address only, which cannot be compared to a name).
int64_t incident_for_context(const std::vector<Incident>& incidents, const Signal& signal, const IncidentPolicy& policy);

class IncidentTracker {
 public:
  IncidentTracker(IncidentPolicy policy, const Clock& clock);

  // Resume with incidents from storage (they carry their ids): the open ones, and resolved ones
  // that old signals may still extend (their episodes are looked up, never reopened).
  void restore(const std::vector<Incident>& incidents);

  // Feeds one signal (noise and context are ignored: return nothing). Changes come in order: a
  // Resolved for the previous episode when this signal comes after its quiet period, a Merged
  // when the signal ties a name to an address both of which have an open incident, then Opened or
  // Extended for the incident the signal belongs to, then DiagnoseRequested when due.
  // Old evidence (older than the quiet period by the clock) never opens an open incident and never
  // asks for a diagnosis: it joins the episode it belongs to, or makes one that is resolved from
  // the start (triaging last month's logs must neither alert nor probe today's network).
  std::vector<IncidentChange> on_signal(const Signal& signal);

  // Resolves open incidents whose quiet period has passed by the clock.
  std::vector<IncidentChange> tick();

  // Storage assigned an id to an Opened incident (the one this change carries).
  void set_id(const Incident& opened, int64_t id);

  const Incident* find(Direction direction, const std::string& peer, const std::string& peer_context = {},
                       const std::string& observer = {}) const;
  std::vector<Incident> open_incidents() const;
  // Every episode the tracker holds: the open ones and the resolved ones restored or made.
  std::vector<Incident> known_incidents() const;
  const IncidentPolicy& policy() const { return policy_; }

 private:
  struct Key {
    Direction direction;
    std::string peer;
    std::string context;
    std::string observer;  // observer_key() of the incident's observer
    auto operator<=>(const Key&) const = default;
  };
  using Episodes = std::multimap<Key, Incident>;
  static Key key_of(const Incident& inc);
  std::string peer_key(const Signal& signal) const;
  // The observer a signal is keyed by, and the name its incident shows.
  std::string observer_key_of(const Signal& signal) const;
  std::string observer_shown(const Signal& signal) const;
  std::optional<std::string> ip_for_name(const std::string& name) const;
  bool covers(const Incident& inc, TimePoint t) const;
  Episodes::iterator open_episode(const Key& key);
  // The episode under `key` whose widened window covers `t`, the open one first.
  Episodes::iterator episode_at(const Key& key, TimePoint t);
  Episodes::iterator episode_by_name_at(Direction direction, const std::string& name, TimePoint t, const std::string& observer);
  std::vector<IncidentChange> tie_name_to_address(const Signal& signal, const Key& key);
  void extend(Incident& inc, const Signal& signal);

  IncidentPolicy policy_;
  const Clock& clock_;
  // Every episode by key: at most one open per key, and the resolved ones old signals may extend.
  Episodes episodes_;
  std::map<std::string, std::string> ip_by_name_;  // lower-case host name -> IP, from signals with both
  // An observer's own address -> its name, from signals with both (a send log's local end and the
  // EHLO it sent): a later signal known by the address only joins the same observer's incidents.
  std::map<std::string, std::string> observer_name_by_ip_;
};

}  // namespace authwatch

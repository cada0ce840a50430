#pragma once
// Incidents: one per (direction, peer) fault episode. The first fault signal opens one, later
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
  std::string peer;       // IP address when known, else the lower-cased host / next hop
  std::string peer_name;  // a host name seen for the peer, when known
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
  enum class Kind { Opened, Extended, DiagnoseRequested, Resolved };
  Kind kind;
  Incident incident;  // the incident after the change
};
std::string_view to_string(IncidentChange::Kind k);

// The open incident a Context signal (a Kerberos error from the System log, DOMAIN.md §1.6)
// belongs to: of those whose episode, widened by the quiet period on both sides, covers the
// signal's time, the one whose peer is the host the signal names (full or short name), else
// the latest to open. 0 when none does. Direction is not compared: the receiver of an
// Exchange-authenticated session is also a Kerberos client of the sender (DOMAIN.md §3).
int64_t incident_for_context(const std::vector<Incident>& open, const Signal& signal, const IncidentPolicy& policy);

class IncidentTracker {
 public:
  IncidentTracker(IncidentPolicy policy, const Clock& clock);

  // Resume with the open incidents from storage (they carry their ids).
  void restore(const std::vector<Incident>& open_incidents);

  // Feeds one signal (noise is ignored: returns nothing). Changes come in order: a Resolved for
  // the previous episode when this signal comes after its quiet period, then Opened or Extended
  // for the incident the signal belongs to, then DiagnoseRequested when due. A signal older than
  // the open episode by more than the quiet period is its own, already resolved, episode.
  // Diagnosis is requested only for fresh signals (younger than the quiet period by the clock):
  // triaging last month's logs must not probe today's network.
  std::vector<IncidentChange> on_signal(const Signal& signal);

  // Resolves open incidents whose quiet period has passed by the clock.
  std::vector<IncidentChange> tick();

  // Storage assigned an id to an Opened incident.
  void set_id(Direction direction, const std::string& peer, int64_t id);

  const Incident* find(Direction direction, const std::string& peer) const;
  std::vector<Incident> open_incidents() const;
  const IncidentPolicy& policy() const { return policy_; }

 private:
  using Key = std::pair<Direction, std::string>;
  std::string peer_key(const Signal& signal);

  IncidentPolicy policy_;
  const Clock& clock_;
  std::map<Key, Incident> open_;
  std::map<std::string, std::string> ip_by_name_;  // host name -> IP, learned from signals with both
};

}  // namespace authwatch

#pragma once
// Links between servers (issue 14): one per directed pair. A link from -> to is broken when `from`
// failed to authenticate to `to` (an outbound incident observed by `from`) or `to` rejected `from`
// (an inbound incident observed by `to`). KB 979174 always involves both: the sender's queue and
// send log on one side, the receiver's 1035 and receive log on the other, usually in two databases.
//
// Peers are resolved to observers by address, FQDN or short name across everything given: each
// observer's own names and addresses (a send log's local end with the EHLO it sent, a monitor's
// detected identity), and the peers' names and addresses their incidents tie together. Pure.
#include <optional>
#include <string>
#include <vector>

#include "core/diagnosis.hpp"
#include "core/incident.hpp"

namespace authwatch {

// One incident as read from one database, with the causes of its latest diagnosis.
struct LinkEvidence {
  std::string db;  // the database it was read from, as given
  Incident incident;
  std::vector<Cause> causes;
};

// A server by its own word: a name it gives itself and an address it speaks from.
struct ObserverIdentity {
  std::string name;
  std::vector<std::string> addresses;
};

struct LinkCause {
  std::string seen_by;  // the observer whose incident's diagnosis names it
  std::string db;
  int64_t incident = 0;
  std::string cause;
  std::string target;
  double confidence = 0;
};

struct Link {
  std::string from;  // FQDN when known, else the address; "unknown" when the evidence does not name it
  std::string to;
  std::string context;  // for an unknown peer: where its failures were seen (the queue and its next hop)
  IncidentStatus status = IncidentStatus::Resolved;  // open when any of its incidents is
  std::vector<std::string> seen_by;  // the observers whose incidents make it, sorted
  bool seen_by_from = false;         // an outbound incident on `from`
  bool seen_by_to = false;           // an inbound incident on `to`
  struct Ref {
    std::string db;
    int64_t id = 0;
    Direction direction = Direction::Outbound;
    std::string observer;
    IncidentStatus status = IncidentStatus::Resolved;
  };
  std::vector<Ref> incidents;  // oldest first
  TimePoint first_seen{};
  TimePoint last_seen{};
  std::vector<LinkCause> causes;  // the latest diagnosis of each side, most likely first
};

// The links the incidents make, open ones first, then by last activity (latest first).
std::vector<Link> build_links(const std::vector<LinkEvidence>& incidents, const std::vector<ObserverIdentity>& observers);

}  // namespace authwatch

#pragma once
// The typed outcome of detection: one authentication failure seen from one side of a connection.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/time.hpp"

namespace authwatch {

// Inbound: this server received a failed authentication (it is the receiver, e.g. event 1035).
// Outbound: this server failed to authenticate to a peer (sender side: 2003/2017, queue 454 4.7.0).
enum class Direction { Inbound, Outbound };

// Fault: server-to-server (Exchange) authentication failure; opens or extends an incident.
// Noise: a client/user logon failure on a client connector; stored and queryable, opens nothing.
// Context: evidence about a fault but not the fault itself (a Kerberos error in the System log,
// docs/domain.md §1.6): attached to the open incident it explains, opens nothing.
enum class SignalClass { Fault, Noise, Context };

std::string_view to_string(Direction d);
std::string_view to_string(SignalClass c);
bool parse_direction(std::string_view text, Direction& out);
bool parse_signal_class(std::string_view text, SignalClass& out);

struct Signal {
  std::string key;        // natural key: the event's key, or the protocol-log session's
  std::string event_key;  // the TransportEvent it was detected in
  std::string rule;       // name of the detection rule that matched
  SignalClass signal_class = SignalClass::Fault;
  Direction direction = Direction::Inbound;
  TimePoint time{};

  std::string peer_ip;     // the other server's IP address, when known
  std::string peer_name;   // host name, FQDN or next hop, when known
  std::string connector;   // receive or send connector
  std::string mechanism;   // ExchangeAuth, Gssapi, Login, ...
  std::string status;      // SSPI status / error such as IllegalMessage, LogonDenied
  std::string reply;       // the SMTP reply or LastError text
  std::string target_spn;  // SMTPSVC/<fqdn> (event 2017)
  // Where the failure was seen when the server is not known: the queue and its next hop (an AD
  // site or delivery group, which is never a server: docs/domain.md §10), e.g.
  // "EX1\\12 -> site:default-first-site-name; version:8".
  std::string peer_context;
  // Why this class, in an administrator's words ("a client's password logon on the Client Frontend
  // connector, not another Exchange server").
  std::string verdict;
  // Who saw it (core/observer.hpp): the server whose evidence this is — an event's Computer, the
  // server of a queue's Identity ("EX1\\12"), a protocol log's server by the name it gives itself,
  // else the configured one — and, from a protocol log, that server's own address (the local end).
  std::string observer;
  std::string observer_ip;
  nlohmann::json evidence = nlohmann::json::object();

  bool peer_known() const { return !peer_ip.empty() || !peer_name.empty(); }
};

// The incident peer of a signal whose server is not known (docs/domain.md §10): kept and shown,
// never probed.
inline constexpr std::string_view kUnknownPeer = "unknown";

}  // namespace authwatch

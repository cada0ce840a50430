#pragma once
// Detection: TransportEvents in, typed Signals out. The rules are data (detection_rules.cpp);
// the Detector only interprets them. It keeps per-session state for protocol logs, whose
// evidence spans many lines of one SMTP session.
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/signal.hpp"
#include "core/transport_event.hpp"

namespace authwatch {

enum class SignalField { PeerIp, PeerName, Connector, Mechanism, Status, Reply, TargetSpn };

// A Windows event (live, .evtx or XML) with a given provider and id.
struct EventLogRule {
  std::string_view name;
  std::vector<std::string_view> providers;  // any of, case-insensitive
  uint32_t event_id = 0;
  Direction direction = Direction::Inbound;
  std::vector<std::pair<SignalField, std::string_view>> fields;  // signal field <- event field ("1" = first <Data>)
  // Classification: `matched` when the event field `class_field` equals one of `class_values`
  // (case-insensitive), else `otherwise`. An empty class_field means always `matched`.
  std::string_view class_field;
  std::vector<std::string_view> class_values;
  SignalClass matched = SignalClass::Fault;
  SignalClass otherwise = SignalClass::Noise;
};

// A queue in a Get-Queue snapshot whose LastError contains a text.
struct QueueRule {
  std::string_view name;
  std::string_view last_error_contains;
  std::string_view status;  // the signal's status, e.g. TemporaryAuthenticationFailure
};

enum class ProtocolLogSide { Receive, Send };

// One line of an SMTP protocol-log session.
struct ProtocolLogRule {
  enum class Match { DataStartsWith, TextContains };  // TextContains searches data and context
  std::string_view name;
  ProtocolLogSide side = ProtocolLogSide::Receive;
  char event = '*';  // '>' sent by this server, '<' received, '*' information
  Match match = Match::TextContains;
  std::vector<std::string_view> patterns;  // all must match (case-insensitive)
  SignalClass signal_class = SignalClass::Fault;
  std::string_view status_after;  // status = the word following this phrase ("because of ")
  std::string_view status;        // else this fixed status
  std::string_view mechanism_after;
  std::string_view mechanism;
};

struct DetectionRules {
  std::vector<EventLogRule> event_log;
  std::vector<QueueRule> queue;
  std::vector<ProtocolLogRule> protocol_log;
};

// DOMAIN.md §1–§4.
const DetectionRules& default_rules();

class Detector {
 public:
  explicit Detector(const DetectionRules& rules = default_rules());

  // The signal this event carries, if any. Protocol-log lines must be fed in file order;
  // a session yields at most one signal per class (its first matching line).
  std::optional<Signal> detect(const TransportEvent& event);

  size_t tracked_sessions() const { return sessions_.size(); }

 private:
  // A session's most recent lines, as evidence. A ring of strings that keep their capacity: once
  // sessions are recycled (below), following a session copies its lines without allocating.
  class EvidenceLines {
   public:
    static constexpr size_t kCapacity = 24;
    void clear() { next_ = stored_ = 0; }
    void push(std::string_view line);
    nlohmann::json to_json() const;  // oldest first

   private:
    std::vector<std::string> slots_;
    size_t next_ = 0;    // slot of the next line
    size_t stored_ = 0;  // lines held, at most kCapacity
  };

  struct Session {
    std::string peer_ip;
    std::string peer_name;  // EHLO domain (receive) or banner host (send)
    std::string connector;
    bool signalled[2] = {false, false};
    EvidenceLines lines;
    void reset();
  };
  using SessionMap = std::unordered_map<std::string, std::pair<Session, std::list<std::string>::iterator>>;

  std::optional<Signal> detect_event_log(const TransportEvent& e);
  std::optional<Signal> detect_queue(const TransportEvent& e);
  std::optional<Signal> detect_protocol_log(const TransportEvent& e);
  Session& session(const std::string& key);
  void forget_session(const std::string& key);

  const DetectionRules& rules_;
  SessionMap sessions_;
  std::list<std::string> session_order_;  // least recently used first; bounds memory
  // Forgotten sessions' map nodes and order entries, reused for new sessions (a few dozen at most).
  std::vector<SessionMap::node_type> spare_sessions_;
  std::list<std::string> spare_order_;
  std::string session_key_;  // the current line's session key, built in place
};

}  // namespace authwatch

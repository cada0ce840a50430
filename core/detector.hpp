#pragma once
// Detection: TransportEvents in, typed Signals out. The rules are data (detection_rules.cpp);
// the Detector only interprets them. It keeps per-session state for protocol logs, whose
// evidence spans many lines of one SMTP session.
#include <array>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/protocol_log_line.hpp"
#include "core/signal.hpp"
#include "core/transport_event.hpp"

namespace authwatch {

enum class SignalField { PeerIp, PeerName, Connector, Mechanism, Status, Reply, TargetSpn };

// A test on one field of a record: an event's data ("1" = the first unnamed <Data>) or a queue's
// Get-Queue property. Holds when the field matches any of `values` (case-insensitive), or, when
// `negate`, when it matches none.
struct FieldTest {
  enum class How { Equals, StartsWith, Contains };
  std::string_view field;
  How how = How::Equals;
  std::vector<std::string_view> values;
  bool negate = false;
};

// One line of a classification table: when all its tests hold, the record is a signal of this
// class, and `why` tells an administrator so, in words ({connector}, {mechanism}, {status},
// {reply}, {peer}, {delivery_type} are filled in). The first line whose tests hold wins.
struct Verdict {
  std::vector<FieldTest> when;  // empty: always
  SignalClass signal_class = SignalClass::Fault;
  std::string_view why;
};

// A Windows event (live, .evtx or XML) with a given provider and id. The verdicts decide its
// class; when none holds, the event is no signal at all.
struct EventLogRule {
  std::string_view name;
  std::vector<std::string_view> providers;  // any of, case-insensitive
  uint32_t event_id = 0;
  Direction direction = Direction::Inbound;
  std::vector<std::pair<SignalField, std::string_view>> fields;  // signal field <- event field ("1" = first <Data>)
  std::vector<Verdict> verdicts;
};

// A queue in a Get-Queue snapshot (its properties as fields; "LastError" always present). The
// first rule whose verdict holds makes the signal; none: the queue is no signal.
struct QueueRule {
  std::string_view name;
  std::string_view status;  // the signal's status, e.g. TemporaryAuthenticationFailure
  Verdict verdict;
};

enum class ProtocolLogSide { Receive, Send };

// What a protocol-log session must have shown for a rule's line to be a fault (docs/domain.md §10:
// the same replies answer clients' AUTH). When it has not, the line is noise, `why_not` says why.
enum class SessionShows {
  Anything,
  ExchangeAuthIssued,  // the client side sent X-EXPS
  // The send side: X-EXPS sent or offered in the peer's EHLO reply, or the session runs on the
  // Intra-Organization SMTP Send Connector or to port 2525 or 475 (Exchange's server-to-server
  // ports), which use nothing but Exchange server authentication — log excerpts often lack the
  // EHLO lines.
  ExchangeAuthContext,
};

// One line of an SMTP protocol-log session.
struct ProtocolLogRule {
  std::string_view name;
  ProtocolLogSide side = ProtocolLogSide::Receive;
  char event = '*';                        // '>' sent by this server, '<' received, '*' information
  std::string_view data_starts_with;       // the data column starts with this (case-insensitive), if set
  std::vector<std::string_view> contains;  // each in data or context (case-insensitive)
  SignalClass signal_class = SignalClass::Fault;
  SessionShows needs = SessionShows::Anything;
  std::string_view status;     // a fixed status; empty: read from the text ("because of X", "failed with X")
  std::string_view mechanism;  // a fixed mechanism; empty: read after "Inbound AUTH "
  std::string_view why;
  std::string_view why_not;  // the noise verdict when `needs` is not met
};

struct DetectionRules {
  std::vector<EventLogRule> event_log;
  std::vector<QueueRule> queue;
  std::vector<ProtocolLogRule> protocol_log;
};

// docs/domain.md §1–§4 and §10.
const DetectionRules& default_rules();

// The status an Exchange information line or event text names, in every phrasing it comes in
// (docs/domain.md §10): "... failed because of IllegalMessage" -> "IllegalMessage", "... failed to
// initialize with TLS1_0NotSupported" -> "TLS1_0NotSupported", "... failed with LogonDenied" ->
// "LogonDenied", "... failed because connection is not TLS" -> "connection is not TLS". Empty when
// none of them is there.
std::string status_in_text(std::string_view text);

// The peer a Get-Queue LastError names (docs/domain.md §4, §10): {IP=}/{FQDN=} from the wrapper's own
// trailing fields only (the LED= part quotes the remote reply, braces and all), else the endpoint
// after "The last endpoint attempted was", outside the quoted reply. A Frontend proxy's {IP=} and
// {FQDN=} name the Frontend, not the failing server: they are not taken.
struct QueuePeer {
  std::string ip;
  std::string fqdn;
  bool via_frontend_proxy = false;
};
QueuePeer queue_peer(std::string_view last_error);

// A protocol-log session in progress as storage keeps it. The ingest commits the sessions a batch
// changed with the source's new position (pipeline/ingest.cpp), so after a restart, a kill -9
// included, the detector resumes every session exactly as the stored position left it: its peer
// name, whether X-EXPS was seen, its "already signalled" marks and its evidence lines.
struct DetectorSession {
  std::string key;    // "plog-session:<connector>:<session id>"
  std::string state;  // compact and byte-exact (core/detector_sessions.cpp)
  uint64_t used = 0;  // when it was last fed a line: restored least recently used first
};

struct DetectorSessionChanges {
  std::vector<DetectorSession> saved;  // new or changed since the last take
  std::vector<std::string> removed;    // ended or evicted sessions that were taken before
  bool empty() const { return saved.empty() && removed.empty(); }
};

class Detector {
 public:
  explicit Detector(const DetectionRules& rules = default_rules());
  // The configured server (scan --observer, the service's own name): whose evidence a record is
  // when the record does not say (core/observer.hpp) — a queue whose Identity names no server, a
  // protocol log that never names its own server.
  Detector(const DetectionRules& rules, std::string configured_observer);

  // The signal this event carries, if any. Protocol-log lines must be fed in file order;
  // a session yields at most one signal per class (its first matching line).
  std::optional<Signal> detect(const TransportEvent& event);
  // The same for a protocol-log line the reader hands out without an event (core/protocol_log_line.hpp):
  // a line gives the signal its event would, and lines and events of one file may be mixed.
  std::optional<Signal> detect(const ProtocolLogLine& line);

  size_t tracked_sessions() const { return sessions_.size(); }
  static constexpr size_t kMaxSessions = 4096;  // sessions without a disconnect line (truncated logs)

  // The sessions changed since the last call; from then on they count as stored (their end is a
  // removal). core/detector_sessions.cpp.
  DetectorSessionChanges take_session_changes();
  // Restores stored sessions into this detector, which must not have seen a line yet. Returns the
  // keys whose state could not be decoded (damaged rows: those sessions start afresh).
  std::vector<std::string> restore_sessions(const std::vector<DetectorSession>& stored);

 private:
  // A session's most recent lines, as evidence. A ring of strings that keep their capacity: once
  // sessions are recycled (below), following a session copies its lines without allocating.
  class EvidenceLines {
   public:
    static constexpr size_t kCapacity = 24;
    void clear() { next_ = stored_ = 0; }
    void push(std::string_view line);
    nlohmann::json to_json() const;  // oldest first
    template <class Fn>
    void for_each(Fn&& fn) const {  // oldest first
      for (size_t i = 0; i < stored_; ++i) fn(slots_[(next_ + kCapacity - stored_ + i) % kCapacity]);
    }
    size_t size() const { return stored_; }

   private:
    std::vector<std::string> slots_;
    size_t next_ = 0;    // slot of the next line
    size_t stored_ = 0;  // lines held, at most kCapacity
  };

  struct Session {
    std::string observer;   // the name this server gives itself in the session (banner, EHLO, connector)
    std::string peer_ip;
    std::string peer_name;  // EHLO domain (receive) or banner / "250-<fqdn> Hello" host (send)
    std::string connector;
    bool exchange_auth_issued = false;   // the client side sent X-EXPS
    bool exchange_auth_offered = false;  // the server side listed X-EXPS in its EHLO reply
    bool server_to_server = false;       // intra-organisation connector, or the peer's port 2525/475
    bool signalled[2] = {false, false};
    EvidenceLines lines;
    uint64_t used = 0;     // the detector's use counter when it was last fed a line
    bool stored = false;   // taken by take_session_changes(): storage holds a row for it
    bool changed = false;  // fed a line since the last take (its key is in changed_)
    void reset();
    std::string encode() const;
    bool decode(std::string_view state);
  };
  using SessionMap = std::unordered_map<std::string, std::pair<Session, std::list<std::string>::iterator>>;

  std::optional<Signal> detect_event_log(const TransportEvent& e);
  std::optional<Signal> detect_queue(const TransportEvent& e);
  std::optional<Signal> detect_protocol_log(const TransportEvent& e);
  ProtocolLogSide side_of(std::string_view log_type);
  Session& session_of(const ProtocolLogLine& line, bool& same);
  Session& session(const std::string& key);
  Session& touched(Session& s, const std::string& key);  // marks a line's use of its session
  void forget_session(const std::string& key);

  // The name a protocol log's server gave itself in any session of that file: a file is one
  // server's, so a session whose own lines name nothing (an excerpt) still has its observer.
  const std::string& file_observer(const std::string& location, const std::string& seen);

  const DetectionRules& rules_;
  std::string configured_observer_;
  std::unordered_map<std::string, std::string> observer_by_file_;  // bounded: kMaxObserverFiles

  // The protocol-log rules of one side and event character, in table order. A line is compared
  // only with its group, and not at all when its data starts with a byte that no rule's
  // data_starts_with does (nearly every line: "250 ...", "RCPT TO:..."); the rules decide as before.
  struct RuleGroup {
    std::vector<const ProtocolLogRule*> rules;
    bool any_first_byte = false;           // a rule without data_starts_with: every line is compared
    std::array<bool, 256> first_byte{};    // the first bytes of the data_starts_with, in both cases
  };
  const RuleGroup* rule_group(ProtocolLogSide side, std::string_view event) const;

  std::vector<RuleGroup> rule_groups_;
  std::array<std::array<uint8_t, 256>, 2> group_of_event_{};  // [side][event byte]: 1 + index, 0 = none
  // The log type of the last line and its side: a file's lines all carry the same one.
  std::string side_log_type_;
  ProtocolLogSide side_ = ProtocolLogSide::Receive;
  bool side_known_ = false;
  // The session of the last line, by its raw connector and session id: a session's lines mostly
  // follow each other, and then neither the key is built nor the map searched. Cleared whenever a
  // session is forgotten or evicted.
  Session* last_session_ = nullptr;
  std::string last_connector_, last_session_id_, last_remote_endpoint_;
  SessionMap sessions_;
  std::list<std::string> session_order_;  // least recently used first; bounds memory
  // Forgotten sessions' map nodes and order entries, reused for new sessions (a few dozen at most).
  std::vector<SessionMap::node_type> spare_sessions_;
  std::list<std::string> spare_order_;
  std::string session_key_;  // the current line's session key, built in place
  // For take_session_changes(): keys of sessions fed since the last take (each once), and stored
  // sessions that ended or were evicted since.
  std::vector<std::string> changed_;
  std::vector<std::string> removed_;
  uint64_t uses_ = 0;
};

}  // namespace authwatch

#include "core/detector.hpp"

#include <algorithm>
#include <cctype>

#include "core/observer.hpp"
#include "core/text.hpp"
#include "core/utf8.hpp"

namespace authwatch {
namespace {

constexpr size_t kMaxSpareSessions = 64;   // recycled session storage kept for new sessions
constexpr size_t kMaxObserverFiles = 1024; // protocol-log files whose server name is remembered

std::string* field_slot(Signal& s, SignalField f) {
  switch (f) {
    case SignalField::PeerIp: return &s.peer_ip;
    case SignalField::PeerName: return &s.peer_name;
    case SignalField::Connector: return &s.connector;
    case SignalField::Mechanism: return &s.mechanism;
    case SignalField::Status: return &s.status;
    case SignalField::Reply: return &s.reply;
    case SignalField::TargetSpn: return &s.target_spn;
  }
  return nullptr;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

// The word after `phrase` in `text`: "... failed because of IllegalMessage" -> "IllegalMessage".
std::string word_after(std::string_view text, std::string_view phrase) {
  auto at = ifind(text, phrase);
  if (at == std::string_view::npos) return {};
  auto rest = text.substr(at + phrase.size());
  size_t end = 0;
  while (end < rest.size() && is_word_char(rest[end])) ++end;
  return std::string(rest.substr(0, end));
}

// Peer names sometimes arrive as IP literals ("[10.0.0.1]", "10.0.0.2:25") or inside an SPN;
// normalise both. A name that is not a host name (spaces, a site or delivery group) is dropped.
void normalise_peer(Signal& s) {
  if (s.peer_ip.empty() && s.peer_name.empty() && !s.target_spn.empty()) {
    std::string_view spn = s.target_spn;
    auto slash = spn.find('/');
    if (slash != std::string_view::npos) spn.remove_prefix(slash + 1);
    auto at = spn.find('@');
    if (at != std::string_view::npos) spn = spn.substr(0, at);
    s.peer_name = std::string(spn);
  }
  // An address stays whole ("2001:db8::1:25" is one); anything else may carry a port.
  auto host_of = [](std::string_view v) { return is_ipv4_address(v) || is_ipv6_address(v) ? v : host_of_loose_endpoint(v); };
  s.peer_ip = std::string(host_of(s.peer_ip));
  if (!s.peer_name.empty()) {
    auto host = host_of(s.peer_name);
    if (looks_like_ip(host)) {
      if (s.peer_ip.empty()) s.peer_ip = std::string(host);
      s.peer_name.clear();
    } else {
      s.peer_name = std::string(host);
    }
  }
  if (!s.peer_ip.empty() && !looks_like_ip(s.peer_ip)) {  // a host name where an IP was expected
    if (s.peer_name.empty()) s.peer_name = s.peer_ip;
    s.peer_ip.clear();
  }
  if (!s.peer_name.empty() && !is_host_name(s.peer_name)) s.peer_name.clear();
}

std::string_view record_field(const TransportEvent& e, std::string_view name) {
  if (auto value = e.field(name); !value.empty()) return value;
  if (e.source_kind != SourceKind::QueueSnapshot) return {};
  for (const auto& [key, value] : e.fields)  // PowerShell property names are case-insensitive
    if (iequals(key, name)) return value;
  return {};
}

bool holds(const FieldTest& test, std::string_view value) {
  value = trim(value);
  const bool any = std::any_of(test.values.begin(), test.values.end(), [&](std::string_view v) {
    switch (test.how) {
      case FieldTest::How::Equals: return iequals(value, v);
      case FieldTest::How::StartsWith: return istarts_with(value, v);
      case FieldTest::How::Contains: return icontains(value, v);
    }
    return false;
  });
  return any != test.negate;
}

const Verdict* verdict_for(const std::vector<Verdict>& verdicts, const TransportEvent& e) {
  for (const auto& v : verdicts)
    if (std::all_of(v.when.begin(), v.when.end(), [&](const FieldTest& t) { return holds(t, record_field(e, t.field)); }))
      return &v;
  return nullptr;
}

std::string peer_words(const Signal& s) {
  if (!s.peer_name.empty()) return s.peer_ip.empty() ? s.peer_name : s.peer_name + " (" + s.peer_ip + ")";
  if (!s.peer_ip.empty()) return s.peer_ip;
  return "an unknown server";
}

// A verdict's words with the signal's values in place of {connector}, {mechanism}, ...
std::string explain(std::string_view why, const Signal& s, std::string_view delivery_type = {}) {
  std::string out;
  out.reserve(why.size() + 64);
  for (size_t i = 0; i < why.size();) {
    if (why[i] == '{') {
      auto close = why.find('}', i);
      if (close != std::string_view::npos) {
        const auto name = why.substr(i + 1, close - i - 1);
        const std::string* value = name == "connector" ? &s.connector
                                 : name == "mechanism" ? &s.mechanism
                                 : name == "status"    ? &s.status
                                 : name == "reply"     ? &s.reply
                                                       : nullptr;
        if (value) out += value->empty() ? "?" : *value;
        else if (name == "peer") out += peer_words(s);
        else if (name == "delivery_type") out += delivery_type.empty() ? "?" : std::string(delivery_type);
        else out.append(why.substr(i, close - i + 1));
        i = close + 1;
        continue;
      }
    }
    out.push_back(why[i++]);
  }
  return out;
}

// The reply text of a LastError, without Exchange's wrapper, for the words of a verdict.
// What better_observer_name never replaces: a name with a dot that is not an IP address.
bool names_full_host(std::string_view observer) {
  return observer.find('.') != std::string_view::npos && !looks_like_ip(observer);
}

std::string_view short_reply(std::string_view last_error) {
  if (auto led = ifind(last_error, "{LED="); led != std::string_view::npos) {
    auto rest = last_error.substr(led + 5);
    return trim(rest.substr(0, std::min<size_t>(rest.find("};{"), 200)));
  }
  return trim(utf8_prefix(last_error, 200));  // JSON text: valid UTF-8, cut between characters
}

// A protocol-log event seen as a line: the columns the detector reads, taken in one pass over the
// event's fields (no map lookup, i.e. string compares, per name).
class EventAsLine final : public ProtocolLogLine {
 public:
  explicit EventAsLine(const TransportEvent& e) : event_(e) {
    for (const auto& [name, value] : e.fields)
      if (std::string_view* column = column_named(name)) *column = value;
    text = e.text;
    time = e.time;
  }
  const TransportEvent& transport_event() const override { return event_; }

 private:
  std::string_view* column_named(std::string_view name) {
    switch (name.size()) {  // these names all differ in length: one compare per field
      case 4: return name == "data" ? &data : nullptr;
      case 5: return name == "event" ? &event : nullptr;
      case 7: return name == "context" ? &context : nullptr;
      case 8: return name == "log-type" ? &log_type : nullptr;
      case 10: return name == "session-id" ? &session_id : nullptr;
      case 12: return name == "connector-id" ? &connector_id : nullptr;
      case 14: return name == "local-endpoint" ? &local_endpoint : nullptr;
      case 15: return name == "remote-endpoint" ? &remote_endpoint : nullptr;
      default: return nullptr;
    }
  }

  const TransportEvent& event_;
};

}  // namespace

std::string status_in_text(std::string_view text) {
  // The specific phrasings first: "because of X" before "because ...", "to initialize with X"
  // before "with X".
  for (std::string_view phrase : {"because of ", "failed to initialize with ", "failed with "}) {
    if (auto word = word_after(text, phrase); !word.empty()) return word;
  }
  auto because = ifind(text, "failed because ");
  if (because == std::string_view::npos) return {};
  auto rest = trim(text.substr(because + 15));
  rest = rest.substr(0, std::min(rest.find_first_of(".,;\r\n"), size_t{80}));
  return std::string(trim(rest));
}

QueuePeer queue_peer(std::string_view last_error) {
  QueuePeer peer;
  std::string_view text = trim(last_error);
  std::string_view led = text;  // Exchange's own sentence, with the remote reply quoted in it
  if (text.starts_with("[{") && text.ends_with("}]")) {
    // The wrapper's fields from the end: {IP=...} and {FQDN=...} hold no braces or semicolons, so
    // each is the text between the last '{' and the '}' that ends it; the walk stops at the first
    // field that is neither (LED, whose value may hold anything, braces included).
    size_t end = text.size() - 1;  // at the ']'
    while (end >= 2 && text[end - 1] == '}') {
      const size_t open = text.rfind('{', end - 1);
      if (open == std::string_view::npos || open == 0) break;
      const auto field = text.substr(open + 1, end - open - 2);  // between '{' and the '}' at end - 1
      const bool ours = field.find_first_of("{};") == std::string_view::npos;
      if (ours && istarts_with(field, "IP=")) {
        peer.ip = std::string(trim(field.substr(3)));
      } else if (ours && istarts_with(field, "FQDN=")) {
        peer.fqdn = std::string(trim(field.substr(5)));
      } else {
        break;
      }
      if (text[open - 1] != ';') break;
      end = open - 1;  // at the ';' that precedes the field: the next field ends just before it
    }
    if (auto at = ifind(text, "{LED="); at != std::string_view::npos) led = text.substr(at + 5);
  }
  // A Frontend proxy's wrapper names the Frontend (§10); the failing server is the one its own
  // message names after "The last endpoint attempted was".
  if (ifind(led, "Proxy session setup failed on Frontend") != std::string_view::npos) {
    peer.via_frontend_proxy = true;
    peer.ip.clear();
    peer.fqdn.clear();
  }
  if (peer.ip.empty()) {
    // Exchange's sentence follows the quoted remote reply: only text after the last quote counts,
    // so a reply cannot name an endpoint of its choosing.
    const auto last_quote = led.find_last_of('"');
    const auto tail = last_quote == std::string_view::npos ? led : led.substr(last_quote + 1);
    const auto attempted = ifind(tail, "last endpoint attempted was ");
    if (attempted != std::string_view::npos) {
      auto rest = tail.substr(attempted + 28);
      size_t end = 0;
      while (end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[end])) && rest[end] != '}' &&
             rest[end] != ';' && rest[end] != '\'')
        ++end;
      auto endpoint = rest.substr(0, end);
      while (!endpoint.empty() && endpoint.back() == '.') endpoint.remove_suffix(1);
      peer.ip = std::string(host_of_loose_endpoint(endpoint));
    }
  }
  return peer;
}

Detector::Detector(const DetectionRules& rules) : Detector(rules, std::string()) {}

Detector::Detector(const DetectionRules& rules, std::string configured_observer)
    : rules_(rules), configured_observer_(std::string(trim(configured_observer))) {
  for (const auto& rule : rules_.protocol_log) {
    auto& group_index = group_of_event_[rule.side == ProtocolLogSide::Send][static_cast<unsigned char>(rule.event)];
    if (group_index == 0) {
      rule_groups_.emplace_back();
      group_index = static_cast<uint8_t>(rule_groups_.size());
    }
    RuleGroup& group = rule_groups_[group_index - 1];
    group.rules.push_back(&rule);
    if (rule.data_starts_with.empty()) {
      group.any_first_byte = true;
    } else {
      const auto first = static_cast<unsigned char>(rule.data_starts_with.front());
      group.first_byte[first] = true;
      group.first_byte[static_cast<unsigned char>(std::tolower(first))] = true;
      group.first_byte[static_cast<unsigned char>(std::toupper(first))] = true;
    }
  }
}

const std::string& Detector::file_observer(const std::string& location, const std::string& seen) {
  auto it = observer_by_file_.find(location);
  if (it == observer_by_file_.end()) {
    if (observer_by_file_.size() >= kMaxObserverFiles) observer_by_file_.clear();
    it = observer_by_file_.emplace(location, std::string()).first;
  }
  it->second = better_observer_name(it->second, seen);
  return it->second;
}

std::optional<Signal> Detector::detect(const TransportEvent& e) {
  switch (e.source_kind) {
    case SourceKind::EventLog:
    case SourceKind::EventXml:
    case SourceKind::Evtx: return detect_event_log(e);
    case SourceKind::QueueSnapshot: return detect_queue(e);
    case SourceKind::ProtocolLog: return detect_protocol_log(e);
  }
  return std::nullopt;
}

std::optional<Signal> Detector::detect_event_log(const TransportEvent& e) {
  for (const auto& rule : rules_.event_log) {
    if (rule.event_id != e.event_id) continue;
    if (std::none_of(rule.providers.begin(), rule.providers.end(), [&](std::string_view p) { return iequals(p, e.provider); }))
      continue;
    const Verdict* verdict = verdict_for(rule.verdicts, e);
    if (!verdict) return std::nullopt;
    Signal s;
    s.key = e.key;
    s.event_key = e.key;
    s.rule = std::string(rule.name);
    s.direction = rule.direction;
    s.time = e.time;
    for (const auto& [slot, name] : rule.fields) *field_slot(s, slot) = std::string(trim(e.field(name)));
    s.signal_class = verdict->signal_class;
    normalise_peer(s);
    s.verdict = explain(verdict->why, s);
    s.observer = std::string(trim(e.computer));
    if (s.observer.empty()) s.observer = configured_observer_;
    nlohmann::json data = nlohmann::json::object();
    for (const auto& [k, v] : e.fields)
      if (k != "Message") data[k] = v;
    s.evidence = {{"provider", e.provider}, {"event_id", e.event_id}, {"record_id", e.record_id},
                  {"computer", e.computer}, {"channel", e.channel}, {"data", std::move(data)}};
    if (auto msg = e.field("Message"); !msg.empty()) s.evidence["message"] = std::string(msg);
    return s;
  }
  return std::nullopt;
}

std::optional<Signal> Detector::detect_queue(const TransportEvent& e) {
  auto last_error = record_field(e, "LastError");
  if (last_error.empty()) last_error = e.text;
  if (last_error.empty()) return std::nullopt;
  for (const auto& rule : rules_.queue) {
    if (!std::all_of(rule.verdict.when.begin(), rule.verdict.when.end(), [&](const FieldTest& t) {
          return holds(t, t.field == "LastError" ? last_error : record_field(e, t.field));
        }))
      continue;
    Signal s;
    s.key = e.key;
    s.event_key = e.key;
    s.rule = std::string(rule.name);
    s.signal_class = rule.verdict.signal_class;
    s.direction = Direction::Outbound;
    s.time = e.time;
    s.status = std::string(rule.status);
    s.reply = std::string(last_error);
    // Only Exchange's own fields name the peer; NextHopDomain is a site or delivery group (§10).
    const QueuePeer peer = queue_peer(last_error);
    s.peer_ip = peer.ip;
    s.peer_name = peer.fqdn;
    // The zero GUID means "no send connector" (intra-organisation routing): not worth showing.
    if (auto connector = record_field(e, "NextHopConnector"); connector != "00000000-0000-0000-0000-000000000000")
      s.connector = std::string(connector);
    normalise_peer(s);
    const auto identity = record_field(e, "Identity");
    const auto next_hop = record_field(e, "NextHopDomain");
    s.observer = server_of_queue_identity(identity);
    if (s.observer.empty()) s.observer = configured_observer_;
    if (!s.peer_known()) s.peer_context = std::string(identity) + (next_hop.empty() ? "" : " -> " + std::string(next_hop));
    const auto delivery_type = record_field(e, "DeliveryType");
    Signal words = s;
    words.reply = std::string(short_reply(last_error));
    s.verdict = explain(rule.verdict.why, words, delivery_type);
    s.evidence = {{"identity", identity},
                  {"next_hop_domain", next_hop},
                  {"next_hop_category", record_field(e, "NextHopCategory")},
                  {"delivery_type", delivery_type},
                  {"status", record_field(e, "Status")},
                  {"message_count", record_field(e, "MessageCount")},
                  {"retry_count", record_field(e, "RetryCount")},
                  {"last_retry_time", record_field(e, "LastRetryTime")},
                  {"last_error", last_error}};
    if (peer.via_frontend_proxy) s.evidence["via_frontend_proxy"] = true;
    if (!e.time_basis.empty()) s.evidence["time_basis"] = e.time_basis;
    return s;
  }
  return std::nullopt;
}

std::optional<Signal> Detector::detect_protocol_log(const TransportEvent& e) { return detect(EventAsLine(e)); }

ProtocolLogSide Detector::side_of(std::string_view log_type) {
  if (!side_known_ || log_type != side_log_type_) {
    side_log_type_.assign(log_type);
    side_ = icontains(log_type, "Send") ? ProtocolLogSide::Send : ProtocolLogSide::Receive;
    side_known_ = true;
  }
  return side_;
}

const Detector::RuleGroup* Detector::rule_group(ProtocolLogSide side, std::string_view event) const {
  if (event.size() != 1) return nullptr;
  const uint8_t index = group_of_event_[side == ProtocolLogSide::Send][static_cast<unsigned char>(event[0])];
  return index == 0 ? nullptr : &rule_groups_[index - 1];
}

// The line's session; session_key_ holds its key. `same` tells whether it is the last line's.
Detector::Session& Detector::session_of(const ProtocolLogLine& line, bool& same) {
  same = last_session_ && line.session_id == last_session_id_ && line.connector_id == last_connector_;
  if (same) return touched(*last_session_, session_key_);  // already the most recently used
  // Session ids are unique per server; the connector keeps two servers' logs apart in a monitoring
  // station. (The local endpoint cannot: a send session's first line has none yet.)
  session_key_.assign("plog-session:");
  append_lower(session_key_, line.connector_id);
  session_key_.push_back(':');
  append_lower(session_key_, line.session_id);
  Session& found = session(session_key_);
  last_session_ = &found;
  last_connector_.assign(line.connector_id);
  last_session_id_.assign(line.session_id);
  return found;
}

std::optional<Signal> Detector::detect(const ProtocolLogLine& line) {
  const ProtocolLogSide side = side_of(line.log_type);
  const auto event = trim(line.event);
  const auto data = line.data;
  const auto context = line.context;
  bool same_session = false;
  Session& st = session_of(line, same_session);
  const std::string& key = session_key_;
  // The peer's address from the remote endpoint; a line of the last line's session with its
  // endpoint would set the same again.
  if (!same_session || line.remote_endpoint != last_remote_endpoint_) {
    if (auto remote = host_of_endpoint(line.remote_endpoint); !remote.empty()) st.peer_ip.assign(remote);
    last_remote_endpoint_.assign(line.remote_endpoint);
  }
  if (st.connector.empty()) st.connector.assign(line.connector_id);
  // (The last line's session already tried its connector id.)
  if (!same_session && st.observer.empty()) st.observer = server_of_connector_id(line.connector_id);
  if (side == ProtocolLogSide::Send && !st.server_to_server) {
    const auto remote = trim(line.remote_endpoint);
    st.server_to_server = icontains(line.connector_id, "Intra-Organization SMTP Send Connector") ||
                          remote.ends_with(":2525") || remote.ends_with(":475");
  }
  // Who speaks: '<' is what this server received, '>' what it sent. The client of the session is
  // the peer on the receive side and this server on the send side.
  const bool from_peer = event == "<";
  const bool from_us = event == ">";
  const bool client_line = side == ProtocolLogSide::Receive ? from_peer : from_us;
  const bool server_line = side == ProtocolLogSide::Receive ? from_us : from_peer;
  const auto text = trim(data);
  if (client_line && istarts_with(text, "X-EXPS")) st.exchange_auth_issued = true;
  // What this server calls itself: its greeting and EHLO reply (receive side), its EHLO (send side).
  // A full name (dotted, not an address) is never replaced, so its session skips the search.
  if (from_us && !names_full_host(st.observer))
    if (const std::string seen = host_in_own_smtp_line(text); !seen.empty()) st.observer = better_observer_name(st.observer, seen);
  if (server_line && !st.exchange_auth_offered && istarts_with(text, "250") && icontains(text, "X-EXPS"))
    st.exchange_auth_offered = true;
  // The peer's own name: its EHLO domain when it connects to us; when we connect to it, the host
  // of its greeting ("220 ex2.contoso.com Microsoft ESMTP ...") or of its EHLO reply
  // ("250-ex2.contoso.com Hello [10.0.0.1]"). A "220 2.0.0 SMTP server ready" after
  // X-ANONYMOUSTLS names nothing.
  if (side == ProtocolLogSide::Receive && from_peer && (istarts_with(text, "EHLO ") || istarts_with(text, "HELO ")))
    st.peer_name.assign(trim(text.substr(5)));
  if (side == ProtocolLogSide::Send && from_peer && st.peer_name.empty() &&
      (istarts_with(text, "220 ") || istarts_with(text, "250-") || istarts_with(text, "250 "))) {
    auto host = trim(text.substr(4));
    host = host.substr(0, host.find(' '));
    const bool names_host = istarts_with(text, "220 ") || icontains(text, " Hello");
    if (names_host && is_host_name(host) && !looks_like_ip(host) &&
        !std::isdigit(static_cast<unsigned char>(host.front())))
      st.peer_name.assign(host);
  }
  st.lines.push(line.text);

  // No named std::optional<Signal> here: GCC zeroes all of its ~0.5 KiB when one is declared,
  // and this runs for every line; `return std::nullopt` only clears the engaged flag.
  static const RuleGroup kNoRules;
  const RuleGroup* group = rule_group(side, event);
  if (!group || !(group->any_first_byte || (!text.empty() && group->first_byte[static_cast<unsigned char>(text.front())])))
    group = &kNoRules;
  for (const ProtocolLogRule* candidate : group->rules) {
    const ProtocolLogRule& rule = *candidate;
    if (!rule.data_starts_with.empty() && !istarts_with(text, rule.data_starts_with)) continue;
    if (!std::all_of(rule.contains.begin(), rule.contains.end(),
                     [&](std::string_view p) { return icontains(data, p) || icontains(context, p); }))
      continue;
    const bool needs_met = rule.needs == SessionShows::Anything ||
                           (rule.needs == SessionShows::ExchangeAuthIssued && st.exchange_auth_issued) ||
                           (rule.needs == SessionShows::ExchangeAuthContext &&
                            (st.exchange_auth_issued || st.exchange_auth_offered || st.server_to_server));
    const SignalClass cls = needs_met ? rule.signal_class : SignalClass::Noise;
    const int slot = cls == SignalClass::Fault ? 0 : 1;
    if (st.signalled[slot]) break;  // one signal per session and class: its first matching line
    st.signalled[slot] = true;
    const TransportEvent& e = line.transport_event();
    Signal s;
    s.key = key + ":" + std::string(to_string(cls));
    s.event_key = e.key;
    s.rule = std::string(rule.name);
    s.signal_class = cls;
    s.direction = side == ProtocolLogSide::Receive ? Direction::Inbound : Direction::Outbound;
    s.time = line.time;
    s.peer_ip = st.peer_ip;
    s.peer_name = st.peer_name;
    s.connector = st.connector;
    s.observer = file_observer(e.location, st.observer);
    if (s.observer.empty()) s.observer = configured_observer_;
    s.observer_ip = std::string(host_of_endpoint(line.local_endpoint));
    if (!looks_like_ip(s.observer_ip)) s.observer_ip.clear();
    const std::string_view info = rule.contains.empty() || icontains(data, rule.contains.front()) ? data : context;
    s.status = rule.status.empty() ? status_in_text(info) : std::string(rule.status);
    if (!rule.mechanism.empty())
      s.mechanism = needs_met ? std::string(rule.mechanism) : "";
    else
      s.mechanism = word_after(info, "Inbound AUTH ");
    if (!rule.data_starts_with.empty()) s.reply = std::string(text);
    normalise_peer(s);
    s.verdict = explain(needs_met ? rule.why : rule.why_not, s);
    s.evidence = {{"file", e.location},          {"session_id", line.session_id},
                  {"log_type", line.log_type}, {"local_endpoint", line.local_endpoint},
                  {"remote_endpoint", line.remote_endpoint}, {"lines", st.lines.to_json()}};
    if (event == "-") forget_session(key);  // disconnect: the session is over
    return s;
  }
  if (event == "-") forget_session(key);
  return std::nullopt;
}

void Detector::EvidenceLines::push(std::string_view line) {
  if (next_ == slots_.size())
    slots_.emplace_back(line);
  else
    slots_[next_].assign(line);
  if (++next_ == kCapacity) next_ = 0;
  stored_ = std::min(stored_ + 1, kCapacity);
}

nlohmann::json Detector::EvidenceLines::to_json() const {
  nlohmann::json lines = nlohmann::json::array();
  const size_t oldest = (next_ + kCapacity - stored_) % kCapacity;
  for (size_t i = 0; i < stored_; ++i) lines.push_back(slots_[(oldest + i) % kCapacity]);
  return lines;
}

void Detector::Session::reset() {
  observer.clear();
  peer_ip.clear();
  peer_name.clear();
  connector.clear();
  exchange_auth_issued = exchange_auth_offered = server_to_server = false;
  signalled[0] = signalled[1] = false;
  lines.clear();
  used = 0;
  stored = changed = false;
}

// Every line of a session passes here: it is the session's latest use, and a change to store.
Detector::Session& Detector::touched(Session& s, const std::string& key) {
  s.used = ++uses_;
  if (!s.changed) {
    s.changed = true;
    changed_.push_back(key);
  }
  return s;
}

Detector::Session& Detector::session(const std::string& key) {
  last_session_ = nullptr;  // set again by the caller; an eviction below may take its storage
  auto it = sessions_.find(key);
  if (it != sessions_.end()) {
    session_order_.splice(session_order_.end(), session_order_, it->second.second);
    return touched(it->second.first, key);
  }
  // Storage for the new session: the least recently used one when full, else a forgotten one.
  SessionMap::node_type node;
  if (sessions_.size() >= kMaxSessions) {
    node = sessions_.extract(session_order_.front());
    if (node.mapped().first.stored) removed_.push_back(node.key());
    session_order_.splice(session_order_.end(), session_order_, session_order_.begin());
  } else {
    if (!spare_sessions_.empty()) {
      node = std::move(spare_sessions_.back());
      spare_sessions_.pop_back();
    }
    if (spare_order_.empty())
      session_order_.emplace_back();
    else
      session_order_.splice(session_order_.end(), spare_order_, spare_order_.begin());
  }
  const auto order = std::prev(session_order_.end());
  order->assign(key);
  if (node.empty()) return touched(sessions_.emplace(key, std::make_pair(Session{}, order)).first->second.first, key);
  node.key().assign(key);
  node.mapped().first.reset();
  node.mapped().second = order;
  return touched(sessions_.insert(std::move(node)).position->second.first, key);
}

void Detector::forget_session(const std::string& key) {
  last_session_ = nullptr;
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return;
  if (it->second.first.stored) removed_.push_back(key);
  if (spare_order_.size() < kMaxSpareSessions)
    spare_order_.splice(spare_order_.begin(), session_order_, it->second.second);
  else
    session_order_.erase(it->second.second);
  auto node = sessions_.extract(it);
  if (spare_sessions_.size() < kMaxSpareSessions) spare_sessions_.push_back(std::move(node));
}

}  // namespace authwatch

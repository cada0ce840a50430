#include "core/detector.hpp"

#include <algorithm>
#include <cctype>

#include "core/text.hpp"

namespace authwatch {
namespace {

constexpr size_t kMaxSessions = 4096;      // sessions without a disconnect line (truncated logs)
constexpr size_t kMaxSpareSessions = 64;   // recycled session storage kept for new sessions

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

// The word after `phrase` in `text`: "... failed because of IllegalMessage" -> "IllegalMessage".
std::string word_after(std::string_view text, std::string_view phrase) {
  auto at = ifind(text, phrase);
  if (at == std::string_view::npos) return {};
  auto rest = text.substr(at + phrase.size());
  size_t end = 0;
  while (end < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[end])) || rest[end] == '_' || rest[end] == '-'))
    ++end;
  return std::string(rest.substr(0, end));
}

// Peer names sometimes arrive as IP literals ("[10.0.0.1]") or inside an SPN; normalise both.
void normalise_peer(Signal& s) {
  if (s.peer_ip.empty() && s.peer_name.empty() && !s.target_spn.empty()) {
    std::string_view spn = s.target_spn;
    auto slash = spn.find('/');
    if (slash != std::string_view::npos) spn.remove_prefix(slash + 1);
    auto at = spn.find('@');
    if (at != std::string_view::npos) spn = spn.substr(0, at);
    s.peer_name = std::string(spn);
  }
  s.peer_ip = std::string(host_of_endpoint(s.peer_ip));
  if (!s.peer_name.empty()) {
    auto host = host_of_endpoint(s.peer_name);
    if (looks_like_ip(host)) {
      if (s.peer_ip.empty()) s.peer_ip = std::string(host);
      s.peer_name.clear();
    }
  }
  if (!s.peer_ip.empty() && !looks_like_ip(s.peer_ip)) {  // a host name where an IP was expected
    if (s.peer_name.empty()) s.peer_name = s.peer_ip;
    s.peer_ip.clear();
  }
}

// The peer's address from a Get-Queue LastError: "{IP=10.0.0.2}" (2013+) or
// "The last endpoint attempted was 10.0.0.2:2525".
std::string queue_peer_ip(std::string_view last_error) {
  auto braces = ifind(last_error, "{IP=");
  if (braces != std::string_view::npos) {
    auto rest = last_error.substr(braces + 4);
    return std::string(trim(rest.substr(0, rest.find('}'))));
  }
  auto attempted = ifind(last_error, "last endpoint attempted was ");
  if (attempted != std::string_view::npos) {
    auto rest = last_error.substr(attempted + 28);
    size_t end = 0;
    while (end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[end])) && rest[end] != '}' && rest[end] != ';')
      ++end;
    return std::string(host_of_endpoint(rest.substr(0, end)));
  }
  return {};
}

std::string queue_peer_fqdn(std::string_view last_error) {
  auto at = ifind(last_error, "{FQDN=");
  if (at == std::string_view::npos) return {};
  auto rest = last_error.substr(at + 6);
  return std::string(trim(rest.substr(0, rest.find('}'))));
}

// The protocol-log columns the detector reads, taken in one pass over the event's fields: as
// e.field(name) for each, without a map lookup (string compares) per name on every line.
struct ProtocolLogColumns {
  std::string_view log_type, connector_id, session_id, local_endpoint, remote_endpoint, event, data, context;

  explicit ProtocolLogColumns(const TransportEvent& e) {
    for (const auto& [name, value] : e.fields)
      if (std::string_view* column = column_named(name)) *column = value;
  }

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
};

}  // namespace

Detector::Detector(const DetectionRules& rules) : rules_(rules) {}

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
    Signal s;
    s.key = e.key;
    s.event_key = e.key;
    s.rule = std::string(rule.name);
    s.direction = rule.direction;
    s.time = e.time;
    for (const auto& [slot, name] : rule.fields) *field_slot(s, slot) = std::string(trim(e.field(name)));
    s.signal_class = rule.matched;
    if (!rule.class_field.empty()) {
      auto value = trim(e.field(rule.class_field));
      bool hit = std::any_of(rule.class_values.begin(), rule.class_values.end(), [&](std::string_view v) { return iequals(v, value); });
      s.signal_class = hit ? rule.matched : rule.otherwise;
    }
    normalise_peer(s);
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
  auto last_error = e.field("LastError");
  if (last_error.empty()) last_error = e.text;
  for (const auto& rule : rules_.queue) {
    if (!icontains(last_error, rule.last_error_contains)) continue;
    Signal s;
    s.key = e.key;
    s.event_key = e.key;
    s.rule = std::string(rule.name);
    s.signal_class = SignalClass::Fault;
    s.direction = Direction::Outbound;
    s.time = e.time;
    s.status = std::string(rule.status);
    s.reply = std::string(last_error);
    s.peer_ip = queue_peer_ip(last_error);
    s.peer_name = queue_peer_fqdn(last_error);
    if (s.peer_name.empty()) s.peer_name = std::string(e.field("NextHopDomain"));
    // The zero GUID means "no send connector" (intra-organisation routing): not worth showing.
    if (auto connector = e.field("NextHopConnector"); connector != "00000000-0000-0000-0000-000000000000")
      s.connector = std::string(connector);
    normalise_peer(s);
    s.evidence = {{"identity", e.field("Identity")},         {"next_hop_domain", e.field("NextHopDomain")},
                  {"delivery_type", e.field("DeliveryType")}, {"status", e.field("Status")},
                  {"message_count", e.field("MessageCount")}, {"retry_count", e.field("RetryCount")},
                  {"last_retry_time", e.field("LastRetryTime")}, {"last_error", last_error}};
    return s;
  }
  return std::nullopt;
}

std::optional<Signal> Detector::detect_protocol_log(const TransportEvent& e) {
  const ProtocolLogColumns columns(e);
  const ProtocolLogSide side = icontains(columns.log_type, "Send") ? ProtocolLogSide::Send : ProtocolLogSide::Receive;
  const auto event = trim(columns.event);
  const auto data = columns.data;
  const auto context = columns.context;
  // Session ids are unique per server; the connector keeps two servers' logs apart in a monitoring
  // station. (The local endpoint cannot: a send session's first line has none yet.)
  session_key_.assign("plog-session:");
  append_lower(session_key_, columns.connector_id);
  session_key_.push_back(':');
  append_lower(session_key_, columns.session_id);
  const std::string& key = session_key_;

  Session& st = session(key);
  if (auto remote = host_of_endpoint(columns.remote_endpoint); !remote.empty()) st.peer_ip.assign(remote);
  if (st.connector.empty()) st.connector.assign(columns.connector_id);
  // The peer's own name: its EHLO domain when it connects to us, its banner when we connect to it.
  if (side == ProtocolLogSide::Receive && event == "<" && (istarts_with(data, "EHLO ") || istarts_with(data, "HELO ")))
    st.peer_name.assign(trim(data.substr(5)));
  // Only the greeting names the host: "220 2.0.0 SMTP server ready" after X-ANONYMOUSTLS does not.
  if (side == ProtocolLogSide::Send && event == "<" && st.peer_name.empty() && istarts_with(data, "220 ")) {
    auto host = trim(data.substr(4));
    host = host.substr(0, host.find(' '));
    if (!host.empty() && !std::isdigit(static_cast<unsigned char>(host.front()))) st.peer_name.assign(host);
  }
  st.lines.push(e.text);

  std::optional<Signal> result;
  for (const auto& rule : rules_.protocol_log) {
    // The side and event are compared before any text is searched.
    if (rule.side != side || event.size() != 1 || event[0] != rule.event) continue;
    bool matched = std::all_of(rule.patterns.begin(), rule.patterns.end(), [&](std::string_view p) {
      return rule.match == ProtocolLogRule::Match::DataStartsWith ? istarts_with(trim(data), p)
                                                                  : icontains(data, p) || icontains(context, p);
    });
    if (!matched) continue;
    const int cls = rule.signal_class == SignalClass::Fault ? 0 : 1;
    if (st.signalled[cls]) break;  // one signal per session and class: its first matching line
    st.signalled[cls] = true;
    Signal s;
    s.key = key + ":" + std::string(to_string(rule.signal_class));
    s.event_key = e.key;
    s.rule = std::string(rule.name);
    s.signal_class = rule.signal_class;
    s.direction = side == ProtocolLogSide::Receive ? Direction::Inbound : Direction::Outbound;
    s.time = e.time;
    s.peer_ip = st.peer_ip;
    s.peer_name = st.peer_name;
    s.connector = st.connector;
    const std::string_view info = icontains(data, rule.patterns.front()) ? data : context;
    s.status = rule.status_after.empty() ? std::string(rule.status) : word_after(info, rule.status_after);
    s.mechanism = rule.mechanism_after.empty() ? std::string(rule.mechanism) : word_after(info, rule.mechanism_after);
    if (rule.match == ProtocolLogRule::Match::DataStartsWith) s.reply = std::string(trim(data));
    normalise_peer(s);
    s.evidence = {{"file", e.location},          {"session_id", columns.session_id},
                  {"log_type", columns.log_type}, {"local_endpoint", columns.local_endpoint},
                  {"remote_endpoint", columns.remote_endpoint}, {"lines", st.lines.to_json()}};
    result = std::move(s);
    break;
  }
  if (event == "-") forget_session(key);  // disconnect: the session is over
  return result;
}

void Detector::EvidenceLines::push(std::string_view line) {
  if (next_ == slots_.size())
    slots_.emplace_back(line);
  else
    slots_[next_].assign(line);
  next_ = (next_ + 1) % kCapacity;
  stored_ = std::min(stored_ + 1, kCapacity);
}

nlohmann::json Detector::EvidenceLines::to_json() const {
  nlohmann::json lines = nlohmann::json::array();
  const size_t oldest = (next_ + kCapacity - stored_) % kCapacity;
  for (size_t i = 0; i < stored_; ++i) lines.push_back(slots_[(oldest + i) % kCapacity]);
  return lines;
}

void Detector::Session::reset() {
  peer_ip.clear();
  peer_name.clear();
  connector.clear();
  signalled[0] = signalled[1] = false;
  lines.clear();
}

Detector::Session& Detector::session(const std::string& key) {
  auto it = sessions_.find(key);
  if (it != sessions_.end()) {
    session_order_.splice(session_order_.end(), session_order_, it->second.second);
    return it->second.first;
  }
  // Storage for the new session: the least recently used one when full, else a forgotten one.
  SessionMap::node_type node;
  if (sessions_.size() >= kMaxSessions) {
    node = sessions_.extract(session_order_.front());
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
  if (node.empty()) return sessions_.emplace(key, std::make_pair(Session{}, order)).first->second.first;
  node.key().assign(key);
  node.mapped().first.reset();
  node.mapped().second = order;
  return sessions_.insert(std::move(node)).position->second.first;
}

void Detector::forget_session(const std::string& key) {
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return;
  if (spare_order_.size() < kMaxSpareSessions)
    spare_order_.splice(spare_order_.begin(), session_order_, it->second.second);
  else
    session_order_.erase(it->second.second);
  auto node = sessions_.extract(it);
  if (spare_sessions_.size() < kMaxSpareSessions) spare_sessions_.push_back(std::move(node));
}

}  // namespace authwatch

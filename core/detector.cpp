#include "core/detector.hpp"

#include <algorithm>
#include <cctype>

#include "core/text.hpp"

namespace authwatch {
namespace {

constexpr size_t kMaxSessions = 4096;      // sessions without a disconnect line (truncated logs)
constexpr size_t kMaxEvidenceLines = 24;   // per session

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
    s.signal_class = SignalClass::Fault;
    if (!rule.class_field.empty()) {
      auto value = trim(e.field(rule.class_field));
      bool fault = std::any_of(rule.fault_values.begin(), rule.fault_values.end(), [&](std::string_view v) { return iequals(v, value); });
      s.signal_class = fault ? SignalClass::Fault : rule.otherwise;
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
  const auto log_type = e.field("log-type");
  const ProtocolLogSide side = icontains(log_type, "Send") ? ProtocolLogSide::Send : ProtocolLogSide::Receive;
  const auto session_id = e.field("session-id");
  const auto event = trim(e.field("event"));
  const auto data = e.field("data");
  const auto context = e.field("context");
  // Session ids are unique per server; the connector keeps two servers' logs apart in a monitoring
  // station. (The local endpoint cannot: a send session's first line has none yet.)
  const std::string key = "plog-session:" + to_lower(e.field("connector-id")) + ":" + to_lower(session_id);

  Session& st = session(key);
  if (auto remote = host_of_endpoint(e.field("remote-endpoint")); !remote.empty()) st.peer_ip = std::string(remote);
  if (st.connector.empty()) st.connector = std::string(e.field("connector-id"));
  // The peer's own name: its EHLO domain when it connects to us, its banner when we connect to it.
  if (side == ProtocolLogSide::Receive && event == "<" && (istarts_with(data, "EHLO ") || istarts_with(data, "HELO ")))
    st.peer_name = std::string(trim(data.substr(5)));
  // Only the greeting names the host: "220 2.0.0 SMTP server ready" after X-ANONYMOUSTLS does not.
  if (side == ProtocolLogSide::Send && event == "<" && st.peer_name.empty() && istarts_with(data, "220 ")) {
    auto host = trim(data.substr(4));
    host = host.substr(0, host.find(' '));
    if (!host.empty() && !std::isdigit(static_cast<unsigned char>(host.front()))) st.peer_name = std::string(host);
  }
  st.lines.emplace_back(e.text);
  if (st.lines.size() > kMaxEvidenceLines) st.lines.pop_front();

  std::optional<Signal> result;
  for (const auto& rule : rules_.protocol_log) {
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
    s.evidence = {{"file", e.location},          {"session_id", session_id},
                  {"log_type", log_type},        {"local_endpoint", e.field("local-endpoint")},
                  {"remote_endpoint", e.field("remote-endpoint")}, {"lines", nlohmann::json(st.lines)}};
    result = std::move(s);
    break;
  }
  if (event == "-") forget_session(key);  // disconnect: the session is over
  return result;
}

Detector::Session& Detector::session(const std::string& key) {
  auto it = sessions_.find(key);
  if (it != sessions_.end()) {
    session_order_.splice(session_order_.end(), session_order_, it->second.second);
    return it->second.first;
  }
  if (sessions_.size() >= kMaxSessions) {
    sessions_.erase(session_order_.front());
    session_order_.pop_front();
  }
  session_order_.push_back(key);
  auto [inserted, _] = sessions_.emplace(key, std::make_pair(Session{}, std::prev(session_order_.end())));
  return inserted->second.first;
}

void Detector::forget_session(const std::string& key) {
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return;
  session_order_.erase(it->second.second);
  sessions_.erase(it);
}

}  // namespace authwatch

// The detector's protocol-log sessions as storage keeps them (core/detector.hpp DetectorSession).
//
// A session's state is encoded byte for byte (log lines may hold any bytes, and the signal a
// resumed session makes must be the one an uninterrupted read makes), compactly:
//   version (1 byte) | flags (1 byte) | peer_ip | peer_name | connector | line count | lines...
// where each string is a LEB128 length followed by its bytes, and the lines are oldest first.
// Decoding trusts nothing: every length is checked against what is left, the line count against
// the evidence capacity; a state that does not decode is reported and that session starts afresh.
#include <algorithm>

#include "core/detector.hpp"

namespace authwatch {
namespace {

constexpr unsigned char kVersion = 1;
enum Flag : unsigned char {
  kIssued = 1 << 0,
  kOffered = 1 << 1,
  kServerToServer = 1 << 2,
  kSignalledFault = 1 << 3,
  kSignalledNoise = 1 << 4,
};

void put_length(std::string& out, uint64_t n) {
  do {
    unsigned char byte = n & 0x7f;
    n >>= 7;
    if (n) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (n);
}

void put_string(std::string& out, std::string_view s) {
  put_length(out, s.size());
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool byte(unsigned char& b) {
    if (in_.empty()) return false;
    b = static_cast<unsigned char>(in_.front());
    in_.remove_prefix(1);
    return true;
  }
  bool length(uint64_t& n) {
    n = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      unsigned char b = 0;
      if (!byte(b)) return false;
      n |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;  // longer than any 64-bit length
  }
  bool string(std::string_view& s) {
    uint64_t n = 0;
    if (!length(n) || n > in_.size()) return false;
    s = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

std::string Detector::Session::encode() const {
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  const unsigned char flags = (exchange_auth_issued ? kIssued : 0) | (exchange_auth_offered ? kOffered : 0) |
                              (server_to_server ? kServerToServer : 0) | (signalled[0] ? kSignalledFault : 0) |
                              (signalled[1] ? kSignalledNoise : 0);
  out.push_back(static_cast<char>(flags));
  put_string(out, peer_ip);
  put_string(out, peer_name);
  put_string(out, connector);
  put_length(out, lines.size());
  lines.for_each([&](const std::string& line) { put_string(out, line); });
  return out;
}

bool Detector::Session::decode(std::string_view state) {
  reset();
  Reader in(state);
  unsigned char version = 0, flags = 0;
  std::string_view ip, name, conn;
  uint64_t count = 0;
  if (!in.byte(version) || version != kVersion || !in.byte(flags) || !in.string(ip) || !in.string(name) || !in.string(conn) ||
      !in.length(count) || count > EvidenceLines::kCapacity)
    return false;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view line;
    if (!in.string(line)) return false;
    lines.push(line);
  }
  if (!in.done()) return false;
  peer_ip.assign(ip);
  peer_name.assign(name);
  connector.assign(conn);
  exchange_auth_issued = flags & kIssued;
  exchange_auth_offered = flags & kOffered;
  server_to_server = flags & kServerToServer;
  signalled[0] = flags & kSignalledFault;
  signalled[1] = flags & kSignalledNoise;
  return true;
}

DetectorSessionChanges Detector::take_session_changes() {
  DetectorSessionChanges changes;
  changes.removed = std::move(removed_);
  removed_.clear();
  for (const auto& key : changed_) {
    auto it = sessions_.find(key);
    if (it == sessions_.end()) continue;  // ended meanwhile: a removal if it was stored
    Session& s = it->second.first;
    if (!s.changed) continue;  // the same key listed twice (ended and begun again)
    s.changed = false;
    s.stored = true;
    changes.saved.push_back({key, s.encode(), s.used});
  }
  changed_.clear();
  return changes;
}

std::vector<std::string> Detector::restore_sessions(const std::vector<DetectorSession>& stored) {
  std::vector<std::string> damaged;
  std::vector<const DetectorSession*> order;
  for (const auto& s : stored) order.push_back(&s);
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) { return a->used < b->used; });
  // More than the detector keeps (a database written with a larger bound): the most recent.
  if (order.size() > kMaxSessions) {
    for (size_t i = 0; i < order.size() - kMaxSessions; ++i) removed_.push_back(order[i]->key);
    order.erase(order.begin(), order.end() - static_cast<std::ptrdiff_t>(kMaxSessions));
  }
  for (const auto* s : order) {
    if (sessions_.count(s->key)) continue;
    Session session;
    if (!session.decode(s->state)) {
      damaged.push_back(s->key);
      removed_.push_back(s->key);
      continue;
    }
    session.used = s->used;
    session.stored = true;
    session_order_.push_back(s->key);
    sessions_.emplace(s->key, std::make_pair(std::move(session), std::prev(session_order_.end())));
    uses_ = std::max(uses_, s->used);
  }
  return damaged;
}

}  // namespace authwatch

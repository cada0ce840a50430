#include "core/links.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/ad_names.hpp"
#include "core/observer.hpp"
#include "core/text.hpp"

namespace authwatch {
namespace {

bool is_fqdn(const std::string& name) { return name.find('.') != std::string::npos && !looks_like_ip(name); }

// Servers as sets of tokens ("ip:10.0.0.1", "name:ex1") joined whenever one record ties two.
class Servers {
 public:
  std::string token_of_name(const std::string& name) {
    const std::string key = observer_key(name);
    return key.empty() ? std::string() : add(looks_like_ip(key) ? "ip:" + key : "name:" + key);
  }
  std::string token_of_address(const std::string& address) {
    const std::string a = to_lower(trim(address));
    return a.empty() ? std::string() : add("ip:" + a);
  }
  void tie(const std::string& a, const std::string& b) {
    if (a.empty() || b.empty()) return;
    const auto ra = root(a), rb = root(b);
    if (ra != rb) parent_[std::max(ra, rb)] = std::min(ra, rb);  // the smaller token leads: stable output
  }
  std::string root(std::string t) {
    while (parent_[t] != t) t = parent_[t] = parent_[parent_[t]];
    return t;
  }
  // Names seen for a server, the observers' own first (trusted: a server's word about itself).
  void name(const std::string& token, const std::string& name, bool own) {
    if (token.empty() || name.empty() || looks_like_ip(name)) return;
    names_.push_back({token, name, own});
  }
  // FQDN when known (an observer's own first), else a short name, else the address.
  std::string shown(const std::string& token) {
    const std::string r = root(token);
    const Named* best = nullptr;
    auto rank = [](const Named& n) { return (is_fqdn(n.name) ? 0 : 2) + (n.own ? 0 : 1); };
    for (const auto& n : names_) {
      if (root(n.token) != r) continue;
      if (!best || rank(n) < rank(*best) || (rank(n) == rank(*best) && to_lower(n.name) < to_lower(best->name))) best = &n;
    }
    if (best) return is_fqdn(best->name) ? to_lower(best->name) : best->name;
    std::string address;
    for (const auto& [t, _] : parent_)
      if (t.starts_with("ip:") && root(t) == r && (address.empty() || t.substr(3) < address)) address = t.substr(3);
    return address.empty() ? r.substr(r.find(':') + 1) : address;
  }

 private:
  struct Named {
    std::string token, name;
    bool own;
  };
  std::string add(const std::string& t) {
    parent_.emplace(t, t);
    return t;
  }
  std::map<std::string, std::string> parent_;
  std::vector<Named> names_;
};

}  // namespace

std::vector<Link> build_links(const std::vector<LinkEvidence>& incidents, const std::vector<ObserverIdentity>& observers) {
  Servers servers;
  // 1. Each observer's own word: its names and addresses are one server.
  for (const auto& o : observers) {
    const auto me = servers.token_of_name(o.name);
    servers.name(me, o.name, true);
    for (const auto& a : o.addresses) servers.tie(me.empty() ? servers.token_of_address(a) : me, servers.token_of_address(a));
  }
  // 2. The incidents: their observers, and their peers' names tied to the peers' addresses.
  struct Sides {
    std::string observer, peer;  // tokens; "" for an unknown peer or observer
  };
  std::vector<Sides> sides;
  for (const auto& e : incidents) {
    const auto& i = e.incident;
    Sides s;
    s.observer = servers.token_of_name(i.observer);
    servers.name(s.observer, i.observer, true);
    if (i.peer != kUnknownPeer) {
      const auto by_peer = looks_like_ip(i.peer) ? servers.token_of_address(i.peer) : servers.token_of_name(i.peer);
      const auto by_name = servers.token_of_name(i.peer_name);
      servers.tie(by_peer, by_name);
      servers.name(by_name, i.peer_name, false);
      servers.name(by_peer, i.peer, false);
      s.peer = by_peer.empty() ? by_name : by_peer;
    }
    sides.push_back(s);
  }
  // 3. One link per directed pair of servers (an unknown peer: per place its failures were seen).
  std::map<std::tuple<std::string, std::string, std::string>, Link> links;
  for (size_t n = 0; n < incidents.size(); ++n) {
    const auto& e = incidents[n];
    const auto& i = e.incident;
    const bool outbound = i.direction == Direction::Outbound;
    const std::string observer_root = sides[n].observer.empty() ? "" : servers.root(sides[n].observer);
    const std::string peer_root = sides[n].peer.empty() ? "" : servers.root(sides[n].peer);
    const std::string context = sides[n].peer.empty() ? i.peer_context : "";
    const auto key = outbound ? std::make_tuple(observer_root, peer_root, context) : std::make_tuple(peer_root, observer_root, context);
    Link& link = links[key];
    const std::string observer_shown = observer_root.empty() ? std::string(kUnknownPeer) : servers.shown(observer_root);
    const std::string peer_shown = peer_root.empty() ? std::string(kUnknownPeer) : servers.shown(peer_root);
    if (link.incidents.empty()) {
      link.from = outbound ? observer_shown : peer_shown;
      link.to = outbound ? peer_shown : observer_shown;
      link.context = context;
      link.first_seen = i.first_seen;
      link.last_seen = i.last_seen;
    }
    link.first_seen = std::min(link.first_seen, i.first_seen);
    link.last_seen = std::max(link.last_seen, i.last_seen);
    if (i.status == IncidentStatus::Open) link.status = IncidentStatus::Open;
    (outbound ? link.seen_by_from : link.seen_by_to) = true;
    if (std::find(link.seen_by.begin(), link.seen_by.end(), observer_shown) == link.seen_by.end()) link.seen_by.push_back(observer_shown);
    link.incidents.push_back({e.db, i.id, i.direction, observer_shown, i.status});
    for (const auto& c : e.causes) link.causes.push_back({observer_shown, e.db, i.id, c.cause, c.target, c.confidence});
  }
  std::vector<Link> out;
  for (auto& [_, link] : links) {
    std::sort(link.seen_by.begin(), link.seen_by.end());
    std::stable_sort(link.incidents.begin(), link.incidents.end(), [](const Link::Ref& a, const Link::Ref& b) {
      return std::tie(a.db, a.id) < std::tie(b.db, b.id);
    });
    std::stable_sort(link.causes.begin(), link.causes.end(), [](const LinkCause& a, const LinkCause& b) { return a.confidence > b.confidence; });
    out.push_back(std::move(link));
  }
  std::stable_sort(out.begin(), out.end(), [](const Link& a, const Link& b) {
    if (a.status != b.status) return a.status == IncidentStatus::Open;
    if (a.last_seen != b.last_seen) return a.last_seen > b.last_seen;
    return std::tie(a.from, a.to) < std::tie(b.from, b.to);
  });
  return out;
}

}  // namespace authwatch

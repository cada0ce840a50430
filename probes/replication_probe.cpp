#include "probes/replication_probe.hpp"

#include <charconv>
#include <functional>
#include <map>

#include "core/text.hpp"
#include "probes/async_util.hpp"
#include "probes/ldap/dc_session.hpp"
#include "probes/ldap/filter.hpp"
#include "probes/ldap/guid.hpp"
#include "probes/ldap/repl_neighbor.hpp"
#include "probes/ldap/reps_from.hpp"
#include "probes/ldap/root_dse.hpp"
#include "probes/replication_judge.hpp"

namespace authwatch::probes {
namespace {

namespace asio = boost::asio;
using namespace std::chrono;
using ldap::Entry;
using ldap::Scope;
using ldap::SearchRequest;

struct DcReading {
  DcNeighbors neighbors;
  ObjectCopy object;
};

// The forest's DCs as the configuration NC lists them: nTDSDSA ("NTDS Settings") objects under
// their server objects, which carry the dNSHostName.
struct Topology {
  std::map<std::string, std::string> dsa_dn_by_guid;
  std::map<std::string, std::string, ILess> dns_by_dsa_dn;
  size_t dsa_count = 0;
};

// "CN=NTDS Settings,CN=DC1,CN=Servers,..." -> "CN=DC1,CN=Servers,..." (RFC 4514: '\,' is no separator).
std::string parent_dn(const std::string& dn) {
  for (size_t i = 0; i < dn.size(); ++i) {
    if (dn[i] == '\\') ++i;
    else if (dn[i] == ',') return dn.substr(i + 1);
  }
  return "";
}

Result<Topology> read_topology(ldap::Directory& dir, const std::string& configuration_nc, SteadyTime deadline) {
  SearchRequest r;
  r.base = "CN=Sites," + configuration_nc;
  r.filter = "(|(objectClass=nTDSDSA)(objectClass=server))";
  r.attributes = {"objectClass", "objectGUID", "dNSHostName"};
  r.timeout = std::max(milliseconds{1}, ldap::time_left(deadline));
  auto entries = dir.search(r);
  if (!entries) return Error{entries.error()};
  Topology t;
  std::map<std::string, std::string, ILess> server_dns;
  std::vector<std::string> dsa_dns;
  for (const auto& e : entries.value()) {
    bool is_dsa = false;
    if (const auto* classes = e.values("objectClass"))
      for (const auto& c : *classes) is_dsa = is_dsa || iequals(c, "nTDSDSA");
    if (is_dsa) {
      ++t.dsa_count;
      t.dsa_dn_by_guid[ldap::guid_text(e.first("objectGUID"))] = e.dn;
      dsa_dns.push_back(e.dn);
    } else {
      server_dns[e.dn] = e.first("dNSHostName");
    }
  }
  for (const auto& dn : dsa_dns)
    if (auto it = server_dns.find(parent_dn(dn)); it != server_dns.end()) t.dns_by_dsa_dn[dn] = it->second;
  return t;
}

std::string source_name(const Topology& t, const ldap::ReplNeighbor& n) {
  if (auto it = t.dns_by_dsa_dn.find(n.source_dsa_dn); it != t.dns_by_dsa_dn.end()) return it->second;
  return "";
}

// The inbound links from repsFrom on every naming context the DC holds.
void read_reps_from(ldap::Directory& dir, const std::vector<std::string>& ncs, const Topology& topology, SteadyTime deadline,
                    DcNeighbors& out) {
  out.method = "repsFrom";
  for (const auto& nc : ncs) {
    if (ldap::time_left(deadline).count() <= 0) {
      out.unreadable.push_back(nc + ": no time left before the deadline");
      continue;
    }
    SearchRequest r;
    r.base = nc;
    r.scope = Scope::Base;
    r.attributes = {"repsFrom"};
    r.timeout = std::max(milliseconds{1}, ldap::time_left(deadline));
    auto entries = dir.search(r);
    if (!entries) {
      out.unreadable.push_back(nc + ": " + entries.error());
      continue;
    }
    for (const auto& e : entries.value()) {
      const auto* values = e.values("repsFrom");
      if (!values) continue;
      for (const auto& v : *values) {
        auto decoded = ldap::decode_reps_from(v);
        if (!decoded) {
          out.unreadable.push_back(nc + ": " + decoded.error());
          continue;
        }
        const auto& d = decoded.value();
        ldap::ReplNeighbor n;
        n.naming_context = nc;
        n.source_dsa_guid = d.source_dsa_guid;
        if (auto it = topology.dsa_dn_by_guid.find(d.source_dsa_guid); it != topology.dsa_dn_by_guid.end())
          n.source_dsa_dn = it->second;
        n.source_address = d.source_address;
        n.replica_flags = d.replica_flags;
        n.usn_synced = d.highest_usn;
        n.last_success = d.last_success;
        n.last_attempt = d.last_attempt;
        n.last_result = d.last_result;
        n.consecutive_failures = d.consecutive_failures;
        out.links.push_back({n, source_name(topology, n)});
      }
    }
  }
}

template <class T>
std::optional<T> number(const Entry& e, std::string_view attribute) {
  const std::string text = e.first(attribute);
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// The peer's computer account on this DC; nullopt when the DC has no such account.
Result<std::optional<ComputerObject>> read_object(ldap::Directory& dir, const std::string& default_nc, const std::string& account,
                                                  SteadyTime deadline) {
  SearchRequest r;
  r.base = default_nc;
  r.filter = "(&(objectClass=computer)" + ldap::equality_filter("sAMAccountName", account) + ")";
  // msDS-KeyVersionNumber is constructed: returned only when asked for by name.
  r.attributes = {"servicePrincipalName", "uSNChanged", "whenChanged", "msDS-KeyVersionNumber", "pwdLastSet"};
  r.size_limit = 1;
  r.timeout = std::max(milliseconds{1}, ldap::time_left(deadline));
  auto entries = dir.search(r);
  if (!entries) return Error{entries.error()};
  if (entries.value().empty()) return std::optional<ComputerObject>{};
  const Entry& e = entries.value().front();
  ComputerObject o;
  o.dn = e.dn;
  if (const auto* spns = e.values("servicePrincipalName")) o.spns = *spns;
  o.usn_changed = number<uint64_t>(e, "uSNChanged");
  o.when_changed = parse_generalized_time(e.first("whenChanged"));
  o.kvno = number<int64_t>(e, "msDS-KeyVersionNumber");
  o.pwd_last_set = number<int64_t>(e, "pwdLastSet");
  return std::optional<ComputerObject>{std::move(o)};
}

// Everything the probe asks one DC, over one connection. Blocking (run through run_blocking).
DcReading read_dc(const std::string& dc, const std::string& account, const std::string& ccache, SteadyTime deadline) {
  DcReading out;
  out.neighbors.dc = out.object.dc = dc;
  auto session = ldap::open_dc_session({dc}, ldap::kLdapPort, ccache, deadline);
  if (!session) {
    out.neighbors.error = out.object.error = session.error();
    return out;
  }
  auto& s = session.value();
  out.neighbors.dc_name = out.object.dc_name = s.contexts.dns_host_name;

  SearchRequest root;
  root.base = "";
  root.scope = Scope::Base;
  // Constructed attributes: only returned when asked for by name.
  root.attributes = {"msDS-ReplAllInboundNeighbors", "namingContexts"};
  root.timeout = std::max(milliseconds{1}, ldap::time_left(deadline));
  auto dse = s.directory.search(root);
  if (!dse || dse.value().empty()) {
    out.neighbors.error = dse ? "the rootDSE of " + s.source() + " is empty" : dse.error();
  } else {
    const Entry& e = dse.value().front();
    auto topology = read_topology(s.directory, s.contexts.configuration_nc, deadline);
    if (!topology) {
      out.neighbors.unreadable.push_back("sites (" + topology.error() + "): source DCs named by address only");
      topology = Topology{};
    }
    out.neighbors.sole_dc = topology.value().dsa_count == 1;
    const auto* xml = e.values("msDS-ReplAllInboundNeighbors");
    if (xml && !xml->empty()) {
      out.neighbors.method = "msDS-ReplAllInboundNeighbors";
      for (const auto& v : *xml) {
        auto n = ldap::parse_repl_neighbor_xml(v);
        if (!n) {
          out.neighbors.unreadable.push_back(n.error());
          continue;
        }
        if (n.value().source_dsa_dn.empty())
          if (auto it = topology.value().dsa_dn_by_guid.find(n.value().source_dsa_guid); it != topology.value().dsa_dn_by_guid.end())
            n.value().source_dsa_dn = it->second;
        out.neighbors.links.push_back({n.value(), source_name(topology.value(), n.value())});
      }
    } else {
      std::vector<std::string> ncs;
      if (const auto* v = e.values("namingContexts")) ncs = *v;
      read_reps_from(s.directory, ncs, topology.value(), deadline, out.neighbors);
    }
  }

  if (!account.empty()) {
    if (ldap::time_left(deadline).count() <= 0) {
      out.object.error = "no time left before the deadline for " + s.source();
    } else {
      auto object = read_object(s.directory, s.contexts.default_nc, account, deadline);
      if (!object) out.object.error = object.error();
      else out.object.object = std::move(object).value();
    }
  }
  return out;
}

std::string failing_link_text(const DcNeighbors& n) {
  for (const auto& l : n.links) {
    if (link_state(l.neighbor) != "failing") continue;
    const std::string source = !l.source_name.empty() ? l.source_name : l.neighbor.source_address;
    const std::string text = replication_error_text(l.neighbor.last_result);
    return l.neighbor.naming_context + " from " + source + " (" + std::to_string(l.neighbor.last_result) +
           (text.empty() ? "" : " " + text) + ", " + std::to_string(l.neighbor.consecutive_failures) + " consecutive failures)";
  }
  return "";
}

}  // namespace

std::string computer_account_of(const std::string& host) {
  if (host.empty() || looks_like_ip(host)) return "";
  std::string label = host.substr(0, host.find('.'));
  for (auto& c : label)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return label.empty() ? "" : label + "$";
}

asio::awaitable<std::vector<Finding>> ReplicationProbe::run(ProbeContext& ctx) {
  std::vector<Finding> findings;
  if (ctx.targets.dcs.empty()) {
    findings.push_back({"replication", "", FindingStatus::Skipped, "no domain controller to ask", {}, ""});
    co_return findings;
  }
  const std::string peer_host = !ctx.targets.peer_fqdn.empty() ? ctx.targets.peer_fqdn : host_part(ctx.targets.peer);
  const std::string account = computer_account_of(peer_host);
  const SteadyTime deadline = steady_clock::now() + ctx.settings.deadline;
  const SteadyTime work_deadline = deadline - ldap::kDirectoryReportMargin;

  using Reading = std::optional<DcReading>;
  std::vector<std::function<asio::awaitable<Reading>()>> tasks;
  for (const auto& dc : ctx.targets.dcs) {
    tasks.push_back([&ctx, dc, account, work_deadline, deadline]() -> asio::awaitable<Reading> {
      // Named first, then moved in: GCC 12 frees a bad pointer when a lambda capturing a
      // std::string is written directly inside the co_await expression.
      std::function<DcReading()> read = [dc, account, ccache = ctx.targets.ccache, work_deadline] {
        return read_dc(dc, account, ccache, work_deadline);
      };
      co_return co_await run_blocking<DcReading>(ctx.blocking, deadline, std::move(read));
    });
  }
  auto results = co_await gather<Reading>(std::move(tasks));

  const TimePoint now = time_point_cast<microseconds>(system_clock::now());
  std::vector<ObjectCopy> copies;
  for (size_t i = 0; i < results.size(); ++i) {
    const std::string& dc = ctx.targets.dcs[i];
    DcReading r;
    if (results[i] && *results[i]) {
      r = std::move(**results[i]);
    } else {
      r.neighbors.dc = r.object.dc = dc;
      r.neighbors.error = r.object.error =
          "no answer from " + dc + " within the probe's deadline (" + std::to_string(ctx.settings.deadline.count()) + " ms)";
    }
    findings.push_back(judge_neighbors(r.neighbors, now));
    r.object.failing_link = failing_link_text(r.neighbors);
    copies.push_back(std::move(r.object));
  }
  if (account.empty()) {
    findings.push_back({"replication", "", FindingStatus::Skipped,
                        "no peer name to look up (set the peer's FQDN): the peer's computer object was not compared across DCs",
                        {},
                        ""});
  } else {
    findings.push_back(judge_object(account, copies));
  }
  co_return findings;
}

}  // namespace authwatch::probes

#include "probes/spn_probe.hpp"

#include <algorithm>
#include <cctype>
#include <functional>

#include "core/ad_names.hpp"
#include "core/text.hpp"
#include "probes/async_util.hpp"
#include "probes/ldap/dc_session.hpp"
#include "probes/ldap/filter.hpp"

namespace authwatch::probes {
namespace {

using namespace std::chrono;
using ldap::Entry;
using ldap::Scope;
using ldap::SearchRequest;

const char* const kTicketFlush = "then purge the sending server's Kerberos tickets (`klist -li 0x3e7 purge` on it) once AD has replicated";

struct SpnInputs {
  std::vector<std::string> dcs;
  std::vector<std::string> hosts;
  std::string ccache;
};

struct SpnCollection {
  std::vector<HostSpnReport> hosts;
  ForestSpnReport forest;
};

SpnAccount account_of(const Entry& e) { return {e.dn, e.first("sAMAccountName"), e.first("dNSHostName")}; }

bool same_account(const SpnAccount& a, const SpnAccount& b) { return iequals(a.dn, b.dn); }

void add_unique(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

nlohmann::json dns_of(const std::vector<SpnAccount>& holders) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& h : holders) list.push_back(h.dn);
  return list;
}

// The SPN's own server among its holders: the account whose name or dNSHostName is the SPN's host.
const SpnAccount* rightful_holder(const std::string& spn, const std::vector<SpnAccount>& holders) {
  const std::string host = spn_host(spn);
  const SpnAccount* found = nullptr;
  for (const auto& h : holders) {
    std::string sam = h.sam_account_name;
    if (!sam.empty() && sam.back() == '$') sam.pop_back();
    const bool matches = iequals(h.dns_host_name, host) || (!sam.empty() && iequals(sam, short_host(host))) ||
                         (!h.dns_host_name.empty() && host.find('.') == std::string::npos && iequals(short_host(h.dns_host_name), host));
    if (!matches) continue;
    if (found) return nullptr;  // more than one claims it: no guess
    found = &h;
  }
  return found;
}

// The account's FQDN: its dNSHostName; without one (set by the machine itself when it joins),
// the name under the account's domain, which is what a default primary DNS suffix gives.
std::string fqdn_of(const SpnAccount& account, const std::string& short_name) {
  if (!account.dns_host_name.empty()) return account.dns_host_name;
  std::string domain;
  for (const auto& [type, value] : parse_dn(account.dn))
    if (iequals(type, "DC")) domain += (domain.empty() ? "" : ".") + to_lower(value);
  return domain.empty() ? "" : to_lower(short_name) + "." + domain;
}

// ---- directory work (blocking; runs on the probe's thread pool) ----

// Domain NC -> NetBIOS name. A failure only costs the exact names in the commands.
NetbiosNames read_netbios_names(ldap::DcSession& dc, steady_clock::time_point deadline) {
  NetbiosNames names;
  if (dc.contexts.configuration_nc.empty()) return names;
  SearchRequest r;
  r.base = "CN=Partitions," + dc.contexts.configuration_nc;
  r.scope = Scope::OneLevel;
  r.filter = "(&(objectClass=crossRef)(nETBIOSName=*))";
  r.attributes = {"nCName", "nETBIOSName"};
  r.timeout = std::max(milliseconds{1}, ldap::time_left(deadline));
  if (auto found = dc.directory.search(r))
    for (const auto& e : found.value())
      if (!e.first("nCName").empty()) names[e.first("nCName")] = e.first("nETBIOSName");
  return names;
}

Result<std::vector<Entry>> search(ldap::DcSession& session, std::string base, std::string filter, std::vector<std::string> attributes,
                                  steady_clock::time_point deadline) {
  SearchRequest r;
  r.base = std::move(base);
  r.filter = std::move(filter);
  r.attributes = std::move(attributes);
  const auto left = ldap::time_left(deadline);
  if (left.count() <= 0) return Error{"no time left for the search " + r.filter + " at " + session.source()};
  r.timeout = left;
  return session.directory.search(r);
}

// The host's computer account: by dNSHostName first (it is the FQDN the SPN names), else by
// sAMAccountName. On the DC's domain, then forest-wide in the global catalog.
Result<std::optional<SpnAccount>> find_account(ldap::DcSession& dc, ldap::DcSession& gc, const std::string& short_name,
                                               const std::string& fqdn, steady_clock::time_point deadline) {
  std::vector<std::string> names{ldap::equality_filter("sAMAccountName", short_name + "$")};
  if (!fqdn.empty()) names.push_back(ldap::equality_filter("dNSHostName", fqdn));
  const std::string filter = "(&(objectClass=computer)" + ldap::any_of(names) + ")";
  const std::vector<std::string> attributes{"sAMAccountName", "dNSHostName"};
  for (auto* session : {&dc, &gc}) {
    auto found = search(*session, session == &dc ? dc.contexts.default_nc : "", filter, attributes, deadline);
    if (!found) return Error{found.error()};
    const SpnAccount* by_name = nullptr;
    std::vector<SpnAccount> accounts;
    for (const auto& e : found.value()) accounts.push_back(account_of(e));
    for (const auto& a : accounts) {
      if (!fqdn.empty() && iequals(a.dns_host_name, fqdn)) return std::optional<SpnAccount>(a);
      if (!by_name && iequals(a.sam_account_name, short_name + "$")) by_name = &a;
    }
    if (by_name) return std::optional<SpnAccount>(*by_name);
  }
  return std::optional<SpnAccount>();
}

HostSpnReport check_host(ldap::DcSession& dc, ldap::DcSession& gc, const std::string& host, const NetbiosNames& netbios,
                         steady_clock::time_point deadline) {
  HostSpnReport report;
  report.host = host;
  report.netbios = netbios;
  report.source = dc.source() + ", global catalog " + gc.source();
  const std::string short_name = short_host(host);
  std::string fqdn = host.find('.') != std::string::npos ? host : "";
  auto account = find_account(dc, gc, short_name, fqdn, deadline);
  if (!account) {
    report.error = account.error();
    return report;
  }
  report.account = account.value();
  if (fqdn.empty() && report.account) fqdn = fqdn_of(*report.account, short_name);  // a short name was given
  report.expected = expected_smtp_spns(short_name, fqdn);

  std::vector<std::string> wanted;
  for (const auto& spn : report.expected) wanted.push_back(ldap::equality_filter("servicePrincipalName", spn));
  auto holders = search(gc, "", ldap::any_of(wanted), {"sAMAccountName", "dNSHostName", "servicePrincipalName"}, deadline);
  if (!holders) {
    report.error = holders.error();
    return report;
  }
  for (const auto& e : holders.value()) {
    const auto* spns = e.values("servicePrincipalName");
    if (!spns) continue;
    for (const auto& spn : report.expected)
      if (std::any_of(spns->begin(), spns->end(), [&spn](const std::string& v) { return iequals(v, spn); }))
        report.holders[spn].push_back(account_of(e));
  }
  return report;
}

ForestSpnReport scan_forest(ldap::DcSession& gc, const NetbiosNames& netbios, steady_clock::time_point deadline) {
  ForestSpnReport report;
  report.netbios = netbios;
  report.source = "global catalog " + gc.source();
  // "SMTP*" matches both service classes Exchange registers, SMTPSVC/ and SMTP/.
  auto found = search(gc, "", "(servicePrincipalName=SMTP*)", {"sAMAccountName", "dNSHostName", "servicePrincipalName"}, deadline);
  if (!found) {
    report.error = found.error();
    return report;
  }
  for (const auto& e : found.value()) {
    const auto* spns = e.values("servicePrincipalName");
    if (!spns) continue;
    for (const auto& spn : *spns)
      if (istarts_with(spn, "SMTP") && spn.find('/') != std::string::npos) report.holders[spn].push_back(account_of(e));
  }
  return report;
}

SpnCollection collect(const SpnInputs& in, steady_clock::time_point deadline) {
  SpnCollection out;
  auto fail_all = [&out, &in](const std::string& error) {
    for (const auto& h : in.hosts) {
      HostSpnReport r;
      r.host = h;
      r.error = error;
      out.hosts.push_back(std::move(r));
    }
    out.forest.error = error;
    return out;
  };
  auto dc = ldap::open_dc_session(in.dcs, ldap::kLdapPort, in.ccache, deadline);
  if (!dc) return fail_all(dc.error());
  // The global catalog: the DC that answered first, then the others.
  std::vector<std::string> gcs{dc.value().host};
  for (const auto& h : in.dcs)
    if (h != dc.value().host) gcs.push_back(h);
  auto gc = ldap::open_dc_session(gcs, ldap::kGlobalCatalogPort, in.ccache, deadline);
  if (!gc) return fail_all("no global catalog (port 3268) answered: " + gc.error());
  const NetbiosNames netbios = read_netbios_names(dc.value(), deadline);
  for (const auto& host : in.hosts) out.hosts.push_back(check_host(dc.value(), gc.value(), host, netbios, deadline));
  out.forest = scan_forest(gc.value(), netbios, deadline);
  return out;
}

}  // namespace

std::vector<std::string> expected_smtp_spns(std::string_view short_name, std::string_view fqdn) {
  std::vector<std::string> out;
  for (const char* service : {"SMTPSVC/", "SMTP/"}) {
    if (!short_name.empty()) out.push_back(service + std::string(short_name));
    if (!fqdn.empty() && !iequals(fqdn, short_name)) out.push_back(service + std::string(fqdn));
  }
  return out;
}

std::string setspn_account(const SpnAccount& account, const NetbiosNames& netbios) {
  std::string name = account.sam_account_name.empty() ? first_rdn_value(account.dn) + "$" : account.sam_account_name;
  std::string domain;
  size_t best = 0;
  for (const auto& [nc, nb] : netbios) {
    if (nb.empty() || nc.size() <= best || nc.size() > account.dn.size()) continue;
    const size_t at = account.dn.size() - nc.size();
    if (iequals(std::string_view(account.dn).substr(at), nc) && (at == 0 || account.dn[at - 1] == ',')) domain = nb, best = nc.size();
  }
  if (domain.empty()) domain = netbios_domain_of_dn(account.dn);
  return domain.empty() ? name : domain + "\\" + name;
}

Finding judge_host_spns(const HostSpnReport& report) {
  Finding f{"spn", report.host, FindingStatus::Ok, "", {{"source", report.source}}, ""};
  if (!report.error.empty()) {
    f.status = FindingStatus::Error;
    f.evidence["error"] = report.error;
    f.summary = "cannot check the SPNs of " + report.host + ": " + report.error;
    f.remediation = "Make sure this server reaches a domain controller on TCP 389 and a global catalog on TCP 3268, and has "
                    "Kerberos credentials to bind with (a ticket for its account, or --ccache).";
    return f;
  }
  const auto* account = report.account ? &*report.account : nullptr;
  const std::string own = account ? setspn_account(*account, report.netbios) : "";
  f.evidence["account"] = account ? nlohmann::json(account->dn) : nlohmann::json(nullptr);
  if (account) f.evidence["account_name"] = own;
  f.evidence["expected"] = report.expected;
  nlohmann::json present = nlohmann::json::array(), missing = nlohmann::json::array(), duplicates = nlohmann::json::array(),
                 wrong_owner = nlohmann::json::array();
  std::vector<std::string> problems, removals, additions;
  for (const auto& spn : report.expected) {
    auto it = report.holders.find(spn);
    const std::vector<SpnAccount> none;
    const auto& holders = it == report.holders.end() ? none : it->second;
    const bool held_by_own = account && std::any_of(holders.begin(), holders.end(), [account](const SpnAccount& h) { return same_account(h, *account); });
    if (holders.empty()) {
      missing.push_back(spn);
      problems.push_back(spn + " missing");
      if (account) add_unique(additions, "`setspn -S " + spn + " " + own + "`");
      continue;
    }
    if (held_by_own) present.push_back(spn);
    if (holders.size() > 1) {
      duplicates.push_back({{"spn", spn}, {"owners", dns_of(holders)}});
      problems.push_back(spn + " held by " + std::to_string(holders.size()) + " objects");
    }
    if (!held_by_own) {
      std::vector<std::string> others;
      for (const auto& h : holders) {
        wrong_owner.push_back({{"spn", spn}, {"owner", h.dn}});
        others.push_back(setspn_account(h, report.netbios));
      }
      problems.push_back(spn + " on " + join(others, ", ") + (account ? " instead of " + own : ""));
      if (account) add_unique(additions, "`setspn -S " + spn + " " + own + "`");
    }
    // Whatever holds it besides the host's own account loses it (with no account found, only
    // when the SPN's own server is clear among several holders).
    const SpnAccount* keep = account;
    if (!keep && holders.size() > 1) keep = rightful_holder(spn, holders);
    if (keep)
      for (const auto& h : holders)
        if (!same_account(h, *keep)) add_unique(removals, "`setspn -D " + spn + " " + setspn_account(h, report.netbios) + "`");
  }
  f.evidence["present"] = present;
  f.evidence["missing"] = missing;
  f.evidence["duplicates"] = duplicates;
  f.evidence["wrong_owner"] = wrong_owner;

  const std::string short_name = short_host(report.host);
  if (!account) {
    f.status = FindingStatus::Fail;
    std::string upper = short_name;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    f.summary = report.host + ": no computer account (sAMAccountName " + upper + "$ or dNSHostName " + report.host +
                ") in the forest" + (problems.empty() ? "" : "; " + join(problems, "; "));
    f.remediation = "No computer account matches " + report.host + ": check the server's name (--peer-fqdn/--local-fqdn), or "
                    "rejoin it to the domain; its SMTPSVC/ and SMTP/ SPNs (short name and FQDN) must be on that account";
    if (!removals.empty()) f.remediation += "; on a DC: " + join(removals, "; ");
    f.remediation += ".";
    return f;
  }
  if (problems.empty()) {
    f.summary = report.host + ": " + std::to_string(report.expected.size()) + " SMTPSVC/SMTP SPNs, each held by " + own + " only";
    return f;
  }
  f.status = FindingStatus::Fail;
  f.summary = report.host + " (" + own + "): " + join(problems, "; ");
  std::vector<std::string> commands = removals;  // removals first: setspn -S refuses an SPN held elsewhere
  commands.insert(commands.end(), additions.begin(), additions.end());
  f.remediation = "As a Domain Admin run " + join(commands, "; ") + "; " + kTicketFlush + ".";
  return f;
}

Finding judge_forest_spns(const ForestSpnReport& report) {
  Finding f{"spn", "forest", FindingStatus::Ok, "", {{"source", report.source}}, ""};
  if (!report.error.empty()) {
    f.status = FindingStatus::Error;
    f.evidence["error"] = report.error;
    f.summary = "cannot scan the forest for duplicate SMTP SPNs: " + report.error;
    return f;
  }
  nlohmann::json duplicates = nlohmann::json::array();
  std::vector<std::string> shown, commands;
  for (const auto& [spn, holders] : report.holders) {
    if (holders.size() < 2) continue;
    duplicates.push_back({{"spn", spn}, {"owners", dns_of(holders)}});
    std::vector<std::string> names;
    for (const auto& h : holders) names.push_back(setspn_account(h, report.netbios));
    shown.push_back(spn + " (" + join(names, ", ") + ")");
    if (const SpnAccount* keep = rightful_holder(spn, holders)) {
      for (const auto& h : holders)
        if (!same_account(h, *keep)) add_unique(commands, "`setspn -D " + spn + " " + setspn_account(h, report.netbios) + "`");
    } else {
      commands.push_back(spn + " is on " + join(names, " and ") + ": keep it only on its server's account (`setspn -D " + spn +
                         " <the other account>`)");
    }
  }
  f.evidence["duplicates"] = duplicates;
  f.evidence["scanned"] = report.holders.size();
  if (duplicates.empty()) {
    f.summary = std::to_string(report.holders.size()) + " SMTPSVC/SMTP SPNs in the forest, none held twice";
    return f;
  }
  f.status = FindingStatus::Fail;
  f.summary = std::to_string(duplicates.size()) + " of " + std::to_string(report.holders.size()) +
              " SMTPSVC/SMTP SPNs are held by more than one object: " + join(shown, "; ");
  f.remediation = "Duplicate SPNs make the KDC refuse the ticket (KDC event 11). As a Domain Admin run " + join(commands, "; ") +
                  " (check with `setspn -X -F`); " + kTicketFlush + ".";
  return f;
}

boost::asio::awaitable<std::vector<Finding>> SpnProbe::run(ProbeContext& ctx) {
  std::vector<Finding> findings;
  if (ctx.targets.dcs.empty()) {
    findings.push_back({"spn", "", FindingStatus::Skipped, "no domain controller to ask (give --dc, or --domain to find them)", {}, ""});
    co_return findings;
  }
  SpnInputs inputs{ctx.targets.dcs, {}, ctx.targets.ccache};
  std::string peer = ctx.targets.peer_fqdn;
  if (peer.empty()) {
    peer = host_part(ctx.targets.peer);
    if (looks_like_ip(peer) || peer.find_first_of("[]:") != std::string::npos) peer.clear();  // an address names no account
  }
  if (!peer.empty()) inputs.hosts.push_back(peer);
  if (!ctx.targets.local_fqdn.empty() && !iequals(ctx.targets.local_fqdn, peer)) inputs.hosts.push_back(ctx.targets.local_fqdn);

  const auto deadline = steady_clock::now() + ctx.settings.deadline;
  const auto work_deadline = deadline - std::min(ldap::kDirectoryReportMargin, ctx.settings.deadline / 10);
  // Named first, then moved in (GCC 12 coroutine bug with capturing lambdas in co_await).
  std::function<SpnCollection()> work = [inputs, work_deadline] { return collect(inputs, work_deadline); };
  auto collected = co_await run_blocking<SpnCollection>(ctx.blocking, deadline, std::move(work));
  if (!collected) {
    SpnCollection late;
    for (const auto& h : inputs.hosts) late.hosts.push_back({h, "the directory did not answer before the deadline", {}, {}, {}, {}, ""});
    late.forest.error = "the directory did not answer before the deadline";
    collected = std::move(late);
  }
  for (const auto& host : collected->hosts) findings.push_back(judge_host_spns(host));
  findings.push_back(judge_forest_spns(collected->forest));
  co_return findings;
}

}  // namespace authwatch::probes

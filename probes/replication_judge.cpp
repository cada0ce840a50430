#include "probes/replication_judge.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/ad_names.hpp"
#include "core/nt_time.hpp"
#include "core/text.hpp"

namespace authwatch::probes {
namespace {

nlohmann::json iso_or_null(const std::optional<TimePoint>& t) { return t ? nlohmann::json(format_iso8601(*t)) : nlohmann::json(); }

std::string age_text(int64_t seconds) {
  if (seconds < 120) return std::to_string(seconds) + " s";
  if (seconds < 2 * 3600) return std::to_string(seconds / 60) + " min";
  if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + " h";
  return std::to_string(seconds / 86400) + " d";
}

// How a link's source is named in evidence and in repadmin commands.
std::string source_of(const InboundLink& l) {
  if (!l.source_name.empty()) return l.source_name;
  if (!l.neighbor.source_dsa_dn.empty()) return server_of_dsa(l.neighbor.source_dsa_dn);
  return l.neighbor.source_address;
}

std::string to_upper_ascii(std::string s) {
  for (auto& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

// repadmin takes a DC's name: the short host name of its dNSHostName, else what was targeted.
std::string repadmin_name(const std::string& dns_or_target) {
  if (looks_like_ip(dns_or_target)) return dns_or_target;
  auto dot = dns_or_target.find('.');
  return to_upper_ascii(dns_or_target.substr(0, dot));
}

std::string result_text(uint32_t code) {
  auto text = replication_error_text(code);
  return std::to_string(code) + (text.empty() ? "" : " " + text);
}

}  // namespace

std::string replication_error_text(uint32_t code) {
  static const std::map<uint32_t, const char*> texts = {
      {0, "The operation completed successfully."},
      {5, "Access is denied."},
      {53, "The network path was not found."},
      {64, "The specified network name is no longer available."},
      {121, "The semaphore timeout period has expired."},
      {1225, "The remote computer refused the network connection."},
      {1231, "The network location cannot be reached."},
      {1232, "The network location cannot be reached."},
      {1234, "No service is operating at the destination network endpoint on the remote system."},
      {1235, "The request was aborted."},
      {1236, "The network connection was aborted by the local system."},
      {1256, "The remote system is not available."},
      {1311, "There are currently no logon servers available to service the logon request."},
      {1326, "The user name or password is incorrect."},
      {1396, "The target account name is incorrect."},
      {1398, "There is a time and/or date difference between the client and server."},
      {1460, "This operation returned because the timeout period expired."},
      {1722, "The RPC server is unavailable."},
      {1723, "The RPC server is too busy to complete this operation."},
      {1727, "The remote procedure call failed and did not execute."},
      {1753, "There are no more endpoints available from the endpoint mapper."},
      {1818, "The remote procedure call was cancelled."},
      {1908, "Could not find the domain controller for this domain."},
      {8240, "There is no such object on the server."},
      {8418, "The replication operation failed because of a schema mismatch between the servers involved."},
      {8451, "The replication operation encountered a database error."},
      {8452, "The naming context is in the process of being removed or is not replicated from the specified server."},
      {8453, "Replication access was denied."},
      {8456, "The source server is currently rejecting replication requests."},
      {8457, "The destination server is currently rejecting replication requests."},
      {8461, "The replication operation was preempted."},
      {8524, "The DSA operation is unable to proceed because of a DNS lookup failure."},
      {8606, "Insufficient attributes were given to create an object (a lingering object on the source)."},
      {8614, "The time since the last replication with this server has exceeded the tombstone lifetime."},
      {0x8009030CU, "The attempted logon is invalid (SEC_E_LOGON_DENIED)."},
      {0x80090322U, "The target principal name is incorrect (SEC_E_WRONG_PRINCIPAL)."},
  };
  auto it = texts.find(code);
  return it == texts.end() ? "" : it->second;
}

std::string_view link_state(const ldap::ReplNeighbor& link) {
  // The last attempt's result decides, as `repadmin /showrepl` reports a link. A failure count
  // beside a successful last attempt is not a failing link: Samba was seen to report one failure
  // with result 0 and a success seconds old right after a healthy lab's setup (a diagnosis then
  // named "replication" on a healthy lab); Windows resets the count with the success.
  if (link.last_result != 0) return "failing";
  if (!link.last_attempt) return "unknown";
  return "ok";
}

Finding judge_neighbors(const DcNeighbors& dc, TimePoint now) {
  const std::string who = dc.dc_name.empty() ? dc.dc : dc.dc_name;
  Finding f{"replication", dc.dc, FindingStatus::Ok, "", nlohmann::json::object(), ""};
  if (!dc.error.empty()) {
    f.status = FindingStatus::Error;
    f.summary = "could not read the inbound replication state of " + who + ": " + dc.error;
    f.evidence["error"] = dc.error;
    return f;
  }
  f.evidence["method"] = dc.method;
  nlohmann::json neighbors = nlohmann::json::array();
  size_t ok = 0, unknown = 0;
  std::vector<const InboundLink*> failing;
  for (const auto& l : dc.links) {
    const auto& n = l.neighbor;
    const auto state = link_state(n);
    nlohmann::json j{{"source_dsa", source_of(l)},
                     {"source_dsa_dn", n.source_dsa_dn},
                     {"source_address", n.source_address},
                     {"naming_context", n.naming_context},
                     {"state", state},
                     {"consecutive_failures", n.consecutive_failures},
                     // signed, as repadmin shows HRESULTs (-2146893022 = 0x80090322)
                     {"last_result", static_cast<int32_t>(n.last_result)},
                     {"last_result_text", replication_error_text(n.last_result)},
                     {"last_success", iso_or_null(n.last_success)},
                     {"last_success_age_seconds", nullptr},
                     {"last_attempt", iso_or_null(n.last_attempt)}};
    if (n.last_success)
      j["last_success_age_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(now - *n.last_success).count();
    neighbors.push_back(std::move(j));
    if (state == "failing") failing.push_back(&l);
    else if (state == "unknown") ++unknown;
    else ++ok;
  }
  f.evidence["neighbors"] = std::move(neighbors);
  if (!dc.unreadable.empty()) f.evidence["unreadable"] = dc.unreadable;
  const std::string unread_note =
      dc.unreadable.empty() ? "" : "; " + std::to_string(dc.unreadable.size()) + " value(s) unreadable: " + dc.unreadable.front();

  const std::string via = " (" + dc.method + ")";
  if (dc.links.empty()) {
    f.status = dc.sole_dc && dc.unreadable.empty() ? FindingStatus::Ok : FindingStatus::Warn;
    f.summary = dc.sole_dc ? who + " has no inbound replication partners: it is the forest's only DC"
                           : who + " shows no inbound replication links" + via +
                                 ": it replicates from no one, or this account may not read its replication state" +
                                 unread_note;
    if (!dc.sole_dc)
      f.remediation = "Run `repadmin /showrepl " + repadmin_name(who) +
                      "` on a DC: a DC without inbound connections never receives SPN or key changes made elsewhere. "
                      "Let the KCC rebuild connections (`repadmin /kcc " + repadmin_name(who) + "`), then `repadmin /syncall /AdeP`.";
    return f;
  }
  if (!failing.empty()) {
    f.status = FindingStatus::Fail;
    const auto& first = *failing.front();
    const auto& n = first.neighbor;
    std::string detail = n.naming_context + " from " + source_of(first) + " (" + result_text(n.last_result) + ", " +
                         std::to_string(n.consecutive_failures) + " consecutive failure" + (n.consecutive_failures == 1 ? "" : "s");
    if (n.last_success)
      detail += ", last success " + age_text(std::chrono::duration_cast<std::chrono::seconds>(now - *n.last_success).count()) + " ago";
    else
      detail += ", never succeeded";
    detail += ")";
    f.summary = "inbound replication on " + who + " fails: " + detail;
    if (failing.size() > 1) f.summary += " and " + std::to_string(failing.size() - 1) + " more link(s)";
    f.summary += unread_note;
    const std::string dst = repadmin_name(who), src = repadmin_name(source_of(first));
    f.remediation = "On " + who + " the link " + detail + " fails, so changes made on " + source_of(first) +
                    " (SPNs, computer passwords) do not reach it. Run `repadmin /showrepl " + dst +
                    "`, fix the cause between the two DCs (name resolution of " + n.source_address +
                    ", RPC 135 and the dynamic ports, time, the DCs' secure channel), then `repadmin /replicate " + dst + " " + src +
                    " " + n.naming_context + "` and `repadmin /syncall /AdeP`.";
    return f;
  }
  if (ok == 0) {
    f.status = FindingStatus::Warn;
    f.summary = who + ": none of its " + std::to_string(unknown) + " inbound link(s) has been attempted yet" + via + unread_note;
    f.remediation = "Nothing shows that " + who + " replicates. Run `repadmin /showrepl " + repadmin_name(who) +
                    "`, then `repadmin /syncall /AdeP` and check the result.";
    return f;
  }
  f.summary = who + ": " + std::to_string(ok) + " inbound link(s) ok" + via;
  if (unknown > 0) f.summary += "; " + std::to_string(unknown) + " never attempted yet (state unknown)";
  if (!dc.unreadable.empty()) {
    f.status = FindingStatus::Warn;  // a link we could not read may be the failing one
    f.summary += unread_note;
    f.remediation = "Check `repadmin /showrepl " + repadmin_name(who) + "` for the links AuthWatch could not read.";
  }
  return f;
}

Finding judge_object(const std::string& account, const std::vector<ObjectCopy>& copies) {
  Finding f{"replication", account, FindingStatus::Ok, "", nlohmann::json::object(), ""};
  nlohmann::json per_dc = nlohmann::json::object();
  std::vector<const ObjectCopy*> present, absent, unreadable;
  for (const auto& c : copies) {
    if (!c.error.empty()) {
      per_dc[c.dc] = {{"error", c.error}};
      unreadable.push_back(&c);
    } else if (!c.object) {
      per_dc[c.dc] = {{"error", "no account " + account + " on this DC"}};
      absent.push_back(&c);
    } else {
      const auto& o = *c.object;
      auto spns = o.spns;
      std::sort(spns.begin(), spns.end(), [](const std::string& a, const std::string& b) { return iless(a, b); });
      nlohmann::json j{{"dn", o.dn}, {"servicePrincipalName", spns}};
      j["uSNChanged"] = o.usn_changed ? nlohmann::json(*o.usn_changed) : nlohmann::json();
      j["whenChanged"] = iso_or_null(o.when_changed);
      j["msDS-KeyVersionNumber"] = o.kvno ? nlohmann::json(*o.kvno) : nlohmann::json();
      j["pwdLastSet"] = o.pwd_last_set ? iso_or_null(from_filetime(static_cast<uint64_t>(*o.pwd_last_set))) : nlohmann::json();
      per_dc[c.dc] = std::move(j);
      present.push_back(&c);
    }
  }
  f.evidence["per_dc"] = per_dc;
  auto name_of = [](const ObjectCopy* c) { return c->dc_name.empty() ? c->dc : c->dc_name; };

  if (present.empty()) {
    f.status = FindingStatus::Error;
    f.evidence["disagree"] = nlohmann::json::array();
    f.evidence["behind"] = nlohmann::json::array();
    f.summary = unreadable.size() == copies.size() ? "could not read " + account + " from any DC"
                                                   : "no computer account " + account + " on any DC that answered";
    return f;
  }
  // The reference copy: the one changed most recently (whenChanged, local to each DC, moves when
  // a change is written or replicated in; the copy with the newest one has seen the latest change).
  const ObjectCopy* ref = present.front();
  for (const auto* c : present)
    if (c->object->when_changed && (!ref->object->when_changed || *c->object->when_changed > *ref->object->when_changed)) ref = c;
  f.target = ref->object->dn;

  auto spn_set = [](const ComputerObject& o) {
    std::set<std::string> s;
    for (const auto& spn : o.spns) s.insert(to_lower(spn));
    return s;
  };
  std::vector<std::string> disagree;
  std::set<std::string> behind_set;
  std::vector<std::string> behind;
  auto mark_behind = [&](const ObjectCopy* c) {
    if (behind_set.insert(c->dc).second) behind.push_back(c->dc);
  };
  const auto ref_spns = spn_set(*ref->object);
  bool spn_differs = false;
  for (const auto* c : present)
    if (spn_set(*c->object) != ref_spns) spn_differs = true, mark_behind(c);
  if (spn_differs) disagree.push_back("servicePrincipalName");
  // Key version and pwdLastSet only grow: lower = older.
  auto numeric = [&](const char* name, auto get) {
    std::optional<int64_t> high;
    bool differs = false;
    for (const auto* c : present) {
      auto v = get(*c->object);
      if (!v) continue;
      if (high && *v != *high) differs = true;
      if (!high || *v > *high) high = v;
    }
    if (!differs) return;
    disagree.push_back(name);
    for (const auto* c : present)
      if (auto v = get(*c->object); v && *v < *high) mark_behind(c);
  };
  numeric("msDS-KeyVersionNumber", [](const ComputerObject& o) { return o.kvno; });
  numeric("pwdLastSet", [](const ComputerObject& o) { return o.pwd_last_set; });
  for (const auto* c : absent) mark_behind(c);

  f.evidence["disagree"] = disagree;
  f.evidence["behind"] = behind;
  if (!absent.empty()) {
    std::vector<std::string> list;
    for (const auto* c : absent) list.push_back(c->dc);
    f.evidence["absent"] = list;
  }
  auto joined = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  const bool kerberos_relevant = spn_differs || std::find(disagree.begin(), disagree.end(), "msDS-KeyVersionNumber") != disagree.end();
  if (kerberos_relevant || !absent.empty()) f.status = FindingStatus::Fail;
  else if (!disagree.empty() || !unreadable.empty()) f.status = FindingStatus::Warn;

  std::vector<std::string> behind_names;
  for (const auto& c : copies)
    if (behind_set.count(c.dc)) behind_names.push_back(c.dc_name.empty() ? c.dc : c.dc_name);
  if (f.status == FindingStatus::Ok) {
    f.summary = account + ": " + std::to_string(present.size()) + " DC(s) hold the same SPNs and key version";
    if (present.size() == 1) f.summary = account + ": only " + name_of(present.front()) + " answered; nothing to compare";
    return f;
  }
  if (!disagree.empty() || !absent.empty()) {
    f.summary = account + ": DCs disagree";
    if (!disagree.empty()) f.summary += " on " + joined(disagree);
    if (!absent.empty()) f.summary += std::string(disagree.empty() ? "" : ";") + " the account is missing on some";
    f.summary += "; behind: " + joined(behind_names);
  } else {
    f.summary = account + ": the DCs that answered agree";
  }
  if (!unreadable.empty()) {
    std::vector<std::string> names;
    for (const auto* c : unreadable) names.push_back(name_of(c));
    f.summary += "; not read from " + joined(names);
  }
  if (!behind.empty()) {
    std::string links;
    for (const auto& c : copies)
      if (behind_set.count(c.dc) && !c.failing_link.empty())
        links += " Its failing inbound link on " + (c.dc_name.empty() ? c.dc : c.dc_name) + ": " + c.failing_link + ".";
    f.remediation = joined(behind_names) + " still hold" + (behind_names.size() == 1 ? "s" : "") + " an older copy of " + f.target +
                    " than " + name_of(ref) + ": a KDC there issues tickets for the old SPNs or keys (454 4.7.0 until it converges)." +
                    links + " Run `repadmin /showrepl` on " + joined(behind_names) +
                    ", fix the failing link, then `repadmin /syncall /AdeP` (or `repadmin /replicate " + repadmin_name(behind_names.front()) +
                    " " + repadmin_name(name_of(ref)) + " <naming context>`) and check that the copies agree.";
  }
  return f;
}

}  // namespace authwatch::probes

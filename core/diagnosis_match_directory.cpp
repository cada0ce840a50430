// Matchers over the directory: SPNs (setspn's view) and replication (neighbors, and the peer's
// account compared across DCs). probes/FINDINGS.md: spn, replication.
#include "core/diagnosis_matchers.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "core/diagnosis_evidence.hpp"

namespace authwatch::diagnosis {

using namespace reading;

// ---- spn ------------------------------------------------------------------------------------

namespace {

bool per_host(const Finding& f) { return !iequals(f.target, "forest"); }

std::string spn_commands(std::string_view verb, const std::vector<std::string>& spns, const std::string& account) {
  std::vector<std::string> lines;
  for (const auto& s : spns) lines.push_back("`setspn " + std::string(verb) + " " + s + " " + account + "`");
  return join(lines, ", ");
}

DiagnosisMatch spn_missing_match(const Finding& f, const std::string& account) {
  DiagnosisMatch m;
  const auto missing = strings(f.evidence, "missing");
  const std::string source = str(f.evidence, "source");
  m.target = f.target;
  add_host_keys(m, f.target);
  for (const auto& s : missing) add_key(m, spn_key(s));
  m.evidence = {{"missing", missing}, {"account", get(f.evidence, "account") ? *get(f.evidence, "account") : json()}};
  if (!source.empty()) m.evidence["source"] = source;
  m.vars = {{"host", f.target},
            {"missing", join(missing, ", ")},
            {"account", account},
            {"source", source.empty() ? "the directory" : source},
            {"setspn_add", spn_commands("-S", missing, account)}};
  return m;
}

}  // namespace

// The account as setspn takes it: the probe's own reading (real sAMAccountName and NetBIOS
// domain) when it gives one, else derived from the DN.
static std::string setspn_name(const json& evidence, const std::string& dn) {
  auto name = str(evidence, "account_name");
  return name.empty() ? account_of_dn(dn) : name;
}

std::vector<DiagnosisMatch> spn_missing(const Finding& f, const std::vector<Finding>&) {
  const std::string dn = str(f.evidence, "account");
  if (!per_host(f) || dn.empty() || strings(f.evidence, "missing").empty()) return {};
  auto m = spn_missing_match(f, setspn_name(f.evidence, dn));
  add_key(m, dn);
  add_key(m, first_rdn_value(dn));
  m.vars["account_dn"] = dn;
  m.says = f.target + " lacks " + m.vars["missing"] + " on " + dn + " (asked " + m.vars["source"] + ")";
  return {m};
}

std::vector<DiagnosisMatch> spn_missing_no_account(const Finding& f, const std::vector<Finding>&) {
  if (!per_host(f) || !str(f.evidence, "account").empty() || strings(f.evidence, "missing").empty()) return {};
  auto m = spn_missing_match(f, computer_account_for_host(f.target, ""));
  m.says = "no computer account for " + f.target + " found (asked " + m.vars["source"] + ")";
  return {m};
}

// One match per duplicated SPN. The holder to keep is the host's own account when the finding
// names it, else the holder named like the SPN's host; the others get `setspn -D`.
std::vector<DiagnosisMatch> spn_duplicates(const Finding& f, const std::vector<Finding>&) {
  std::vector<DiagnosisMatch> out;
  const std::string account = per_host(f) ? str(f.evidence, "account") : "";
  std::vector<std::string> elsewhere;  // held, but not by the host's account: spn_wrong_owner reads those
  for (const auto& w : array(f.evidence, "wrong_owner")) elsewhere.push_back(str(w, "spn"));
  for (const auto& d : array(f.evidence, "duplicates")) {
    const std::string spn = str(d, "spn");
    const auto owners = strings(d, "owners");
    if (spn.empty() || owners.size() < 2 || (per_host(f) && contains_i(elsewhere, spn))) continue;
    const std::string host = spn_host(spn);
    std::string keep;
    if (!account.empty() && contains_i(owners, account)) keep = account;
    for (const auto& o : owners)
      if (keep.empty() && iequals(first_rdn_value(o), short_host(host))) keep = o;
    DiagnosisMatch m;
    m.target = spn;
    add_key(m, spn_key(spn));
    add_host_keys(m, host);
    std::vector<std::string> removals, holders;
    for (const auto& o : owners) {
      add_key(m, o);
      holders.push_back(account_of_dn(o) + " (" + o + ")");
      if (!keep.empty() && !iequals(o, keep)) removals.push_back("`setspn -D " + spn + " " + account_of_dn(o) + "`");
    }
    m.evidence = {{"spn", spn}, {"owners", owners}};
    m.vars = {{"spn", spn}, {"holders", join(holders, ", ")}};
    if (!keep.empty()) {
      m.vars["keep"] = iequals(keep, account) ? setspn_name(f.evidence, account) : account_of_dn(keep);
      m.vars["setspn_remove"] = join(removals, ", ");
    } else {
      // None of the holders is named like the host: say so rather than pick one.
      m.vars["keep"] = "the computer account of " + short_host(host) + " (none of the holders is named so)";
      m.vars["setspn_remove"] = "`setspn -D " + spn + " DOMAIN\\ACCOUNT` on every other holder";
    }
    m.says = spn + " is held by " + std::to_string(owners.size()) + " accounts: " + join(owners, "; ");
    out.push_back(std::move(m));
  }
  return out;
}

// One match per SPN, with every holder that is not the host's account (the spn probe lists one
// entry per holder).
std::vector<DiagnosisMatch> spn_wrong_owner(const Finding& f, const std::vector<Finding>&) {
  std::vector<DiagnosisMatch> out;
  if (!per_host(f)) return out;
  const std::string account = str(f.evidence, "account");
  const std::string right = account.empty() ? computer_account_for_host(f.target, "") : setspn_name(f.evidence, account);
  std::vector<std::pair<std::string, std::vector<std::string>>> by_spn;  // in the finding's order
  for (const auto& w : array(f.evidence, "wrong_owner")) {
    const std::string spn = str(w, "spn"), owner = str(w, "owner");
    if (spn.empty() || owner.empty()) continue;
    auto it = std::find_if(by_spn.begin(), by_spn.end(), [&](const auto& e) { return iequals(e.first, spn); });
    if (it == by_spn.end()) by_spn.push_back({spn, {owner}});
    else if (!contains_i(it->second, owner)) it->second.push_back(owner);
  }
  for (const auto& [spn, owners] : by_spn) {
    DiagnosisMatch m;
    m.target = spn;
    add_key(m, spn_key(spn));
    add_host_keys(m, spn_host(spn));
    std::vector<std::string> commands, names;
    for (const auto& o : owners) {
      add_key(m, o);
      names.push_back(account_of_dn(o));
      commands.push_back("`setspn -D " + spn + " " + account_of_dn(o) + "`");
    }
    m.evidence = {{"spn", spn}, {"owners", owners}, {"account", account.empty() ? json() : json(account)}};
    m.vars = {{"spn", spn},
              {"owner", join(names, ", ")},
              {"owner_dn", join(owners, "; ")},
              {"account", right},
              {"commands", join(commands, ", ") + ", then `setspn -S " + spn + " " + right + "`"}};
    m.says = spn + " is held by " + join(owners, "; ") + " instead of " + (account.empty() ? right : account);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<DiagnosisMatch> spn_registered(const Finding& f, const std::vector<Finding>&) {
  const auto present = strings(f.evidence, "present");
  if (!per_host(f) || present.empty()) return {};
  DiagnosisMatch m;
  m.target = f.target;
  for (const auto& s : present) add_key(m, spn_key(s));
  m.evidence = {{"present", present}, {"source", str(f.evidence, "source")}};
  const std::string source = str(f.evidence, "source");
  m.says = "the directory" + (source.empty() ? std::string() : " (" + source + ")") + " holds " + join(present, ", ") + ", once each";
  return {m};
}


// ---- replication ----------------------------------------------------------------------------

namespace {

// Common dwLastSyncResult values and Microsoft's troubleshooting for each (learn.microsoft.com,
// "Active Directory replication error <code>").
struct ReplicationHint {
  int64_t code;
  std::string_view hint;
};
constexpr ReplicationHint kReplicationHints[] = {
    {5, "access denied: check the DCs' secure channel (`nltest /sc_verify:<domain>` on each) and their clocks"},
    {1256, "the source DC is not reachable: check the network path and that it is up"},
    {1722, "the RPC server is unavailable: check the source DC is up and that TCP 135 and the dynamic RPC ports 49152-65535 are open between the DCs"},
    {1753, "no RPC endpoint: the dynamic RPC ports 49152-65535 are blocked between the DCs"},
    {1908, "no DC could be found: check the DCs' DNS settings and `dcdiag /test:dns`"},
    {8453, "replication access was denied: check the DCs' secure channel and the \"Replicating Directory Changes\" rights"},
    {8456, "the source DC refuses outbound replication: `repadmin /options <source> -DISABLE_OUTBOUND_REPL`"},
    {8457, "the destination refuses inbound replication: `repadmin /options <dc> -DISABLE_INBOUND_REPL`"},
    {8524, "DNS lookup failure: the source DC's _msdcs CNAME (its DSA GUID) does not resolve; check DNS on both DCs and `dcdiag /test:dns`"},
    {8606, "lingering objects: remove them with `repadmin /removelingeringobjects`"},
    {8614, "the DC has not replicated for longer than the tombstone lifetime: it must be demoted and rebuilt (or `Strict Replication Consistency` reviewed)"},
    {-2146893022, "wrong target principal (0x80090322): the source DC's machine password is out of sync; reset it with `netdom resetpwd` on that DC"},
};

std::string dc_list(const std::vector<std::string>& dcs) { return join(dcs, ", "); }

// The object's per-DC values that have data (DCs that answered with an error are left out).
std::vector<std::pair<std::string, const json*>> answered_dcs(const json& evidence) {
  std::vector<std::pair<std::string, const json*>> out;
  const json* per_dc = get(evidence, "per_dc");
  if (!per_dc || !per_dc->is_object()) return out;
  for (const auto& [dc, values] : per_dc->items())
    if (values.is_object() && !values.contains("error")) out.emplace_back(dc, &values);
  return out;
}

// The DCs behind (from the finding) and a DC that has the newer value to replicate from.
std::pair<std::vector<std::string>, std::string> behind_and_source(const json& evidence,
                                                                  const std::vector<std::pair<std::string, const json*>>& dcs) {
  auto behind = strings(evidence, "behind");
  if (behind.empty()) {
    // whenChanged is comparable across DCs (uSNChanged is each DC's own counter): older = behind.
    std::string newest;
    for (const auto& [dc, v] : dcs) newest = std::max(newest, str(*v, "whenChanged"));
    for (const auto& [dc, v] : dcs)
      if (!newest.empty() && str(*v, "whenChanged") < newest) behind.push_back(dc);
  }
  std::string source;
  for (const auto& [dc, v] : dcs)
    if (source.empty() && !contains_i(behind, dc)) source = dc;
  return {behind, source};
}

// `attribute` "" = the account itself (absent on some DCs).
std::optional<DiagnosisMatch> object_match(const Finding& f, std::string_view attribute) {
  if (attribute.empty() ? strings(f.evidence, "absent").empty() : !contains_i(strings(f.evidence, "disagree"), attribute))
    return std::nullopt;
  const auto dcs = answered_dcs(f.evidence);
  if (dcs.size() < (attribute.empty() ? 1u : 2u)) return std::nullopt;
  auto [behind, source] = behind_and_source(f.evidence, dcs);
  DiagnosisMatch m;
  m.target = f.target;
  add_key(m, f.target);
  add_key(m, first_rdn_value(f.target));
  for (const auto& b : behind) add_host_keys(m, b);
  std::vector<std::string> single, syncall;
  for (const auto& b : behind) {
    if (!source.empty()) single.push_back("`repadmin /replsingleobj " + b + " " + source + " \"" + f.target + "\"`");
    syncall.push_back("`repadmin /syncall " + b + " /AdeP`");
  }
  if (syncall.empty()) syncall.push_back("`repadmin /syncall /AdeP`");
  m.evidence = {{"disagree", strings(f.evidence, "disagree")}, {"behind", behind}};
  m.vars = {{"object", first_rdn_value(f.target)},
            {"dn", f.target},
            {"behind", behind.empty() ? "some DCs" : dc_list(behind)},
            {"source", source.empty() ? "a DC with the current value" : source},
            {"replicate", join(single, ", ") + (single.empty() ? "" : ", then ") + join(syncall, ", ")}};
  return m;
}

}  // namespace

std::string_view replication_error_hint(int64_t code) {
  for (const auto& h : kReplicationHints)
    if (h.code == code) return h.hint;
  return "";
}

std::vector<DiagnosisMatch> replication_neighbors_failing(const Finding& f, const std::vector<Finding>&) {
  if (!get(f.evidence, "neighbors")) return {};
  DiagnosisMatch m;
  m.target = f.target;
  add_host_keys(m, f.target);
  json failing = json::array();
  std::vector<std::string> sources, errors, hints;
  for (const auto& n : array(f.evidence, "neighbors")) {
    if (str(n, "state") != "failing") continue;
    const std::string source = server_of_dsa(str(n, "source_dsa"));
    json item = {{"source_dsa", str(n, "source_dsa")}, {"naming_context", str(n, "naming_context")}};
    for (const char* k : {"last_result", "last_result_text", "consecutive_failures", "last_success"})
      if (const json* v = get(n, k)) item[k] = *v;
    failing.push_back(item);
    if (!contains_i(sources, source)) sources.push_back(source);
    add_host_keys(m, source);
    std::string error;
    if (auto code = integer(n, "last_result")) {
      error = std::to_string(*code);
      auto hint = replication_error_hint(*code);
      if (!hint.empty() && std::find(hints.begin(), hints.end(), hint) == hints.end()) hints.emplace_back(hint);
    }
    if (auto text = str(n, "last_result_text"); !text.empty()) error += (error.empty() ? "" : " ") + text;
    if (auto count = integer(n, "consecutive_failures")) error += " (" + std::to_string(*count) + " consecutive failures)";
    if (!error.empty() && !contains_i(errors, error)) errors.push_back(error);
  }
  if (failing.empty()) return {};
  m.evidence = {{"failing", failing}};
  if (const json* method = get(f.evidence, "method")) m.evidence["method"] = *method;
  m.vars = {{"dc", f.target},
            {"sources", dc_list(sources)},
            {"errors", errors.empty() ? "an error" : join(errors, "; ")},
            {"hint", hints.empty() ? "look the error up in `repadmin /showrepl " + f.target + "` and fix it" : join(hints, "; ")}};
  m.says = f.target + " fails to replicate in from " + dc_list(sources) + (errors.empty() ? "" : ": " + join(errors, "; "));
  return {m};
}

std::vector<DiagnosisMatch> replication_object_spn_disagree(const Finding& f, const std::vector<Finding>&) {
  auto m = object_match(f, "servicePrincipalName");
  if (!m) return {};
  // Which SPNs some DCs hold and others do not.
  const auto dcs = answered_dcs(f.evidence);
  std::map<std::string, std::vector<std::string>> holders;  // spn key -> DCs holding it
  std::map<std::string, std::string> spelling;
  for (const auto& [dc, v] : dcs)
    for (const auto& s : strings(*v, "servicePrincipalName")) holders[spn_key(s)].push_back(dc), spelling.emplace(spn_key(s), s);
  std::vector<std::string> differences;
  json by_dc = json::object();
  for (const auto& [dc, v] : dcs) by_dc[dc] = strings(*v, "servicePrincipalName");
  for (const auto& [key, have] : holders) {
    if (have.size() == dcs.size()) continue;
    add_key(*m, key);
    std::vector<std::string> lack;
    for (const auto& [dc, v] : dcs)
      if (!contains_i(have, dc)) lack.push_back(dc);
    differences.push_back(spelling[key] + " is on " + dc_list(have) + " but not on " + dc_list(lack));
  }
  m->evidence["servicePrincipalName"] = by_dc;
  m->vars["difference"] = differences.empty() ? "their servicePrincipalName values differ" : join(differences, "; ");
  m->says = "the DCs disagree on the SPNs of " + m->vars["object"] + ": " + m->vars["difference"];
  return {*m};
}

std::vector<DiagnosisMatch> replication_object_absent(const Finding& f, const std::vector<Finding>&) {
  auto m = object_match(f, "");
  if (!m) return {};
  const auto absent = strings(f.evidence, "absent");
  m->evidence["absent"] = absent;
  m->vars["absent"] = dc_list(absent);
  m->says = m->vars["object"] + " exists on " + m->vars["source"] + " but not on " + dc_list(absent);
  return {*m};
}

std::vector<DiagnosisMatch> replication_object_kvno_disagree(const Finding& f, const std::vector<Finding>&) {
  auto m = object_match(f, "msDS-KeyVersionNumber");
  if (!m) return {};
  std::vector<std::string> values;
  json by_dc = json::object();
  for (const auto& [dc, v] : answered_dcs(f.evidence)) {
    auto kvno = integer(*v, "msDS-KeyVersionNumber");
    by_dc[dc] = kvno ? json(*kvno) : json();
    values.push_back(dc + " " + (kvno ? std::to_string(*kvno) : "?"));
  }
  m->evidence["msDS-KeyVersionNumber"] = by_dc;
  m->vars["difference"] = "key version " + join(values, ", ");
  m->says = "the DCs disagree on the key version of " + m->vars["object"] + ": " + join(values, ", ");
  return {*m};
}

}  // namespace authwatch::diagnosis

// Matchers over time and Kerberos: the clock probe (offsets, this server's own clock) and the
// ticket probe (the KDC's and the service's verdict on a service ticket). probes/FINDINGS.md: clock, ticket.
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

// ---- clock ----------------------------------------------------------------------------------

namespace {

// The clock probe asks DCs by KDC and LDAP as well as SNTP; other hosts only by SNTP/SMTP.
bool measured_as_dc(const json& evidence) {
  const json* r = get(evidence, "readings");
  return r && r->is_object() && (r->contains("kerberos_udp") || r->contains("kerberos_tcp") || r->contains("ldap"));
}

std::string whole_seconds(double s) { return std::to_string(std::llround(std::fabs(s))); }

std::optional<DiagnosisMatch> clock_match(const Finding& f) {
  auto offset = num(f.evidence, "offset_seconds");
  if (!offset) return std::nullopt;
  DiagnosisMatch m;
  m.target = f.target;
  add_host_keys(m, f.target);
  const std::string method = str(f.evidence, "method");
  const double tolerance = num(f.evidence, "fail_seconds").value_or(300);
  m.evidence = {{"offset_seconds", *offset}, {"method", method}, {"fail_seconds", tolerance}};
  m.vars = {{"host", f.target},
            {"offset", seconds_text(*offset)},
            {"seconds", whole_seconds(*offset)},
            {"direction", *offset > 0 ? "ahead of" : "behind"},
            {"method", method.empty() ? "?" : method},
            {"tolerance", whole_seconds(tolerance)}};
  m.says = "clock of " + f.target + " " + seconds_text(*offset) + (method.empty() ? "" : " (" + method + ")");
  return m;
}

}  // namespace

std::string seconds_text(double s) {
  char buf[48];
  if (std::fabs(s) >= 10) std::snprintf(buf, sizeof buf, "%+.0f s", s);
  else std::snprintf(buf, sizeof buf, "%+.1f s", s);
  return buf;
}

std::vector<DiagnosisMatch> clock_dc_offset(const Finding& f, const std::vector<Finding>&) {
  if (!measured_as_dc(f.evidence)) return {};
  auto m = clock_match(f);
  return m ? std::vector<DiagnosisMatch>{*m} : std::vector<DiagnosisMatch>{};
}

std::vector<DiagnosisMatch> clock_host_offset(const Finding& f, const std::vector<Finding>&) {
  if (measured_as_dc(f.evidence)) return {};
  auto m = clock_match(f);
  return m ? std::vector<DiagnosisMatch>{*m} : std::vector<DiagnosisMatch>{};
}

std::vector<DiagnosisMatch> clock_this_server(const Finding& f, const std::vector<Finding>& all) {
  std::vector<const Finding*> measured;
  double low = 0, high = 0, sum = 0;
  for (const auto& g : all) {
    if (g.probe != "clock" || (g.status != FindingStatus::Ok && g.status != FindingStatus::Warn && g.status != FindingStatus::Fail)) continue;
    auto offset = num(g.evidence, "offset_seconds");
    if (!offset) continue;
    const double tolerance = num(g.evidence, "fail_seconds").value_or(300);
    if (std::fabs(*offset) < tolerance) return {};  // one clock agrees with ours: ours is not the odd one
    low = measured.empty() ? *offset : std::min(low, *offset);
    high = measured.empty() ? *offset : std::max(high, *offset);
    sum += *offset;
    measured.push_back(&g);
  }
  const double agree = num(f.evidence, "warn_seconds").value_or(60);
  if (measured.size() < 2 || (low < 0) != (high < 0) || high - low > agree) return {};
  const double ours = -sum / static_cast<double>(measured.size());  // this server relative to the others
  DiagnosisMatch m;
  m.target = "this server";
  add_key(m, "this server");
  json offsets = json::object();
  std::vector<std::string> names;
  for (const auto* g : measured) {
    offsets[g->target] = *num(g->evidence, "offset_seconds");
    names.push_back(g->target);
    if (g != &f) m.also_from.push_back(g);
  }
  m.evidence = {{"offsets", offsets}, {"this_server_offset_seconds", ours}};
  m.vars = {{"offset", seconds_text(ours)},
            {"seconds", whole_seconds(ours)},
            {"direction", ours > 0 ? "ahead of" : "behind"},
            {"others", join(names, ", ")}};
  m.says = "every clock measured (" + join(names, ", ") + ") is off by about " + seconds_text(-ours);
  return {m};
}


// ---- ticket ---------------------------------------------------------------------------------

namespace {

// RFC 4120 §7.5.9 (docs/domain.md §5).
struct KrbErrorName {
  int64_t code;
  std::string_view name;
};
constexpr KrbErrorName kKrbErrors[] = {
    {6, "KDC_ERR_C_PRINCIPAL_UNKNOWN"}, {7, "KDC_ERR_S_PRINCIPAL_UNKNOWN"}, {8, "KDC_ERR_PRINCIPAL_NOT_UNIQUE"},
    {14, "KDC_ERR_ETYPE_NOSUPP"},       {24, "KDC_ERR_PREAUTH_FAILED"},      {25, "KDC_ERR_PREAUTH_REQUIRED"},
    {31, "KRB_AP_ERR_BAD_INTEGRITY"},   {32, "KRB_AP_ERR_TKT_EXPIRED"},      {33, "KRB_AP_ERR_TKT_NYV"},
    {34, "KRB_AP_ERR_REPEAT"},          {35, "KRB_AP_ERR_NOT_US"},           {37, "KRB_AP_ERR_SKEW"},
    {41, "KRB_AP_ERR_MODIFIED"},        {52, "KRB_ERR_RESPONSE_TOO_BIG"},    {60, "KRB_ERR_GENERIC"},
    {68, "KDC_ERR_WRONG_REALM"},
};

std::string outcome_of(const Finding& f) { return str(f.evidence, "outcome"); }


DiagnosisMatch ticket_match(const Finding& f) {
  DiagnosisMatch m;
  const std::string spn = f.target;
  std::string host = spn_host(spn);
  if (host.empty()) host = spn;
  m.target = spn;
  add_key(m, spn_key(spn));
  add_host_keys(m, host);
  const std::string client = str(f.evidence, "client");
  m.evidence = {{"outcome", outcome_of(f)}};
  for (const char* k : {"krb_error_code", "message", "kvno", "accept", "client", "kdc"})
    if (const json* v = get(f.evidence, k)) m.evidence[k] = *v;
  std::string code_text;
  if (auto code = integer(f.evidence, "krb_error_code")) {
    auto name = krb_error_name(*code);
    code_text = (name.empty() ? "Kerberos error" : std::string(name)) + " (" + std::to_string(*code) + ")";
  }
  const std::string message = str(f.evidence, "message");
  // The DNS domain: the client's realm, else the host's own domain.
  std::string domain = to_lower(client.substr(client.rfind('@') == std::string::npos ? client.size() : client.rfind('@') + 1));
  if (domain.empty() && host.find('.') != std::string::npos && !looks_like_ip(host)) domain = to_lower(host.substr(host.find('.') + 1));
  m.vars = {{"spn", spn},
            {"host", host},
            {"domain", domain.empty() ? "<domain>" : domain},
            {"short", short_host(host)},
            {"account", computer_account_for_host(host, client)},
            {"client", client.empty() ? "this server" : client},
            {"kdc", str(f.evidence, "kdc").empty() ? "the KDC" : str(f.evidence, "kdc")},
            {"error", !code_text.empty() ? code_text : !message.empty() ? message : outcome_of(f)}};
  m.says = "service ticket for " + spn + ": " + outcome_of(f) + (code_text.empty() ? "" : ", " + code_text);
  return m;
}

std::vector<DiagnosisMatch> ticket_outcome(const Finding& f, std::string_view outcome) {
  if (outcome_of(f) != outcome) return {};
  return {ticket_match(f)};
}

// The KDCs that accepted the probe's connection and then never answered (the final attempt's
// `kdc_attempts`, probes/FINDINGS.md "ticket"), host only, in order, once each.
std::vector<std::string> silent_kdcs(const Finding& f) {
  std::vector<std::string> hosts;
  for (const auto& a : array(f.evidence, "kdc_attempts")) {
    if (!is_true(a, "connected") || is_true(a, "answered") || !is_true(a, "timed_out")) continue;
    const std::string host(host_of_endpoint(str(a, "kdc")));
    if (!host.empty() && !contains_i(hosts, host)) hosts.push_back(host);
  }
  return hosts;
}

// One match per silent KDC, about that DC (so it meets the ports probe's reading of the same DC).
std::vector<DiagnosisMatch> kdc_matches(const Finding& f) {
  std::vector<DiagnosisMatch> out;
  for (const auto& host : silent_kdcs(f)) {
    auto m = ticket_match(f);
    m.target = host;
    m.keys.clear();
    add_host_keys(m, host);
    m.evidence["silent_kdc"] = host;
    m.evidence["kdc_attempts"] = array(f.evidence, "kdc_attempts");
    m.vars["dc"] = host;
    m.says = "the KDC " + host + " accepted the connection for " + f.target + " but did not answer";
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

std::string_view krb_error_name(int64_t code) {
  for (const auto& e : kKrbErrors)
    if (e.code == code) return e.name;
  return "";
}

std::vector<DiagnosisMatch> ticket_skew(const Finding& f, const std::vector<Finding>&) { return ticket_outcome(f, "skew"); }
std::vector<DiagnosisMatch> ticket_kdc_unreachable(const Finding& f, const std::vector<Finding>&) {
  return ticket_outcome(f, "kdc-unreachable");
}
std::vector<DiagnosisMatch> ticket_etype(const Finding& f, const std::vector<Finding>&) { return ticket_outcome(f, "etype"); }

std::vector<DiagnosisMatch> ticket_kdc_unresponsive(const Finding& f, const std::vector<Finding>&) {
  if (outcome_of(f) != "kdc-unresponsive") return {};
  return kdc_matches(f);
}

std::vector<DiagnosisMatch> ticket_kdc_silent(const Finding& f, const std::vector<Finding>&) { return kdc_matches(f); }

// KRB_AP_ERR_BAD_INTEGRITY from the other realm's KDC: it cannot decrypt the referral ticket
// this realm's KDC issued, so the two sides of the trust hold different keys (docs/domain.md §10).
std::vector<DiagnosisMatch> ticket_trust(const Finding& f, const std::vector<Finding>&) {
  if (outcome_of(f) != "trust") return {};
  auto m = ticket_match(f);
  const std::string client = str(f.evidence, "client");
  const std::string client_realm = client.rfind('@') == std::string::npos ? "" : client.substr(client.rfind('@') + 1);
  const std::string kdc_realm = str(f.evidence, "kdc_realm");
  const std::string trusting = kdc_realm.empty() ? "<the service's domain>" : to_lower(kdc_realm);
  const std::string trusted = client_realm.empty() ? "<this server's domain>" : to_lower(client_realm);
  if (!kdc_realm.empty()) {
    m.target = kdc_realm;
    add_key(m, kdc_realm);
  }
  if (!kdc_realm.empty()) m.evidence["kdc_realm"] = kdc_realm;
  m.vars["trusting"] = trusting;
  m.vars["trusted"] = trusted;
  m.vars["kdc_realm"] = kdc_realm.empty() ? "the service's realm" : kdc_realm;
  m.vars["client_realm"] = client_realm.empty() ? "this server's realm" : client_realm;
  m.says = "the KDC of " + m.vars["kdc_realm"] + " refused the cross-realm ticket from " + m.vars["client_realm"] + " (" +
           m.vars["error"] + ")";
  return {m};
}

std::vector<DiagnosisMatch> ticket_principal_unknown(const Finding& f, const std::vector<Finding>&) {
  if (integer(f.evidence, "krb_error_code") == 8) return {};
  return ticket_outcome(f, "principal-unknown");
}

std::vector<DiagnosisMatch> ticket_principal_not_unique(const Finding& f, const std::vector<Finding>&) {
  if (integer(f.evidence, "krb_error_code") != 8) return {};
  return ticket_outcome(f, "principal-unknown");
}

// The KDC issued a ticket the service's own keys cannot read: the ticket's key version differs
// from the keytab's, or the accept side failed outright.
std::vector<DiagnosisMatch> ticket_stale_key(const Finding& f, const std::vector<Finding>&) {
  static const json no_accept = json::object();
  const json* accept_ptr = get(f.evidence, "accept");
  const json& accept = accept_ptr ? *accept_ptr : no_accept;
  // Plain values, not optionals: GCC 12 warns (wrongly) about optionals compared in one expression.
  const bool has_kvno = integer(f.evidence, "kvno").has_value(), has_keytab_kvno = integer(accept, "keytab_kvno").has_value();
  const int64_t kvno = integer(f.evidence, "kvno").value_or(0), keytab_kvno = integer(accept, "keytab_kvno").value_or(0);
  const bool accept_failed = get(accept, "ok") && (*get(accept, "ok")) == false;
  const bool versions_differ = has_kvno && has_keytab_kvno && kvno != keytab_kvno;
  if (outcome_of(f) != "stale-key" && !(accept_failed && versions_differ)) return {};
  auto m = ticket_match(f);
  m.vars["kvno"] = has_kvno ? std::to_string(kvno) : "?";
  m.vars["keytab_kvno"] = has_keytab_kvno ? std::to_string(keytab_kvno) : "?";
  if (versions_differ) m.says += " (ticket kvno " + m.vars["kvno"] + ", the service's keys kvno " + m.vars["keytab_kvno"] + ")";
  return {m};
}

}  // namespace authwatch::diagnosis

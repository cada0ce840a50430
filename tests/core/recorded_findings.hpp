#pragma once
// Findings as the probes write them, one function per situation, for the diagnosis tests (core and
// CLI). Marked [run] were recorded from `authwatch probe --format json` (clock and ports against
// 127.0.0.2 where nothing listens; smtp and the peer's clock against tests/peers/exchange_smtp_peer.py
// --mode no-xexps). The others follow probes/FINDINGS.md and the probes' judge functions
// (probes/spn_probe.cpp judge_host_spns, replication_judge.cpp, ticket_probe.cpp judge_ticket,
// connector_probe.cpp judge_connectors) field for field, with the values a contoso.com forest with
// DCs dc1/dc2 and Exchange servers ex1/ex2 would give (docs/domain.md §5–§8): those need a Samba lab.
#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "core/finding.hpp"

namespace authwatch::test::recorded {

// {"probe", "target", "status", "summary", "evidence"} as `probe --format json` prints a finding.
inline Finding finding(const std::string& json_text) {
  auto j = nlohmann::json::parse(json_text);
  Finding f;
  f.probe = j.at("probe").get<std::string>();
  f.target = j.at("target").get<std::string>();
  if (!parse_finding_status(j.at("status").get<std::string>(), f.status)) throw std::invalid_argument("bad status in " + json_text);
  f.summary = j.value("summary", "");
  f.evidence = j.value("evidence", nlohmann::json::object());
  f.remediation = j.value("remediation", "");
  return f;
}

inline const char* kEx2Dn = "CN=EX2,OU=Exchange Servers,DC=contoso,DC=com";
inline const char* kOldHostDn = "CN=OLDHOST,CN=Computers,DC=contoso,DC=com";
inline const char* kDc1Dsa = "CN=NTDS Settings,CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=contoso,DC=com";

// ---- clock ----------------------------------------------------------------------------------

inline Finding clock_dc(const std::string& dc, double offset, const char* status) {
  nlohmann::json readings = {{"sntp", {{"ok", true}, {"offset_seconds", offset + 0.3}, {"rtt_seconds", 0.0012}}},
                             {"kerberos_udp", {{"ok", true}, {"offset_seconds", offset}, {"resolution_seconds", 1}}},
                             {"kerberos_tcp", {{"ok", true}, {"offset_seconds", offset}, {"resolution_seconds", 1}}},
                             {"ldap", {{"ok", true}, {"offset_seconds", offset + 0.5}, {"resolution_seconds", 1}}}};
  nlohmann::json f = {{"probe", "clock"}, {"target", dc}, {"status", status},
                      {"summary", dc + " clock"},
                      {"evidence", {{"readings", readings}, {"offset_seconds", offset + 0.5}, {"method", "ldap"},
                                    {"spread_seconds", 0.5}, {"warn_seconds", 60.0}, {"fail_seconds", 300.0}}}};
  return finding(f.dump());
}

// [run] A DC that could not be read by any method.
inline Finding clock_unreadable() {
  return finding(R"json({"probe":"clock","target":"127.0.0.2","status":"error",
    "summary":"could not read the clock of 127.0.0.2 by any method",
    "evidence":{"readings":{
      "kerberos_tcp":{"error":"Kerberos: no realm to ask the KDC about","ok":false},
      "kerberos_udp":{"error":"Kerberos: no realm to ask the KDC about","ok":false},
      "ldap":{"error":"LDAP rootDSE at ldap://127.0.0.2:389: cannot connect: Can't contact LDAP server","ok":false},
      "sntp":{"error":"SNTP: UDP port unreachable at 127.0.0.2:123 (ICMP)","ok":false}}}})json");
}

// [run] The peer's clock read from its SMTP banner (no NTP on a member server).
inline Finding clock_peer_ok() {
  return finding(R"json({"probe":"clock","target":"127.0.0.1","status":"ok",
    "summary":"127.0.0.1 clock -0.2 s (smtp_banner); no reading by sntp",
    "evidence":{"fail_seconds":300.0,"method":"smtp_banner","offset_seconds":-0.22990044799999998,
      "readings":{"smtp_banner":{"offset_seconds":-0.22990044799999998,"ok":true,"port":41599,"resolution_seconds":1,"rtt_seconds":0.004914638},
                  "sntp":{"error":"SNTP: UDP port unreachable at 127.0.0.1:123 (ICMP)","ok":false}},
      "spread_seconds":0.0,"unavailable":["sntp"],"warn_seconds":60.0}})json");
}

// The peer 7 minutes ahead, by its banner.
inline Finding clock_peer_ahead() {
  return finding(R"json({"probe":"clock","target":"ex2.contoso.com","status":"fail",
    "summary":"ex2.contoso.com clock +421 s (smtp_banner): beyond Kerberos MaxClockSkew (300 s)",
    "evidence":{"fail_seconds":300.0,"method":"smtp_banner","offset_seconds":421.4,
      "readings":{"smtp_banner":{"offset_seconds":421.4,"ok":true,"port":25,"resolution_seconds":1,"rtt_seconds":0.003},
                  "sntp":{"error":"SNTP: no reply before the deadline","ok":false}},
      "spread_seconds":0.0,"unavailable":["sntp"],"warn_seconds":60.0}})json");
}

// ---- ports ----------------------------------------------------------------------------------

// [run] Every port refused: nothing there is a DC.
inline Finding ports_all_closed() {
  return finding(R"json({"probe":"ports","target":"127.0.0.2","status":"fail","summary":"127.0.0.2: 53/tcp closed, ...",
    "evidence":{"blocked":["53/tcp closed","88/tcp closed","135/tcp closed","389/tcp closed","445/tcp closed","464/tcp closed",
                           "636/tcp closed","3268/tcp closed","3269/tcp closed","53/udp closed","88/udp closed","389/udp closed","123/udp closed"],
      "ports":[{"detail":"connection refused","ms":0.4,"port":53,"protocol":"tcp","state":"closed"},
               {"detail":"connection refused","ms":0.4,"port":88,"protocol":"tcp","state":"closed"},
               {"detail":"connection refused","ms":0.4,"port":135,"protocol":"tcp","state":"closed"},
               {"detail":"connection refused","ms":0.4,"port":389,"protocol":"tcp","state":"closed"},
               {"detail":"connection refused","ms":0.4,"port":445,"protocol":"tcp","state":"closed"},
               {"detail":"connection refused","ms":0.3,"port":464,"protocol":"tcp","state":"closed"},
               {"detail":"connection refused","ms":0.3,"port":636,"protocol":"tcp","state":"closed"},
               {"detail":"connection refused","ms":0.3,"port":3268,"protocol":"tcp","state":"closed"},
               {"detail":"connection refused","ms":0.3,"port":3269,"protocol":"tcp","state":"closed"},
               {"detail":"ICMP port unreachable","ms":0.3,"port":53,"protocol":"udp","state":"closed"},
               {"detail":"ICMP port unreachable","ms":0.3,"port":88,"protocol":"udp","state":"closed"},
               {"detail":"ICMP port unreachable","ms":0.3,"port":389,"protocol":"udp","state":"closed"},
               {"detail":"ICMP port unreachable","ms":0.3,"port":123,"protocol":"udp","state":"closed"}]}})json");
}

// dc2 answers LDAP, DNS, SMB... but Kerberos is dropped (`adlab.sh block 2 88`).
inline Finding ports_kerberos_filtered(const std::string& dc = "dc2.contoso.com") {
  nlohmann::json ports = nlohmann::json::array();
  for (int p : {53, 88, 135, 389, 445, 464, 636, 3268, 3269})
    ports.push_back({{"port", p}, {"protocol", "tcp"}, {"state", p == 88 ? "filtered" : "open"}, {"ms", p == 88 ? 3000.0 : 0.6}});
  for (int p : {53, 88, 389, 123})
    ports.push_back({{"port", p}, {"protocol", "udp"}, {"state", p == 88 ? "filtered" : "open"}, {"ms", p == 88 ? 3000.0 : 0.8},
                     {"detail", p == 88 ? "no Kerberos reply before the deadline" : ""}});
  nlohmann::json f = {{"probe", "ports"}, {"target", dc}, {"status", "fail"}, {"summary", dc + ": 88/tcp filtered, 88/udp filtered"},
                      {"evidence", {{"ports", ports}, {"blocked", {"88/tcp filtered", "88/udp filtered"}}}}};
  return finding(f.dump());
}

// The ports of `dc` as settle_ports (probes/ports_probe.cpp) leaves them, each port's state given;
// the others open. TCP 53/88/389/3268 carry `connected`/`answered`, as the probe's requests do.
inline Finding ports_with(const std::string& dc, const std::map<std::string, std::string>& states) {
  nlohmann::json ports = nlohmann::json::array();
  nlohmann::json blocked = nlohmann::json::array(), unresponsive = nlohmann::json::array(), slow = nlohmann::json::array();
  bool fail = false, warn = false;
  auto add = [&](int p, const char* protocol) {
    const std::string name = std::to_string(p) + "/" + protocol;
    const std::string state = states.count(name) ? states.at(name) : "open";
    const bool speaks = std::string(protocol) == "udp" || p == 53 || p == 88 || p == 389 || p == 3268;
    const bool critical = p == 88 || p == 464 || p == 53 || (p == 389 && std::string(protocol) == "tcp");
    nlohmann::json j = {{"port", p}, {"protocol", protocol}, {"state", state}, {"ms", state == "open" ? 0.6 : 3000.0}};
    if (std::string(protocol) == "tcp") j["connected"] = state == "open" || state == "slow" || state == "unresponsive";
    if (speaks) j["answered"] = state == "open" || state == "slow";
    if (state == "slow") {
      j["slow_seconds"] = 4.1;
      j["ms"] = 4100.0;
      slow.push_back(name + " after 4.1 s");
      warn = true;
    } else if (state == "unresponsive") {
      j["detail"] = "connection accepted, no reply before the deadline (slow retry 10.0 s)";
      j["first_try"] = {{"detail", "connection accepted, no reply before the deadline"}, {"ms", 3000.0}};
      unresponsive.push_back(name);
      fail = fail || p == 88 || p == 389 || p == 53 || p == 464 || p == 3268;
    } else if (state != "open") {
      blocked.push_back(name + " " + state);
      fail = fail || critical;
      warn = true;
    }
    ports.push_back(j);
  };
  for (int p : {53, 88, 135, 389, 445, 464, 636, 3268, 3269}) add(p, "tcp");
  for (int p : {53, 88, 389, 123}) add(p, "udp");
  nlohmann::json f = {{"probe", "ports"}, {"target", dc}, {"status", fail ? "fail" : warn ? "warn" : "ok"}, {"summary", dc + " ports"},
                      {"evidence", {{"ports", ports}, {"blocked", blocked}, {"unresponsive", unresponsive}, {"slow", slow}}}};
  return finding(f.dump());
}

// A DC whose KDC takes connections and never answers (`adlab.sh freeze-kdc`).
inline Finding ports_kdc_unresponsive(const std::string& dc = "dc2.contoso.com") {
  return ports_with(dc, {{"88/tcp", "unresponsive"}, {"88/udp", "unresponsive"}});
}

// A DC that answered everything, but only in the slow retry (`adlab.sh slow`).
inline Finding ports_all_slow(const std::string& dc = "dc2.contoso.com") {
  std::map<std::string, std::string> states;
  for (const char* p : {"53/tcp", "88/tcp", "135/tcp", "389/tcp", "445/tcp", "464/tcp", "636/tcp", "3268/tcp", "3269/tcp", "53/udp",
                        "88/udp", "389/udp", "123/udp"})
    states[p] = "slow";
  return ports_with(dc, states);
}

// Kerberos over UDP dropped while the KDC answers over TCP: a firewall that lets only TCP 88 through.
inline Finding ports_udp88_dropped_tcp_answers(const std::string& dc = "dc2.contoso.com") {
  return ports_with(dc, {{"88/udp", "filtered"}});
}

// The incident (docs/domain.md §10) as a probe of the previous version recorded it: a bare TCP
// connect (no `connected`/`answered`) succeeded on 88 and 389, the UDP requests got no reply by
// the deadline.
inline Finding ports_legacy_slow_dc(const std::string& dc = "dc1.contoso.com") {
  nlohmann::json ports = nlohmann::json::array();
  for (int p : {53, 88, 135, 389, 445, 464, 636, 3268, 3269}) ports.push_back({{"port", p}, {"protocol", "tcp"}, {"state", "open"}, {"ms", 0.7}});
  for (int p : {53, 88, 389, 123}) {
    const bool late = p == 88 || p == 389;
    ports.push_back({{"port", p}, {"protocol", "udp"}, {"state", late ? "filtered" : "open"}, {"ms", late ? 3000.0 : 0.9},
                     {"detail", late ? (p == 88 ? "no Kerberos reply before the deadline" : "no CLDAP reply before the deadline") : "reply"}});
  }
  nlohmann::json f = {{"probe", "ports"}, {"target", dc}, {"status", "fail"}, {"summary", dc + ": 88/udp filtered, 389/udp filtered"},
                      {"evidence", {{"ports", ports}, {"blocked", {"88/udp filtered", "389/udp filtered"}}}}};
  return finding(f.dump());
}

inline Finding ports_ok(const std::string& dc) {
  nlohmann::json ports = nlohmann::json::array();
  for (int p : {53, 88, 389, 464}) ports.push_back({{"port", p}, {"protocol", "tcp"}, {"state", "open"}, {"ms", 0.5}});
  nlohmann::json f = {{"probe", "ports"}, {"target", dc}, {"status", "ok"}, {"summary", "all answer"},
                      {"evidence", {{"ports", ports}, {"blocked", nlohmann::json::array()}}}};
  return finding(f.dump());
}

// ---- dns ------------------------------------------------------------------------------------

inline Finding dns_ok() {
  return finding(R"json({"probe":"dns","target":"_ldap._tcp.dc._msdcs.contoso.com","status":"ok","summary":"2 record(s)",
    "evidence":{"srv_name":"_ldap._tcp.dc._msdcs.contoso.com","dns_server":"the system resolver",
      "records":[{"target":"dc1.contoso.com","port":389,"priority":0,"weight":100},{"target":"dc2.contoso.com","port":389,"priority":0,"weight":100}],
      "discovered_dcs":["dc1.contoso.com","dc2.contoso.com"]}})json");
}

inline Finding dns_no_kerberos_records() {
  return finding(R"json({"probe":"dns","target":"_kerberos._tcp.contoso.com","status":"fail",
    "summary":"no SRV records for _kerberos._tcp.contoso.com at 10.0.0.53",
    "evidence":{"srv_name":"_kerberos._tcp.contoso.com","dns_server":"10.0.0.53","records":[]}})json");
}

// ---- smtp -----------------------------------------------------------------------------------

// [run] A receive connector without ExchangeServer.
inline Finding smtp_no_xexps() {
  return finding(R"json({"probe":"smtp","target":"127.0.0.1:41599","status":"fail",
    "summary":"ex2.contoso.com (127.0.0.1:41599) offers no X-EXPS: Exchange Server authentication is off on this receive connector (senders report 451 5.7.3 Cannot achieve Exchange Server authentication)",
    "evidence":{"banner":"220 ex2.contoso.com Microsoft ESMTP MAIL Service ready at Sat, 28 Nov 2026 15:35:27 +0000",
      "capabilities":["SIZE 37748736","PIPELINING","DSN","ENHANCEDSTATUSCODES","STARTTLS","AUTH NTLM","8BITMIME","BINARYMIME","CHUNKING","XRDST"],
      "hint":"Set-ReceiveConnector \"ex2\\Default ex2\" -AuthMechanism Tls,Integrated,BasicAuth,BasicAuthRequireTLS,ExchangeServer",
      "host":"127.0.0.1","port":41599,"seconds":0.00122075,"server_name":"ex2.contoso.com","starttls":true,
      "x_anonymoustls":false,"x_exps":false,"x_exps_exchangeauth":false,"x_exps_gssapi":false}})json");
}

inline Finding smtp_ok() {
  return finding(R"json({"probe":"smtp","target":"10.0.0.2:2525","status":"ok",
    "summary":"ex2.contoso.com (10.0.0.2:2525) offers Exchange Server authentication (X-EXPS GSSAPI NTLM) and X-ANONYMOUSTLS",
    "evidence":{"host":"10.0.0.2","port":2525,"server_name":"ex2.contoso.com","x_anonymoustls":true,"x_exps":true,
      "x_exps_gssapi":true,"x_exps_exchangeauth":false,"starttls":true,"capabilities":["X-EXPS GSSAPI NTLM"]}})json");
}

// ---- spn ------------------------------------------------------------------------------------

inline Finding spn_host(const nlohmann::json& missing, const nlohmann::json& duplicates, const nlohmann::json& wrong_owner,
                        const char* source = "dc1.contoso.com") {
  nlohmann::json expected = {"SMTPSVC/ex2", "SMTPSVC/ex2.contoso.com", "SMTP/ex2", "SMTP/ex2.contoso.com"};
  // present = held by the host's own account (judge_host_spns).
  nlohmann::json present = nlohmann::json::array();
  for (const auto& e : expected) {
    const bool elsewhere = std::any_of(wrong_owner.begin(), wrong_owner.end(), [&](const nlohmann::json& w) { return w["spn"] == e; });
    if (std::find(missing.begin(), missing.end(), e) == missing.end() && !elsewhere) present.push_back(e);
  }
  const bool fail = !missing.empty() || !duplicates.empty() || !wrong_owner.empty();
  nlohmann::json f = {{"probe", "spn"}, {"target", "ex2.contoso.com"}, {"status", fail ? "fail" : "ok"},
                      {"summary", "SPNs of ex2.contoso.com"},
                      {"evidence", {{"account", kEx2Dn}, {"account_name", "CONTOSO\\EX2$"}, {"expected", expected}, {"present", present}, {"missing", missing},
                                    {"duplicates", duplicates}, {"wrong_owner", wrong_owner}, {"source", source}}}};
  return finding(f.dump());
}

inline Finding spn_ok() { return spn_host(nlohmann::json::array(), nlohmann::json::array(), nlohmann::json::array()); }
inline Finding spn_missing_fqdn(const char* source = "dc1.contoso.com") {
  return spn_host({"SMTPSVC/ex2.contoso.com"}, nlohmann::json::array(), nlohmann::json::array(), source);
}
inline Finding spn_duplicated_on_oldhost() {
  return spn_host(nlohmann::json::array(), {{{"spn", "SMTPSVC/ex2.contoso.com"}, {"owners", {kEx2Dn, kOldHostDn}}}},
                  nlohmann::json::array());
}
inline Finding spn_held_by_oldhost() {
  return spn_host(nlohmann::json::array(), nlohmann::json::array(), {{{"spn", "SMTPSVC/ex2.contoso.com"}, {"owner", kOldHostDn}}});
}

inline Finding spn_forest_duplicates() {
  return finding(R"json({"probe":"spn","target":"forest","status":"fail","summary":"1 duplicated SMTP SPN in the forest",
    "evidence":{"scanned":42,"duplicates":[{"spn":"SMTP/ex1.contoso.com","owners":["CN=EX1,OU=Exchange Servers,DC=contoso,DC=com","CN=EX1-OLD,CN=Computers,DC=contoso,DC=com"]}]}})json");
}

inline Finding spn_no_account() {
  return finding(R"json({"probe":"spn","target":"ex9.contoso.com","status":"fail","summary":"no computer account for ex9.contoso.com",
    "evidence":{"account":null,"expected":["SMTPSVC/ex9","SMTPSVC/ex9.contoso.com","SMTP/ex9","SMTP/ex9.contoso.com"],"present":[],
      "missing":["SMTPSVC/ex9","SMTPSVC/ex9.contoso.com","SMTP/ex9","SMTP/ex9.contoso.com"],"duplicates":[],"wrong_owner":[],"source":"dc1.contoso.com"}})json");
}

// ---- replication ----------------------------------------------------------------------------

inline Finding replication_dc(const std::string& dc, bool failing) {
  nlohmann::json n = {{"source_dsa", "DC1"}, {"source_dsa_dn", kDc1Dsa},
                      {"source_address", "5b2d9f3e-7c1a-4e61-9a0e-2f4c8d1b6a70._msdcs.contoso.com"},
                      {"naming_context", "DC=contoso,DC=com"}, {"state", failing ? "failing" : "ok"},
                      {"consecutive_failures", failing ? 14 : 0}, {"last_result", failing ? 1722 : 0},
                      {"last_result_text", failing ? "The RPC server is unavailable." : "The operation completed successfully."},
                      {"last_success", failing ? "2024-03-15T06:00:12Z" : "2024-03-15T10:00:12Z"},
                      {"last_success_age_seconds", failing ? 15000 : 600}, {"last_attempt", "2024-03-15T10:09:40Z"}};
  nlohmann::json f = {{"probe", "replication"}, {"target", dc}, {"status", failing ? "fail" : "ok"},
                      {"summary", dc + " inbound replication"},
                      {"evidence", {{"method", "msDS-ReplAllInboundNeighbors"}, {"neighbors", {n}}}}};
  return finding(f.dump());
}

// EX2's object as dc1 and dc2 hold it. spn_lag: dc2 lacks SMTPSVC/ex2.contoso.com; kvno_lag: dc2 has kvno 3.
inline Finding replication_object(bool spn_lag, bool kvno_lag) {
  nlohmann::json all = {"SMTPSVC/ex2", "SMTPSVC/ex2.contoso.com", "SMTP/ex2", "SMTP/ex2.contoso.com"};
  nlohmann::json lagging = spn_lag ? nlohmann::json{"SMTPSVC/ex2", "SMTP/ex2", "SMTP/ex2.contoso.com"} : all;
  nlohmann::json disagree = nlohmann::json::array();
  if (spn_lag) disagree.push_back("servicePrincipalName");
  if (kvno_lag) disagree.push_back("msDS-KeyVersionNumber");
  const bool lag = spn_lag || kvno_lag;
  if (lag) disagree.push_back("whenChanged");
  nlohmann::json f = {
      {"probe", "replication"}, {"target", kEx2Dn}, {"status", spn_lag || kvno_lag ? "fail" : "ok"},
      {"summary", "EX2 across 2 DCs"},
      {"evidence",
       {{"per_dc",
         {{"dc1.contoso.com", {{"dn", kEx2Dn}, {"servicePrincipalName", all}, {"uSNChanged", 41230}, {"whenChanged", "2024-03-15T09:58:03Z"},
                               {"msDS-KeyVersionNumber", 4}, {"pwdLastSet", "2024-03-15T09:58:03Z"}}},
          {"dc2.contoso.com", {{"dn", kEx2Dn}, {"servicePrincipalName", lagging}, {"uSNChanged", 39011},
                               {"whenChanged", lag ? "2024-03-14T17:02:44Z" : "2024-03-15T09:58:03Z"},
                               {"msDS-KeyVersionNumber", kvno_lag ? 3 : 4},
                               {"pwdLastSet", kvno_lag ? "2024-02-14T17:02:44Z" : "2024-03-15T09:58:03Z"}}}}},
        {"disagree", disagree},
        {"behind", lag ? nlohmann::json{"dc2.contoso.com"} : nlohmann::json::array()}}}};
  return finding(f.dump());
}

// ---- ticket ---------------------------------------------------------------------------------

inline Finding ticket(const std::string& outcome, const nlohmann::json& extra = nlohmann::json::object()) {
  static const std::map<std::string, std::string> status = {
      {"ok", "ok"}, {"principal-unknown", "fail"}, {"skew", "fail"}, {"etype", "fail"}, {"kdc-unreachable", "fail"},
      {"stale-key", "fail"}, {"no-credentials", "error"}, {"other", "error"}, {"kdc-unresponsive", "fail"}, {"trust", "fail"}};
  nlohmann::json evidence = {{"outcome", outcome}, {"client", "EX1$@CONTOSO.COM"}, {"message", ""}};
  if (outcome != "kdc-unreachable" && outcome != "kdc-unresponsive" && outcome != "no-credentials") evidence["kdc"] = "dc1.contoso.com";
  evidence.update(extra);
  nlohmann::json f = {{"probe", "ticket"}, {"target", "SMTPSVC/ex2.contoso.com"}, {"status", status.at(outcome)},
                      {"summary", "service ticket for SMTPSVC/ex2.contoso.com: " + outcome}, {"evidence", evidence}};
  return finding(f.dump());
}

inline Finding ticket_skew() {
  return ticket("skew", {{"krb_error_code", 37}, {"gss_major", 851968}, {"gss_minor", -1765328347}, {"message", "Clock skew too great"}});
}
inline Finding ticket_principal_unknown() {
  return ticket("principal-unknown", {{"krb_error_code", 7}, {"gss_major", 851968}, {"gss_minor", -1765328377},
                                      {"message", "Server not found in Kerberos database"}});
}
inline Finding ticket_kdc_unreachable() {
  return ticket("kdc-unreachable", {{"gss_major", 851968}, {"gss_minor", -1765328228},
                                    {"message", "Cannot contact any KDC for realm 'CONTOSO.COM'"}});
}
inline Finding ticket_stale_key() {
  return ticket("stale-key", {{"kvno", 4}, {"krb_error_code", 41}, {"message", "Cannot decrypt ticket for SMTPSVC/ex2.contoso.com@CONTOSO.COM using keytab key"},
                              {"accept", {{"ok", false}, {"keytab_kvno", 3}, {"error", "Request ticket server SMTPSVC/ex2.contoso.com@CONTOSO.COM kvno 4 not found in keytab; keytab is likely out of date"}}}});
}
inline Finding ticket_ok() { return ticket("ok", {{"kvno", 4}}); }

// Every KDC tried accepted the connection and never answered (the slow retry included).
inline Finding ticket_kdc_unresponsive(const std::string& kdc = "dc2.contoso.com") {
  return ticket("kdc-unresponsive",
                {{"message", "no KDC of CONTOSO.COM answered: connected, but no reply from " + kdc + ":88 by the deadline (TCP)"},
                 {"kdc_realm", "CONTOSO.COM"},
                 {"kdc_attempts", {{{"kdc", kdc + ":88"}, {"transport", "tcp"}, {"connected", true}, {"answered", false},
                                    {"timed_out", true}, {"error", "connected, but no reply from " + kdc + ":88 by the deadline (TCP)"}}}},
                 {"first_attempt", {{"outcome", "kdc-unresponsive"}, {"message", "no KDC of CONTOSO.COM answered"}, {"seconds", 2.8}}}});
}

// The ticket issued by dc1 after dc2 took the connection and said nothing (status warn: as the
// probe reports a ticket that came only in its slow retry).
inline Finding ticket_ok_after_a_silent_kdc(const std::string& silent = "dc2.contoso.com", const std::string& answering = "dc1.contoso.com",
                                            FindingStatus status = FindingStatus::Ok) {
  auto f = ticket("ok", {{"kvno", 4},
                       {"kdc", answering + ":88/tcp"},
                       {"kdc_realm", "CONTOSO.COM"},
                       {"kdc_attempts", {{{"kdc", silent + ":88"}, {"transport", "tcp"}, {"connected", true}, {"answered", false},
                                          {"timed_out", true}, {"error", "connected, but no reply from " + silent + ":88 by the deadline (TCP)"}},
                                         {{"kdc", answering + ":88"}, {"transport", "tcp"}, {"connected", true}, {"answered", true},
                                          {"timed_out", false}}}}});
  f.status = status;
  return f;
}

// EX1 in CHILD.CONTOSO.COM asks for a service in CONTOSO.COM: the parent's KDC cannot decrypt the
// referral TGT (KRB_AP_ERR_BAD_INTEGRITY on the cross-realm TGS request).
inline Finding ticket_trust() {
  auto f = ticket("trust", {{"krb_error_code", 31}, {"gss_minor", -1765328353},
                            {"message", "service ticket for SMTPSVC/ex2.contoso.com@CONTOSO.COM: Decrypt integrity check failed"},
                            {"client", "EX1$@CHILD.CONTOSO.COM"}, {"kdc", "dc1.contoso.com:88/tcp"}, {"kdc_realm", "CONTOSO.COM"}});
  return f;
}

// A DC's inbound replication that could not be read: the LDAP bind failed (`error`).
inline Finding replication_dc_unreadable(const std::string& dc, const std::string& error) {
  nlohmann::json f = {{"probe", "replication"}, {"target", dc}, {"status", "error"},
                      {"summary", "could not read the inbound replication state of " + dc + ": " + error},
                      {"evidence", {{"error", error}}},
                      {"remediation", "Make sure this server reaches " + dc + " on TCP 389 and has Kerberos credentials to bind with."}};
  return finding(f.dump());
}

// EX2's account on dc1 only: dc2 has not received it.
inline Finding replication_object_absent() {
  auto f = replication_object(false, false);
  f.status = FindingStatus::Fail;
  f.evidence["per_dc"]["dc2.contoso.com"] = {{"error", std::string("no account ") + kEx2Dn + " on this DC"}};
  f.evidence["absent"] = {"dc2.contoso.com"};
  f.evidence["behind"] = {"dc2.contoso.com"};
  return f;
}

// ---- connector ----------------------------------------------------------------------------

// msExchSMTPReceiveInboundSecurityFlag bits as judge_connectors names them.
inline std::string mechanism_text(int bits) {
  static const std::pair<int, const char*> names[] = {{1, "Tls"}, {2, "Integrated"}, {4, "BasicAuth"},
                                                      {8, "BasicAuthRequireTLS"}, {16, "ExchangeServer"}, {32, "ExternalAuthoritative"}};
  std::string out;
  for (const auto& [bit, name] : names)
    if (bits & bit) out += (out.empty() ? "" : ", ") + std::string(name);
  return out.empty() ? "None" : out;
}

// EX2's receive connectors as seen from this server (10.0.0.1). With `offending`, a custom
// "Relay Apps" connector (AuthMechanism `relay_bits`) covers 10.0.0.0/24 on port 25 and takes
// this server's connections; else only "Default EX2" (Tls, Integrated, BasicAuth,
// BasicAuthRequireTLS, ExchangeServer = 31) does.
inline Finding connector(bool offending, int relay_bits = 5) {
  const std::string base = ",CN=SMTP Receive Connectors,CN=Protocols,CN=EX2,CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),"
                           "CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com";
  nlohmann::json def = {{"dn", "CN=Default EX2" + base}, {"name", "Default EX2"}, {"auth_mechanism", 31},
                        {"auth_mechanism_text", mechanism_text(31)}, {"exchange_server", true}, {"enabled", true},
                        {"bindings", {"0.0.0.0:2525", "[::]:2525"}}, {"remote_ip_ranges", {"0.0.0.0-255.255.255.255"}},
                        {"covers_local", true}, {"takes_local_traffic", true}};
  nlohmann::json frontend = {{"dn", "CN=Default Frontend EX2" + base}, {"name", "Default Frontend EX2"}, {"auth_mechanism", 31},
                             {"auth_mechanism_text", mechanism_text(31)}, {"exchange_server", true}, {"enabled", true},
                             {"bindings", {"0.0.0.0:25"}}, {"remote_ip_ranges", {"0.0.0.0-255.255.255.255"}},
                             {"covers_local", true}, {"takes_local_traffic", !offending}};
  nlohmann::json relay = {{"dn", "CN=Relay Apps" + base}, {"name", "Relay Apps"}, {"auth_mechanism", relay_bits},
                          {"auth_mechanism_text", mechanism_text(relay_bits)}, {"exchange_server", (relay_bits & 16) != 0},
                          {"enabled", true}, {"bindings", {"0.0.0.0:25"}}, {"remote_ip_ranges", {"10.0.0.0/24"}},
                          {"covers_local", true}, {"takes_local_traffic", true}};
  nlohmann::json connectors = offending ? nlohmann::json{def, frontend, relay} : nlohmann::json{def, frontend};
  nlohmann::json f = {{"probe", "connector"}, {"target", "EX2"}, {"status", offending ? "fail" : "ok"},
                      {"summary", "connections from 10.0.0.1 to EX2"},
                      {"evidence", {{"source", "dc1.contoso.com"}, {"schema", "present"}, {"local_ip", "10.0.0.1"},
                                    {"connectors", connectors},
                                    {"offending", offending ? nlohmann::json{"Relay Apps"} : nlohmann::json::array()}}}};
  return finding(f.dump());
}

// No enabled connector of EX2 offers ExchangeServer (the "Default EX2" had it removed).
inline Finding connector_none_offer() {
  auto f = connector(false);
  for (auto& c : f.evidence["connectors"]) {
    c["auth_mechanism"] = 13, c["auth_mechanism_text"] = mechanism_text(13), c["exchange_server"] = false;
  }
  f.status = FindingStatus::Fail;
  f.summary = "no enabled receive connector of EX2 on port 25/2525 offers ExchangeServer authentication";
  return f;
}

// ---- kerberos-logging -----------------------------------------------------------------------

inline Finding kerberos_logging(int level) {
  nlohmann::json f = {{"probe", "kerberos-logging"}, {"target", "EX1"}, {"status", "ok"}, {"summary", "LogLevel"},
                      {"evidence", {{"log_level", level}}}};
  return finding(f.dump());
}

}  // namespace authwatch::test::recorded

// The diagnosis table (KB 979174 steps; docs/domain.md §0, §5–§8; the look-alikes of docs/domain.md §10).
// Adding a cause is adding a row; diagnose() has no per-probe code. Confidences: a fault measured
// directly (a clock 412 s off, a missing SPN) stands on its own at 0.8 at most; 0.85 and above
// take a second, independent finding (another probe, or another target) seeing the same fault
// from the other side (the KDC refusing the ticket for it): 0.85–0.95. diagnose() enforces that
// ceiling and tests/core/diagnosis_test.cpp walks the table for it. An indirect reading (a ticket
// error alone, which several faults produce) starts near 0.6 and yields to the direct one.
#include "core/diagnosis_matchers.hpp"

namespace authwatch {
namespace {

constexpr std::string_view kDcUnresponsiveFix =
    "On {dc}: find what holds it up: CPU and memory of lsass.exe (the KDC and LDAP run in it), the NTDS performance "
    "counters (LDAP searches, ATQ threads queued), `dcdiag /s:{dc}`, and the Directory Service and System event logs; then "
    "restart the KDC (`net stop kdc && net start kdc`) or Netlogon (`net stop netlogon && net start netlogon`), or reboot "
    "{dc}. Until it answers, move clients to another DC: stopping Netlogon on {dc} takes it out of DC location";

DiagnosisRules make_rules() {
  // The table's shorthands stay in this function: a unity build (AUTHWATCH_UNITY_BUILD) compiles
  // other files of core/ in the same unit, where S, R and E would mean something else.
  using namespace diagnosis;
  using S = FindingStatus;
  using R = Relation;
  using E = Modifier::Effect;

  // The other side of each fault, as modifiers.
  const Modifier kTicketSkew{"ticket", S::Fail, ticket_skew, R::AnyFinding, E::Corroborates, 0.95};
  const Modifier kTicketKdcUnreachable{"ticket", S::Fail, ticket_kdc_unreachable, R::AnyFinding, E::Corroborates, 0.9};

  DiagnosisRules r;
  r.causes = {
      // ---- clock (KB: compare the clocks) -------------------------------------------------------
      {"clock-this-server", "clock-skew", "clock", "clock", S::Fail, clock_this_server, 0.9, {kTicketSkew},
       "This server's clock is {seconds} s {direction} every clock it measured ({others}): the wrong clock is this one",
       "On this server: `w32tm /query /source` (a domain member syncs from the domain hierarchy: "
       "`w32tm /config /syncfromflags:domhier /update`), then `w32tm /resync /rediscover`",
       /*yields=*/false, /*rests_on=*/2},
      {"clock-dc", "clock-skew", "clock", "clock", S::Fail, clock_dc_offset, 0.8, {kTicketSkew},
       "{host}'s clock is {seconds} s {direction} this server's ({method}), beyond Kerberos' {tolerance} s tolerance",
       "On {host}: fix its time source first (`w32tm /query /source`; the PDC emulator syncs from a reliable NTP server: "
       "`w32tm /config /manualpeerlist:<ntp server> /syncfromflags:manual /reliable:yes /update`, other DCs from the "
       "domain hierarchy: `w32tm /config /syncfromflags:domhier /update`), then `w32tm /resync /rediscover` on {host}",
       /*yields=*/true},
      {"clock-dc-warn", "clock-skew", "clock", "clock", S::Warn, clock_dc_offset, 0,
       {{"ticket", S::Fail, ticket_skew, R::AnyFinding, E::Corroborates, 0.7}},
       "{host}'s clock is {seconds} s {direction} this server's ({method})",
       "On {host}: fix its time source first (`w32tm /query /source`), then `w32tm /resync /rediscover` on {host}", true},
      {"clock-host", "clock-skew", "clock", "clock", S::Fail, clock_host_offset, 0.8, {kTicketSkew},
       "{host}'s clock is {seconds} s {direction} this server's ({method}), beyond Kerberos' {tolerance} s tolerance: "
       "it rejects this server's authenticators and this server rejects its own",
       "On {host}: `w32tm /query /source` (a domain member syncs from the domain hierarchy: "
       "`w32tm /config /syncfromflags:domhier /update`), then `w32tm /resync /rediscover`", true},
      {"clock-host-warn", "clock-skew", "clock", "clock", S::Warn, clock_host_offset, 0,
       {{"ticket", S::Fail, ticket_skew, R::AnyFinding, E::Corroborates, 0.7}},
       "{host}'s clock is {seconds} s {direction} this server's ({method})",
       "On {host}: `w32tm /query /source`, then `w32tm /resync /rediscover`", true},
      {"ticket-skew", "clock-skew", "clock", "ticket", S::Fail, ticket_skew, 0.6, {},
       "The KDC refused the service ticket for {spn} for clock skew ({error}); no clock measured explains it",
       "Compare this server's clock with each DC's (`w32tm /stripchart /computer:<dc> /samples:5 /dataonly`) and with {host}'s; "
       "on whichever is off fix its time source, then `w32tm /resync /rediscover`", true},

      // ---- replication (KB: force DC replication) -----------------------------------------------
      {"replication-object-spn", "replication", "replication", "replication", S::Fail, replication_object_spn_disagree, 0.75,
       {{"replication", S::Fail, replication_neighbors_failing, R::SharesKey, E::Corroborates, 0.9},
        {"replication", S::Fail, replication_neighbors_failing, R::AnyFinding, E::Corroborates, 0.85},
        {"ticket", S::Fail, ticket_principal_unknown, R::SharesKey, E::Corroborates, 0.85},
        {"spn", S::Fail, spn_missing, R::SharesKey, E::Corroborates, 0.8}},
       "The DCs disagree on the SPNs of {object}: {difference}; {behind} has not received the change",
       "Replicate {object} now: {replicate}; then `repadmin /showrepl` must show no failures"},
      {"replication-object-kvno", "replication", "replication", "replication", S::Fail, replication_object_kvno_disagree, 0.75,
       {{"replication", S::Fail, replication_neighbors_failing, R::SharesKey, E::Corroborates, 0.9},
        {"replication", S::Fail, replication_neighbors_failing, R::AnyFinding, E::Corroborates, 0.85},
        {"ticket", S::Fail, ticket_stale_key, R::SharesKey, E::Corroborates, 0.9}},
       "The DCs disagree on the {difference} of {object}: its password change has not replicated, so some KDCs "
       "issue tickets in a key the server no longer has",
       "Replicate {object} now: {replicate}; then `klist purge -li 0x3e7` on the sending Exchange server"},
      {"replication-object-absent", "replication", "replication", "replication", S::Fail, replication_object_absent, 0.75,
       {{"replication", S::Fail, replication_neighbors_failing, R::SharesKey, E::Corroborates, 0.9},
        {"replication", S::Fail, replication_neighbors_failing, R::AnyFinding, E::Corroborates, 0.85},
        {"ticket", S::Fail, ticket_principal_unknown, R::SharesKey, E::Corroborates, 0.85}},
       "{object} exists on {source} but not on {absent}: the computer account has not replicated there",
       "Replicate {object} now: {replicate}; then `repadmin /showrepl` must show no failures"},
      {"replication-neighbors", "replication", "replication", "replication", S::Fail, replication_neighbors_failing, 0.7,
       {{"replication", S::Fail, replication_object_spn_disagree, R::SharesKey, E::Corroborates, 0.8},
        {"replication", S::Fail, replication_object_kvno_disagree, R::SharesKey, E::Corroborates, 0.8}},
       "{dc} fails to replicate in from {sources}: {errors}",
       "On {dc}: {hint}; then `repadmin /syncall {dc} /AdeP` and `repadmin /showrepl {dc}` must show no failures"},
      {"replication-ticket-vs-directory", "replication", "replication", "ticket", S::Fail, ticket_principal_unknown, 0,
       {{"spn", S::Ok, spn_registered, R::SharesKey, E::Corroborates, 0.45}},
       "The KDC does not know {spn} ({error}) although the directory holds it: the KDC's DC has not received it yet",
       "`repadmin /syncall /AdeP` on the DCs (`repadmin /showrepl` for failures), then `klist purge -li 0x3e7` on the "
       "sending Exchange server", true},

      // ---- SPNs (KB: setspn -L, setspn -X) ------------------------------------------------------
      {"spn-missing", "spn-missing", "spn", "spn", S::Fail, spn_missing, 0.8,
       {{"ticket", S::Fail, ticket_principal_unknown, R::SharesKey, E::Corroborates, 0.95},
        {"replication", S::Fail, replication_object_spn_disagree, R::SharesKey, E::Contradicts, 0.5}},
       "{host} lacks {missing} on {account_dn} (asked {source})",
       "As a Domain Admin: {setspn_add}; then `setspn -L {account}` must list them"},
      {"spn-missing-no-account", "spn-missing", "spn", "spn", S::Fail, spn_missing_no_account, 0.7,
       {{"ticket", S::Fail, ticket_principal_unknown, R::SharesKey, E::Corroborates, 0.85}},
       "No computer account for {host} was found (asked {source}), so nothing holds {missing}",
       "Check the server's name (--peer-fqdn) and that {host} is joined to the domain (`nltest /sc_verify:<domain>` on it); "
       "then {setspn_add}"},
      {"spn-duplicate", "spn-duplicate", "spn", "spn", S::Fail, spn_duplicates, 0.8,
       {{"ticket", S::Fail, ticket_principal_unknown, R::SharesKey, E::Corroborates, 0.95},
        {"ticket", S::Fail, ticket_principal_not_unique, R::SharesKey, E::Corroborates, 0.95}},
       "{spn} is registered on more than one account ({holders}): the KDC cannot tell whose key to use",
       "Keep it on {keep}: {setspn_remove}; then `setspn -X -F` must not list {spn}"},
      {"spn-wrong-owner", "spn-wrong-owner", "spn", "spn", S::Fail, spn_wrong_owner, 0.8,
       {{"ticket", S::Fail, ticket_stale_key, R::SharesKey, E::Corroborates, 0.95}},
       "{spn} is held by {owner_dn}, not by {account}: tickets for it are encrypted in the wrong account's key",
       "{commands}"},
      {"ticket-principal-unknown", "spn-missing", "spn", "ticket", S::Fail, ticket_principal_unknown, 0.55,
       {{"spn", S::Ok, spn_registered, R::SharesKey, E::Contradicts, 0}},
       "The KDC does not know {spn} ({error}): no account holds it, or more than one does",
       "`setspn -Q {spn}`: if nothing holds it, `setspn -S {spn} {account}`; if several do, `setspn -D {spn} <holder>` "
       "on all but {account}", true},
      {"ticket-principal-not-unique", "spn-duplicate", "spn", "ticket", S::Fail, ticket_principal_not_unique, 0.7, {},
       "The KDC found {spn} on more than one account ({error})",
       "`setspn -X -F` lists the holders; `setspn -D {spn} <holder>` on all but {account}", true},

      // ---- keys -----------------------------------------------------------------------------------
      // A stale key is most often a machine password change some KDCs have not received: KB step replication.
      {"ticket-stale-key", "stale-key", "replication", "ticket", S::Fail, ticket_stale_key, 0.75, {},
       "The ticket for {spn} cannot be read with {host}'s keys (ticket kvno {kvno}, service kvno {keytab_kvno}): the KDC "
       "encrypted it in a key {host} no longer (or not yet) has",
       "Make {host}'s machine password and the directory agree: on {host} `Test-ComputerSecureChannel -Repair`, "
       "`repadmin /syncall /AdeP`, then `klist purge -li 0x3e7` on the sending Exchange server", true},

      // ---- ports (KB: Kerberos TCP/UDP ports) ---------------------------------------------------
      {"ports-kerberos", "ports-blocked", "ports", "ports", S::Fail, ports_kerberos_blocked, 0.75, {kTicketKdcUnreachable},
       "{dc} does not answer on {blocked} from this server while other ports answer: a firewall drops Kerberos",
       "Allow {blocked} from this server to {dc} (KB 179442): Windows Firewall on {dc} and every firewall between; "
       "check with {check}"},
      {"ports-other", "ports-blocked", "ports", "ports", S::Fail, ports_other_blocked, 0.5,
       {{"ticket", S::Fail, ticket_kdc_unreachable, R::AnyFinding, E::Corroborates, 0.6}},
       "{dc} does not answer on {blocked} from this server while other ports answer",
       "Allow {blocked} from this server to {dc} (KB 179442): Windows Firewall on {dc} and every firewall between; "
       "check with {check}"},
      {"ports-all-down", "kdc-unreachable", "ports", "ports", S::Fail, ports_all_down, 0.8, {kTicketKdcUnreachable},
       "{dc} answers on none of the {checked} Kerberos/AD ports checked ({states}): it is down, unreachable from this "
       "server, or no longer a domain controller",
       "Check that {dc} is running, is a DC and is routable from this server (`Test-NetConnection {dc} -Port 88`); if it "
       "was retired, remove its DNS records and its metadata (`ntdsutil`, metadata cleanup) so clients stop choosing it"},
      {"ticket-kdc-unreachable", "kdc-unreachable", "ports", "ticket", S::Fail, ticket_kdc_unreachable, 0.6, {},
       "No KDC answered for {spn} ({error})",
       "Check that this server finds and reaches a DC: `nltest /dsgetdc:{domain} /kdc`, "
       "`nslookup -type=srv _kerberos._tcp.{domain}`, and TCP/UDP 88 to it (`portqry -n <dc> -e 88 -p both`)", true},
      // Accepted but never answered (docs/domain.md §10): not a firewall. Found where the KB's
      // port check finds it; the ticket probe meeting the same silent KDC is the other side.
      {"ports-dc-unresponsive", "dc-unresponsive", "ports", "ports", S::Fail, ports_dc_unresponsive, 0.7,
       {{"ticket", S::Fail, ticket_kdc_silent, R::SharesKey, E::Corroborates, 0.85},
        {"ticket", S::Warn, ticket_kdc_silent, R::SharesKey, E::Corroborates, 0.85},
        {"ticket", S::Ok, ticket_kdc_silent, R::SharesKey, E::Corroborates, 0.85}},
       "{dc} accepts connections but does not answer on {ports}, not even in the slow retry: the DC is overloaded or "
       "hung, not firewalled",
       kDcUnresponsiveFix},
      {"ticket-kdc-unresponsive", "dc-unresponsive", "ports", "ticket", S::Fail, ticket_kdc_unresponsive, 0.6, {},
       "The KDC {dc} accepted the request for {spn} but did not answer, not even in the slow retry ({error})",
       kDcUnresponsiveFix, true},
      // Locating a KDC belongs with reaching it: the KB's ports step.
      {"dns-no-records", "dc-locator", "ports", "dns", S::Fail, dns_no_records, 0.6,
       {{"ticket", S::Fail, ticket_kdc_unreachable, R::AnyFinding, E::Corroborates, 0.85}},
       "{dns_server} has no DC locator records for {domain} ({srv}): clients cannot find a KDC",
       "On each DC: `nltest /dsregdns` (or restart Netlogon) to register its records; check that the {domain} and "
       "_msdcs.{domain} zones accept dynamic updates and that this server uses the AD DNS servers"},

      // ---- receive connectors (KB: Exchange Server authentication) ------------------------------
      {"connector-offending", "connector-auth", "connector", "connector", S::Fail, connector_offending, 0.8,
       {{"smtp", S::Fail, smtp_no_exchange_auth, R::SharesKey, E::Corroborates, 0.95}},
       "Receive connector \"{identity}\" covers this server ({ranges}) but lacks ExchangeServer (AuthMechanism {existing})",
       "{set} (with ExchangeServers in its -PermissionGroups), or narrow its RemoteIPRanges ({ranges}) so it no longer "
       "covers the Exchange servers; then restart MSExchangeTransport on it"},
      {"connector-none-offer", "connector-auth", "connector", "connector", S::Fail, connector_none_offer, 0.8,
       {{"smtp", S::Fail, smtp_no_exchange_auth, R::SharesKey, E::Corroborates, 0.95}},
       "No enabled receive connector of {server} has ExchangeServer authentication ({connectors})",
       "On {server}: `Set-ReceiveConnector \"{server}\\Default {server}\" -AuthMechanism Tls,Integrated,BasicAuth,"
       "BasicAuthRequireTLS,ExchangeServer -PermissionGroups AnonymousUsers,ExchangeUsers,ExchangeServers,ExchangeLegacyServers`"},
      {"smtp-no-xexps", "connector-auth", "connector", "smtp", S::Fail, smtp_no_exchange_auth, 0.7,
       {{"connector", S::Ok, connector_all_offer, R::SharesKey, E::Contradicts, 0}},
       "{endpoint} offers {offered} in its EHLO: the receive connector lacks Exchange Server authentication",
       "On {server}: {hint}, keeping the mechanisms the connector already has (`Get-ReceiveConnector | ft Identity,AuthMechanism`)",
       true},
      {"smtp-inspection", "smtp-inspection", "connector", "smtp", S::Fail, smtp_no_exchange_auth, 0,
       {{"connector", S::Ok, connector_all_offer, R::SharesKey, E::Corroborates, 0.5}},
       "{endpoint} offers {offered} in its EHLO, yet the peer's receive connectors have ExchangeServer: something between "
       "rewrites the EHLO",
       "Turn off SMTP/ESMTP inspection on the firewalls between the servers (Cisco ASA: `no inspect esmtp`) or bypass the "
       "SMTP proxy; EHLO from this server must then show X-EXPS GSSAPI"},

      // ---- what only Kerberos logging would have shown (KB: set LogLevel, read the System log) ----
      // Outside KB 979174 (docs/domain.md §10): only Kerberos logging would have shown the error.
      {"ticket-trust", "trust", "logging", "ticket", S::Fail, ticket_trust, 0.7, {},
       "The KDC of {kdc_realm} refused this server's cross-realm ticket for {spn} ({error}): the trust between "
       "{client_realm} and {kdc_realm} is broken, or its password was reset on one side only",
       "Verify the trust on a DC of {trusting}: `netdom trust {trusting} /domain:{trusted} /verify`. If it fails, reset the "
       "trust password on both sides with the same new password: on a DC of {trusting} `netdom trust {trusting} "
       "/domain:{trusted} /resetOneSide /passwordT:<new password> /userO:<{trusting} admin> /passwordO:*`, on a DC of "
       "{trusted} `netdom trust {trusted} /domain:{trusting} /resetOneSide /passwordT:<new password> /userO:<{trusted} "
       "admin> /passwordO:*`; then `klist purge -li 0x3e7` on the sending Exchange server"},
      {"ticket-etype", "etype-mismatch", "logging", "ticket", S::Fail, ticket_etype, 0.7, {},
       "The KDC has no key for {spn} in an encryption type both sides accept ({error})",
       "Compare msDS-SupportedEncryptionTypes of {account} with the \"Network security: Configure encryption types allowed "
       "for Kerberos\" policy on the DCs and both servers; after a change reset {account}'s password "
       "(`Test-ComputerSecureChannel -Repair` on {host}) so keys of that type exist"},
  };
  r.notes = {
      {"next-step", "kerberos-logging", {S::Ok, S::Warn, S::Fail}, kerberos_logging_off,
       "Kerberos logging is off on {host}: to see the Kerberos errors behind the 454 in the System log (events 3 and 4), "
       "`reg add HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa\\Kerberos\\Parameters /v LogLevel /t REG_DWORD /d 1 /f` "
       "(KB 262177), and set it back to 0 afterwards",
       0.8},
  };
  // What stops the other checks (docs/domain.md §10: a DC 7 minutes off fails every Kerberos LDAP
  // bind "Clock skew too great"). Any error counts for a DC that is unreachable, blocked or hung
  // when the check names it; skew only with skew's words.
  r.blocked_by = {
      {"clock-skew", {"skew", "KRB_AP_ERR_SKEW", "SEC_E_TIME_SKEW"}},
      {"ports-blocked", {"contact", "connect", "timed out", "timeout", "deadline", "did not answer", "no answer", "unreachable",
                         "refused", "no reply"}},
      {"dc-unresponsive", {"contact", "connect", "timed out", "timeout", "deadline", "did not answer", "no answer", "no reply"}},
      {"kdc-unreachable", {"contact", "connect", "timed out", "timeout", "deadline", "did not answer", "no answer", "unreachable",
                           "refused", "no reply"}},
  };
  return r;
}

}  // namespace

const DiagnosisRules& default_diagnosis_rules() {
  static const DiagnosisRules rules = make_rules();
  return rules;
}

const std::vector<std::string_view>& cause_vocabulary() {
  // Append only: an alert's event id is 1100 + the index (pipeline/alerts.hpp, installer/windows/events.mc).
  static const std::vector<std::string_view> v = {"clock-skew",     "replication",     "spn-missing", "spn-duplicate",
                                                  "spn-wrong-owner", "stale-key",      "ports-blocked", "kdc-unreachable",
                                                  "connector-auth", "dc-locator",      "etype-mismatch", "smtp-inspection",
                                                  "dc-unresponsive", "trust",       "transport-certificate"};
  return v;
}

}  // namespace authwatch

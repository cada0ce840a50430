#pragma once
// The predicates of the diagnosis table (core/diagnosis_match_*.cpp): each reads one finding's evidence exactly as
// probes/FINDINGS.md defines it and says what it shows (target, keys, values, template vars).
// They return nothing when the finding does not show their fact; they never guess.
#include <cstdint>
#include <string_view>

#include "core/diagnosis_rules.hpp"

namespace authwatch::diagnosis {

// clock: offset_seconds of a DC (it has KDC/LDAP readings) / of another host (the peer, SNTP only).
std::vector<DiagnosisMatch> clock_dc_offset(const Finding& f, const std::vector<Finding>& all);
std::vector<DiagnosisMatch> clock_host_offset(const Finding& f, const std::vector<Finding>& all);
// clock: every measured target off by about the same amount in the same direction, beyond the
// tolerance: the clock that is wrong is this server's.
std::vector<DiagnosisMatch> clock_this_server(const Finding& f, const std::vector<Finding>& all);

// ticket: by outcome.
std::vector<DiagnosisMatch> ticket_skew(const Finding& f, const std::vector<Finding>& all);
std::vector<DiagnosisMatch> ticket_principal_unknown(const Finding& f, const std::vector<Finding>& all);  // not code 8
std::vector<DiagnosisMatch> ticket_principal_not_unique(const Finding& f, const std::vector<Finding>& all);  // code 8
std::vector<DiagnosisMatch> ticket_kdc_unreachable(const Finding& f, const std::vector<Finding>& all);
std::vector<DiagnosisMatch> ticket_stale_key(const Finding& f, const std::vector<Finding>& all);
std::vector<DiagnosisMatch> ticket_etype(const Finding& f, const std::vector<Finding>& all);
// KDCs that accepted the connection and never answered: the outcome kdc-unresponsive (every KDC
// did so) / any ticket finding whose attempts met one (another KDC may have answered). One match
// per such KDC, about it (target and keys: the DC).
std::vector<DiagnosisMatch> ticket_kdc_unresponsive(const Finding& f, const std::vector<Finding>& all);
std::vector<DiagnosisMatch> ticket_kdc_silent(const Finding& f, const std::vector<Finding>& all);
// KRB_AP_ERR_BAD_INTEGRITY on the cross-realm TGS request (the outcome trust); target: the realm
// whose KDC refused the referral ticket.
std::vector<DiagnosisMatch> ticket_trust(const Finding& f, const std::vector<Finding>& all);

// spn (per host, or the forest scan for duplicates).
std::vector<DiagnosisMatch> spn_missing(const Finding& f, const std::vector<Finding>& all);             // account found
std::vector<DiagnosisMatch> spn_missing_no_account(const Finding& f, const std::vector<Finding>& all);  // account null
std::vector<DiagnosisMatch> spn_duplicates(const Finding& f, const std::vector<Finding>& all);          // one per SPN
std::vector<DiagnosisMatch> spn_wrong_owner(const Finding& f, const std::vector<Finding>& all);         // one per SPN
std::vector<DiagnosisMatch> spn_registered(const Finding& f, const std::vector<Finding>& all);          // present, keys = SPNs

// replication.
std::vector<DiagnosisMatch> replication_neighbors_failing(const Finding& f, const std::vector<Finding>& all);
std::vector<DiagnosisMatch> replication_object_spn_disagree(const Finding& f, const std::vector<Finding>& all);
std::vector<DiagnosisMatch> replication_object_kvno_disagree(const Finding& f, const std::vector<Finding>& all);
std::vector<DiagnosisMatch> replication_object_absent(const Finding& f, const std::vector<Finding>& all);  // on some DCs only

// ports.
// Blocked = silence (no TCP connection; UDP silent with its TCP twin silent too) or refused.
std::vector<DiagnosisMatch> ports_kerberos_blocked(const Finding& f, const std::vector<Finding>& all);  // 88, DC otherwise answers
std::vector<DiagnosisMatch> ports_other_blocked(const Finding& f, const std::vector<Finding>& all);     // 53, 389/tcp, 464
std::vector<DiagnosisMatch> ports_all_down(const Finding& f, const std::vector<Finding>& all);         // no port answers
// A Kerberos/LDAP/DNS port that accepts the TCP connection (or whose UDP twin's TCP does) but
// never answers, even in the slow retry: an overloaded or hung DC, not a firewall (docs/domain.md §10).
std::vector<DiagnosisMatch> ports_dc_unresponsive(const Finding& f, const std::vector<Finding>& all);

// dns: no DC locator records.
std::vector<DiagnosisMatch> dns_no_records(const Finding& f, const std::vector<Finding>& all);

// smtp / connector.
std::vector<DiagnosisMatch> smtp_no_exchange_auth(const Finding& f, const std::vector<Finding>& all);
std::vector<DiagnosisMatch> connector_offending(const Finding& f, const std::vector<Finding>& all);  // one per connector
std::vector<DiagnosisMatch> connector_none_offer(const Finding& f, const std::vector<Finding>& all);  // no enabled connector has it
std::vector<DiagnosisMatch> connector_all_offer(const Finding& f, const std::vector<Finding>& all);   // those that serve this server have it

// kerberos-logging: LogLevel 0 (or absent).
std::vector<DiagnosisMatch> kerberos_logging_off(const Finding& f, const std::vector<Finding>& all);

// Helpers the matchers share, exposed for tests.
std::string_view krb_error_name(int64_t code);            // 37 -> "KRB_AP_ERR_SKEW"; "" when unknown
std::string_view replication_error_hint(int64_t code);    // 1722 -> what to check; "" when unknown
// Receive connector AuthMechanism as names, from a number (msExchSMTPReceiveInboundSecurityFlag
// bits), a "Tls, Integrated" string or an array of names.
std::vector<std::string> auth_mechanism_names(const nlohmann::json& value);
std::string seconds_text(double seconds);                 // "+412 s", "-3.2 s"

}  // namespace authwatch::diagnosis

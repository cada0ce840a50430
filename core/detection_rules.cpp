// The detection table (DOMAIN.md §1–§4). Adding a rule is adding a row; the Detector has no
// per-event-id code. Wording of protocol-log information lines varies by CU, so patterns are
// short, case-insensitive fragments.
#include "core/detector.hpp"

namespace authwatch {
namespace {

using F = SignalField;
using M = ProtocolLogRule::Match;
using S = ProtocolLogSide;

// §1.1: 1035 comes from the process that hosts the receive connector.
const std::vector<std::string_view> kReceiveProviders = {"MSExchangeTransport", "MSExchangeFrontEndTransport",
                                                         "MSExchangeTransportDelivery"};
// Sending happens in the Transport service, the Front End (outbound proxy) and Mailbox submission.
const std::vector<std::string_view> kSendProviders = {"MSExchangeTransport", "MSExchangeFrontEndTransport",
                                                      "MSExchangeTransportSubmission", "MSExchangeTransportDelivery"};
// Server-to-server mechanisms; Login/Ntlm/BasicAuth failures are users typing passwords.
const std::vector<std::string_view> kServerMechanisms = {"ExchangeAuth", "Gssapi"};
// §1.6: the client side of Kerberos logs to the System log under either name (by Windows version).
const std::vector<std::string_view> kKerberosProviders = {"Microsoft-Windows-Security-Kerberos", "Kerberos"};
// With LogLevel=1 every logon logs these; they say nothing about Exchange authentication (§1.6).
const std::vector<std::string_view> kKerberosChatter = {"0x19" /* KDC_ERR_PREAUTH_REQUIRED */,
                                                        "0xd" /* KDC_ERR_BADOPTION */};

DetectionRules make_default_rules() {
  DetectionRules r;
  r.event_log = {
      // "Inbound authentication failed with error %1 for Receive connector %2. The authentication
      // mechanism is %3. The source IP address of the client ... is [%4]."
      {"exchange-1035-inbound-auth", kReceiveProviders, 1035, Direction::Inbound,
       {{F::Status, "1"}, {F::Connector, "2"}, {F::Mechanism, "3"}, {F::PeerIp, "4"}},
       "3", kServerMechanisms, SignalClass::Fault, SignalClass::Noise},
      // "Send connector %1 has failed to authenticate with %2. The response from the remote site is %3."
      {"exchange-2003-send-auth", kSendProviders, 2003, Direction::Outbound,
       {{F::Connector, "1"}, {F::PeerName, "2"}, {F::Reply, "3"}},
       "", {}, SignalClass::Fault, SignalClass::Fault},
      // "Outbound authentication failed with error %1 for Send connector %2. The authentication
      // mechanism is %3. The target is %4." (%4 = SMTPSVC/<fqdn>)
      {"exchange-2017-outbound-auth", kSendProviders, 2017, Direction::Outbound,
       {{F::Status, "1"}, {F::Connector, "2"}, {F::Mechanism, "3"}, {F::TargetSpn, "4"}},
       "3", kServerMechanisms, SignalClass::Fault, SignalClass::Noise},
      // Kerberos errors this server met as a client (a ticket request or an AP exchange, also the
      // receiver authenticating back to a sender, DOMAIN.md §3): context for the open incident
      // they explain, never an incident of their own. ServerTime is the remote clock.
      {"kerberos-3-error", kKerberosProviders, 3, Direction::Outbound,
       {{F::Status, "ErrorMessage"}, {F::TargetSpn, "TargetName"}},
       "ErrorCode", kKerberosChatter, SignalClass::Noise, SignalClass::Context},
      // KRB_AP_ERR_MODIFIED from a server: the SPN is on another account or its key is stale.
      // [Unverified] that its data names the SPN "TargetName" as event 3 does; all of it is kept
      // as evidence either way.
      {"kerberos-4-ap-err-modified", kKerberosProviders, 4, Direction::Outbound,
       {{F::TargetSpn, "TargetName"}},
       "", {}, SignalClass::Context, SignalClass::Context},
  };
  r.queue = {
      {"queue-454-4.7.0", "454 4.7.0", "TemporaryAuthenticationFailure"},
      // §3: the receiver offered no X-EXPS (connector without ExchangeServer authentication).
      {"queue-451-5.7.3", "451 5.7.3", "CannotAchieveExchangeServerAuthentication"},
  };
  r.protocol_log = {
      {"plog-recv-exchangeauth-negotiation", S::Receive, '*', M::TextContains,
       {"Inbound ExchangeAuth negotiation failed"}, SignalClass::Fault, "because of ", "", "", "ExchangeAuth"},
      {"plog-recv-454", S::Receive, '>', M::DataStartsWith, {"454 4.7.0"}, SignalClass::Fault, "",
       "TemporaryAuthenticationFailure", "", "ExchangeAuth"},
      {"plog-recv-504-xexps", S::Receive, '>', M::DataStartsWith, {"504 5.7.4"}, SignalClass::Fault, "",
       "UnrecognizedAuthenticationType", "", "ExchangeAuth"},
      {"plog-recv-client-auth", S::Receive, '*', M::TextContains, {"Inbound AUTH", "failed"}, SignalClass::Noise,
       "because of ", "", "Inbound AUTH ", ""},
      {"plog-send-454", S::Send, '<', M::DataStartsWith, {"454 4.7.0"}, SignalClass::Fault, "",
       "TemporaryAuthenticationFailure", "", "ExchangeAuth"},
      {"plog-send-504-xexps", S::Send, '<', M::DataStartsWith, {"504 5.7.4"}, SignalClass::Fault, "",
       "UnrecognizedAuthenticationType", "", "ExchangeAuth"},
      {"plog-send-exchangeauth-failed", S::Send, '*', M::TextContains, {"Outbound Exchange Authentication failed"},
       SignalClass::Fault, "failed with ", "", "", "ExchangeAuth"},
      {"plog-send-auth-failed", S::Send, '*', M::TextContains, {"Outbound Authentication failed"},
       SignalClass::Fault, "failed with ", "", "", "ExchangeAuth"},
  };
  return r;
}

}  // namespace

const DetectionRules& default_rules() {
  static const DetectionRules rules = make_default_rules();
  return rules;
}

}  // namespace authwatch

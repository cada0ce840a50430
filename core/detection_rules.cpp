// The detection table (docs/domain.md §1–§4, §10). Adding a rule is adding a row; the Detector has
// no per-event-id code. Each row says what makes a record server-to-server Exchange authentication
// (a fault) and what makes it a look-alike (noise: a client, a smart host, TLS), in words an
// administrator reads in `history` and `show`. Wording of protocol-log information lines varies by
// CU, so patterns are short, case-insensitive fragments.
#include "core/detector.hpp"

namespace authwatch {
namespace {

using F = SignalField;
using T = FieldTest;
using H = FieldTest::How;
using S = ProtocolLogSide;
using C = SignalClass;
using N = SessionShows;

// §1.1: 1035 comes from the process that hosts the receive connector.
const std::vector<std::string_view> kReceiveProviders = {"MSExchangeTransport", "MSExchangeFrontEndTransport",
                                                         "MSExchangeTransportDelivery"};
// Sending happens in the Transport service, the Front End (outbound proxy) and Mailbox submission.
const std::vector<std::string_view> kSendProviders = {"MSExchangeTransport", "MSExchangeFrontEndTransport",
                                                      "MSExchangeTransportSubmission", "MSExchangeTransportDelivery"};
// Server-to-server mechanisms; Login/Ntlm/BasicAuth failures are users typing passwords.
const std::vector<std::string_view> kServerMechanisms = {"ExchangeAuth", "Gssapi", "Kerberos"};
// §10: GSSAPI is also a client's Integrated logon; on these connectors it is one.
const std::vector<std::string_view> kClientConnectors = {"Client Frontend", "Client Proxy"};
// §1.6: the client side of Kerberos logs to the System log under either name (by Windows version).
const std::vector<std::string_view> kKerberosProviders = {"Microsoft-Windows-Security-Kerberos", "Kerberos"};
// With LogLevel=1 every logon logs these; they say nothing about Exchange authentication (§1.6).
const std::vector<std::string_view> kKerberosChatter = {"0x19" /* KDC_ERR_PREAUTH_REQUIRED */,
                                                        "0xd" /* KDC_ERR_BADOPTION */};

// The receive side's verdicts (1035, 1034): mechanism %3, connector %2.
std::vector<Verdict> receive_verdicts() {
  return {
      {{T{"3", H::Equals, kServerMechanisms, /*negate=*/true}}, C::Noise,
       "a user or application logging on with {mechanism} (a password) on {connector}: not Exchange server authentication"},
      {{T{"2", H::StartsWith, kClientConnectors}}, C::Noise,
       "a client's Integrated ({mechanism}) logon on the client connector {connector}: not another Exchange server"},
      {{}, C::Fault, "Exchange server authentication ({mechanism}) from another server failed on {connector}"},
  };
}

// The send side's verdicts (2017, 2016): mechanism %3. Smart hosts are reached with Basic auth.
std::vector<Verdict> send_verdicts() {
  return {
      {{T{"3", H::Equals, kServerMechanisms, /*negate=*/true}}, C::Noise,
       "authentication to a smart host or another organisation ({mechanism}) on {connector}: not Exchange server "
       "authentication"},
      {{}, C::Fault, "this server could not authenticate to {peer} with Exchange server authentication ({mechanism})"},
  };
}

// §4/§10: external, smart-host and DNS queues never carry Exchange server authentication.
const T kExternalCategory{"NextHopCategory", H::Equals, {"External"}};
const T kNotExchangeDelivery{"DeliveryType", H::Equals, {"SmartHostConnectorDelivery", "DnsConnectorDelivery"}};
const T kAuthLookingError{"LastError", H::Contains, {"454 4.7.", "451 5.7.3", "535 5.7.", "530 5.7.", "504 5.7.4"}};
constexpr std::string_view kExternalWhy =
    "an external queue ({delivery_type}): mail to another organisation or a smart host, whose authentication is not "
    "Exchange server authentication";

DetectionRules make_default_rules() {
  DetectionRules r;
  r.event_log = {
      // "Inbound authentication failed with error %1 for Receive connector %2. The authentication
      // mechanism is %3. The source IP address of the client ... is [%4]."
      {"exchange-1035-inbound-auth", kReceiveProviders, 1035, Direction::Inbound,
       {{F::Status, "1"}, {F::Connector, "2"}, {F::Mechanism, "3"}, {F::PeerIp, "4"}}, receive_verdicts()},
      // 1034, SmtpReceiveAuthenticationInitializationFailed: the receive side could not even start
      // the exchange (e.g. the connection is not TLS); its strings follow 1035's order.
      {"exchange-1034-inbound-auth-init", kReceiveProviders, 1034, Direction::Inbound,
       {{F::Status, "1"}, {F::Connector, "2"}, {F::Mechanism, "3"}, {F::PeerIp, "4"}}, receive_verdicts()},
      // "Send connector %1 has failed to authenticate with %2. The response from the remote site is
      // %3." Logged for any 4xx/5xx reply to AUTH (§10): only 454 4.7.0 Temporary authentication
      // failure is the fault; a smart host's 535 5.7.3 is someone's password.
      {"exchange-2003-send-auth", kSendProviders, 2003, Direction::Outbound,
       {{F::Connector, "1"}, {F::PeerName, "2"}, {F::Reply, "3"}},
       {{{T{"3", H::Contains, {"454 4.7.0"}}, T{"3", H::Contains, {"Temporary authentication failure"}}}, C::Fault,
         "{peer} answered this server's Exchange authentication with \"{reply}\""},
        {{}, C::Noise,
         "{peer} refused this server's AUTH with \"{reply}\": a smart host or another organisation checking a "
         "password, not Exchange server authentication"}}},
      // "Outbound authentication failed with error %1 for Send connector %2. The authentication
      // mechanism is %3. The target is %4." (%4 = SMTPSVC/<fqdn>)
      {"exchange-2017-outbound-auth", kSendProviders, 2017, Direction::Outbound,
       {{F::Status, "1"}, {F::Connector, "2"}, {F::Mechanism, "3"}, {F::TargetSpn, "4"}}, send_verdicts()},
      // 2016, SmtpSendAuthenticationInitializationFailed: "An authentication credential initialization
      // error %1 occurred with Send connector %2. The authentication mechanism used was %3. The name of
      // the server that we were trying to authenticate to was %4. This server was using the name %5."
      // The queue shows 454 although the peer never replied.
      {"exchange-2016-outbound-auth-init", kSendProviders, 2016, Direction::Outbound,
       {{F::Status, "1"}, {F::Connector, "2"}, {F::Mechanism, "3"}, {F::PeerName, "4"}}, send_verdicts()},
      // Kerberos errors this server met as a client (a ticket request or an AP exchange, also the
      // receiver authenticating back to a sender, §3): context for the open incident they explain,
      // never an incident of their own. ServerTime is the remote clock.
      {"kerberos-3-error", kKerberosProviders, 3, Direction::Outbound,
       {{F::Status, "ErrorMessage"}, {F::TargetSpn, "TargetName"}},
       {{{T{"ErrorCode", H::Equals, kKerberosChatter}}, C::Noise,
         "Kerberos chatter every logon logs while Kerberos logging is on (pre-authentication required, bad option)"},
        {{}, C::Context, "a Kerberos error ({status}) this server met as a client: evidence for the incident it explains"}}},
      // KRB_AP_ERR_MODIFIED from a server: the SPN is on another account or its key is stale.
      // [Unverified] that its data names the SPN "TargetName" as event 3 does; all of it is kept
      // as evidence either way.
      {"kerberos-4-ap-err-modified", kKerberosProviders, 4, Direction::Outbound,
       {{F::TargetSpn, "TargetName"}},
       {{{}, C::Context,
         "KRB_AP_ERR_MODIFIED: a server could not read this server's ticket (the SPN is on another account, or a key is "
         "stale): evidence for the incident it explains"}}},
  };
  r.queue = {
      {"queue-external", "", {{kExternalCategory, kAuthLookingError}, C::Noise, kExternalWhy}},
      {"queue-external", "", {{kNotExchangeDelivery, kAuthLookingError}, C::Noise, kExternalWhy}},
      // KB 979174: "451 4.4.0 Primary target IP address responded with: "454 4.7.0 Temporary
      // authentication failure."" (2010 plain, 2013+ inside [{LRT=};{LED=};{FQDN=};{IP=}]).
      {"queue-454-4.7.0", "TemporaryAuthenticationFailure",
       {{T{"LastError", H::Contains, {"454 4.7.0"}}, T{"LastError", H::Contains, {"Temporary authentication failure"}}},
        C::Fault, "the queue to {peer} is retrying because Exchange server authentication failed (454 4.7.0)"}},
      // §3 / KB 979175: the receiver offered no X-EXPS (its connector lacks ExchangeServer).
      {"queue-451-5.7.3", "CannotAchieveExchangeServerAuthentication",
       {{T{"LastError", H::Contains, {"451 5.7.3"}}, T{"LastError", H::Contains, {"Cannot achieve Exchange Server authentication"}}},
        C::Fault, "{peer} offers no Exchange server authentication: its receive connector lacks ExchangeServer"}},
      // A cause of its own (§10): without its transport certificate Exchange cannot authenticate.
      {"queue-451-5.7.3-transport-certificate", "CannotLoadInternalTransportCertificate",
       {{T{"LastError", H::Contains, {"451 5.7.3"}}, T{"LastError", H::Contains, {"Cannot load Internal Transport Certificate"}}},
        C::Fault, "Exchange cannot load its Internal Transport Certificate, so it cannot authenticate to {peer}"}},
      // Same codes, other failures (§10): TLS rate limits and cipher strength, authorization, STARTTLS
      // and basic-auth requirements.
      {"queue-454-4.7.0-not-authentication", "",
       {{T{"LastError", H::Contains, {"454 4.7.0"}}}, C::Noise,
        "454 4.7.0 here is not an authentication failure (\"{reply}\"): TLS or authorization, not Exchange server "
        "authentication"}},
      {"queue-451-5.7.3-other", "",
       {{T{"LastError", H::Contains, {"451 5.7.3"}}}, C::Noise,
        "451 5.7.3 here is a STARTTLS or basic-authentication requirement (\"{reply}\"), not Exchange server "
        "authentication"}},
  };

  constexpr std::string_view kNoXexpsReceive =
      "the session never issued X-EXPS (Exchange server authentication): the reply answered a client's AUTH";
  constexpr std::string_view kNoXexpsSend =
      "nothing in the session shows Exchange server authentication (no X-EXPS, not the intra-organisation connector, not "
      "port 2525): the reply answered AUTH to a smart host or another organisation";
  r.protocol_log = {
      // Receive side (this server is the receiver).
      {"plog-recv-exchangeauth-negotiation", S::Receive, '*', "", {"Inbound ExchangeAuth negotiation failed"}, C::Fault,
       N::Anything, "", "ExchangeAuth", "Exchange server authentication from {peer} failed: {status}", ""},
      {"plog-recv-454", S::Receive, '>', "454 4.7.0", {"Temporary authentication failure"}, C::Fault,
       N::ExchangeAuthIssued, "TemporaryAuthenticationFailure", "ExchangeAuth",
       "this server refused {peer}'s Exchange server authentication (454 4.7.0)", kNoXexpsReceive},
      {"plog-recv-454-not-authentication", S::Receive, '>', "454 4.7.0", {}, C::Noise, N::Anything, "", "",
       "454 4.7.0 here is not an authentication failure (\"{reply}\"): TLS or authorization", ""},
      {"plog-recv-504-xexps", S::Receive, '>', "504 5.7.4", {}, C::Fault, N::ExchangeAuthIssued,
       "UnrecognizedAuthenticationType", "ExchangeAuth",
       "{peer} sent X-EXPS to a connector without Exchange server authentication (504 5.7.4)",
       "a client asked for an authentication mechanism this connector does not offer (504 5.7.4): not Exchange server "
       "authentication"},
      {"plog-recv-client-auth", S::Receive, '*', "", {"Inbound AUTH", "failed"}, C::Noise, N::Anything, "", "",
       "a user or application failed to log on ({mechanism}): not Exchange server authentication", ""},
      {"plog-recv-535", S::Receive, '>', "535 5.7.", {}, C::Noise, N::Anything, "", "",
       "this server refused a client's password (\"{reply}\"): not Exchange server authentication", ""},
      {"plog-recv-451-5.7.3", S::Receive, '>', "451 5.7.3", {}, C::Noise, N::Anything, "", "",
       "451 5.7.3 here is a STARTTLS or basic-authentication requirement (\"{reply}\")", ""},
      // Send side (this server is the sender).
      {"plog-send-454", S::Send, '<', "454 4.7.0", {"Temporary authentication failure"}, C::Fault,
       N::ExchangeAuthContext, "TemporaryAuthenticationFailure", "ExchangeAuth",
       "{peer} refused this server's Exchange server authentication (454 4.7.0)", kNoXexpsSend},
      {"plog-send-454-not-authentication", S::Send, '<', "454 4.7.0", {}, C::Noise, N::Anything, "", "",
       "454 4.7.0 here is not an authentication failure (\"{reply}\"): TLS or authorization", ""},
      {"plog-send-451-5.7.3-exchange-auth", S::Send, '<', "451 5.7.3", {"Cannot achieve Exchange Server authentication"},
       C::Fault, N::Anything, "CannotAchieveExchangeServerAuthentication", "ExchangeAuth",
       "{peer} offers no Exchange server authentication: its receive connector lacks ExchangeServer", ""},
      {"plog-send-451-5.7.3", S::Send, '<', "451 5.7.3", {}, C::Noise, N::Anything, "", "",
       "451 5.7.3 here is a STARTTLS or basic-authentication requirement (\"{reply}\"): not Exchange server "
       "authentication",
       ""},
      {"plog-send-535", S::Send, '<', "535 5.7.", {}, C::Noise, N::Anything, "", "",
       "{peer} refused this server's AUTH (\"{reply}\"): a smart host or another organisation checking a password", ""},
      {"plog-send-530", S::Send, '<', "530 5.7.", {}, C::Noise, N::Anything, "", "",
       "{peer} requires authentication or TLS first (\"{reply}\"): not Exchange server authentication", ""},
      {"plog-send-504-xexps", S::Send, '<', "504 5.7.4", {}, C::Fault, N::ExchangeAuthIssued,
       "UnrecognizedAuthenticationType", "ExchangeAuth",
       "{peer}'s receive connector does not accept Exchange server authentication (504 5.7.4)", kNoXexpsSend},
      {"plog-send-exchangeauth-failed", S::Send, '*', "", {"Outbound Exchange Authentication failed"}, C::Fault,
       N::Anything, "", "ExchangeAuth", "this server could not authenticate to {peer} with Exchange server authentication: {status}",
       ""},
      {"plog-send-auth-failed", S::Send, '*', "", {"Outbound Authentication failed"}, C::Fault,
       N::ExchangeAuthContext, "", "ExchangeAuth",
       "this server could not authenticate to {peer} with Exchange server authentication: {status}",
       "nothing in the session shows Exchange server authentication (no X-EXPS offered or sent, not the intra-organisation "
       "connector, not port 2525): authentication to a smart host or another organisation failed"},
  };
  return r;
}

}  // namespace

const DetectionRules& default_rules() {
  static const DetectionRules rules = make_default_rules();
  return rules;
}

}  // namespace authwatch

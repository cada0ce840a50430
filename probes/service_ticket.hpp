#pragma once
// A Kerberos service ticket for the peer's SMTPSVC/ SPN, obtained the way Exchange transport
// obtains it, behind a platform-neutral interface: POSIX uses MIT krb5 + GSSAPI
// (probes/posix/gss_ticket.cpp); a Windows SSPI backend can sit beside it.
//
// The KDC exchange is driven from outside (TicketSession::next hands out each KDC message and
// takes the reply) so the probe carries every message itself, under its deadline: a KDC that
// does not answer cannot hold a thread for libkrb5's own 20-odd seconds of retries. A backend that
// cannot be driven like that (SSPI talks to the KDC inside LSA) returns no message and does the
// whole exchange in finish().
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace authwatch::probes {

// The evidence vocabulary of the "ticket" finding (probes/FINDINGS.md). KdcUnresponsive: a KDC
// accepted the connection and never answered (a hung DC, not an unreachable one); Trust: the
// other realm's KDC could not read this realm's referral ticket (a broken trust).
enum class TicketOutcome { Ok, PrincipalUnknown, Skew, Etype, KdcUnreachable, StaleKey, NoCredentials, Other, KdcUnresponsive, Trust };
std::string_view to_string(TicketOutcome outcome);

// Which side reported a Kerberos error: a KDC of the client's realm answering our requests, a KDC
// of another realm answering a cross-realm TGS request (made with the referral TGT this realm's KDC
// issued), or the acceptor (the peer service's keytab) rejecting the AP-REQ. The same code means
// different things: 31 BAD_INTEGRITY from the acceptor is a stale key, from the other realm's KDC
// a broken trust (docs/domain.md §10), from our own KDC neither.
enum class KerberosSide { Kdc, ForeignKdc, Acceptor };

// RFC 4120 §7.5.9 error code -> outcome. Pure.
TicketOutcome outcome_of_krb_error(int krb_error_code, KerberosSide side);

struct TicketRequest {
  std::string service;        // "SMTPSVC/ex2.contoso.com"
  std::string realm;          // the service's realm ("" = the client's)
  // Credentials: the ccache's TGT, else a client keytab. A client keytab configured without a
  // ccache is used alone; with neither, the environment's (KRB5CCNAME, then KRB5_CLIENT_KTNAME).
  std::string ccache;
  std::string client_keytab;
  std::string peer_keytab;    // "" = no accept side
};

struct KdcMessage {
  std::string realm;            // send it to a KDC of this realm
  std::vector<uint8_t> bytes;   // a complete AS-REQ or TGS-REQ, without the TCP length prefix
};

struct AcceptResult {
  bool ok = false;
  std::optional<int> keytab_kvno;  // the newest key version in the keytab for the ticket's account
  std::string error;
  std::optional<int64_t> gss_minor;  // the acceptor's mechanism status when it rejected the token
  TicketOutcome outcome = TicketOutcome::Other;  // Ok, StaleKey, Skew or Other
};

struct TicketResult {
  TicketOutcome outcome = TicketOutcome::Other;
  std::optional<int> krb_error_code;  // RFC 4120 code, when the KDC answered with a KRB-ERROR
  std::optional<uint32_t> gss_major;  // when GSSAPI (SSPI) ran
  std::optional<int64_t> gss_minor;   // the mechanism's status: MIT's krb5 error code, also for the KDC exchange
  std::string message;                // the library's own words
  std::optional<int> kvno;            // key version of the service ticket
  std::string client;                 // the client principal used
  std::optional<AcceptResult> accept; // only with a peer keytab
};

// One attempt. Not thread-safe: the probe calls it from one task at a time (on the blocking pool).
class TicketSession {
 public:
  virtual ~TicketSession() = default;
  // The next message for a KDC, or nullopt when the exchange is over (successfully or not; then
  // call finish()). `reply` is the KDC's answer to the previous message, empty on the first call.
  virtual std::optional<KdcMessage> next(std::span<const uint8_t> reply) = 0;
  // The KDCs configured for `realm` on this host ("host" or "host:port"), for realms the probe
  // has no DCs for (referrals), or when it has none at all.
  virtual std::vector<std::string> configured_kdcs(const std::string& realm) = 0;
  // No KDC answered the last message: the attempt ends with kdc-unreachable and `why`.
  virtual void kdc_unreachable(std::string why) = 0;
  // The result: with a ticket, builds the GSS initial token (as the transport's X-EXPS GSSAPI
  // would) and, with a peer keytab, accepts it and completes mutual authentication.
  virtual TicketResult finish() = 0;
};

// Opens an attempt with the credentials of `request` (reads the ccache/keytab; no network).
std::unique_ptr<TicketSession> open_ticket_session(const TicketRequest& request);

}  // namespace authwatch::probes

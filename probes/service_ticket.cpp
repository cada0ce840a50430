#include "probes/service_ticket.hpp"

namespace authwatch::probes {

std::string_view to_string(TicketOutcome outcome) {
  switch (outcome) {
    case TicketOutcome::Ok: return "ok";
    case TicketOutcome::PrincipalUnknown: return "principal-unknown";
    case TicketOutcome::Skew: return "skew";
    case TicketOutcome::Etype: return "etype";
    case TicketOutcome::KdcUnreachable: return "kdc-unreachable";
    case TicketOutcome::StaleKey: return "stale-key";
    case TicketOutcome::NoCredentials: return "no-credentials";
    case TicketOutcome::Other: return "other";
    case TicketOutcome::KdcUnresponsive: return "kdc-unresponsive";
    case TicketOutcome::Trust: return "trust";
  }
  return "other";
}

TicketOutcome outcome_of_krb_error(int code, KerberosSide side) {
  switch (code) {
    case 0: return TicketOutcome::Ok;
    // A missing SPN and a duplicate one look the same from here: an AD KDC answers both with
    // S_PRINCIPAL_UNKNOWN (NOT_UNIQUE from others). The spn probe tells them apart.
    case 7:   // KDC_ERR_S_PRINCIPAL_UNKNOWN
    case 8:   // KDC_ERR_PRINCIPAL_NOT_UNIQUE
      return side != KerberosSide::Acceptor ? TicketOutcome::PrincipalUnknown : TicketOutcome::Other;
    case 37:  // KRB_AP_ERR_SKEW
      return TicketOutcome::Skew;
    case 14:  // KDC_ERR_ETYPE_NOSUPP
      return TicketOutcome::Etype;
    // The acceptor has no key that decrypts the ticket: the peer's keytab is older (or newer)
    // than the key the KDC encrypted with, or the KDC used another account's key (the SPN is on
    // the wrong account). MIT's acceptor, trying every key of a keytab exported under the account's
    // own name (EXCH01$), says NOT_US when none of them decrypts the ticket, whatever its kvno.
    //
    // From the other realm's KDC, 31 means it cannot decrypt the referral TGT with its side of the
    // inter-realm key: the two domains hold different trust passwords.
    case 31:  // KRB_AP_ERR_BAD_INTEGRITY
      if (side == KerberosSide::ForeignKdc) return TicketOutcome::Trust;
      return side == KerberosSide::Acceptor ? TicketOutcome::StaleKey : TicketOutcome::Other;
    case 35:  // KRB_AP_ERR_NOT_US
    case 44:  // KRB_AP_ERR_BADKEYVER
    case 45:  // KRB_AP_ERR_NOKEY
      return side == KerberosSide::Acceptor ? TicketOutcome::StaleKey : TicketOutcome::Other;
    // Our own credentials are unusable: unknown, disabled or expired client, wrong client key.
    case 6:   // KDC_ERR_C_PRINCIPAL_UNKNOWN
    case 18:  // KDC_ERR_CLIENT_REVOKED
    case 23:  // KDC_ERR_KEY_EXPIRED
    case 24:  // KDC_ERR_PREAUTH_FAILED
    case 32:  // KRB_AP_ERR_TKT_EXPIRED (our TGT)
      return side != KerberosSide::Acceptor ? TicketOutcome::NoCredentials : TicketOutcome::Other;
    default: return TicketOutcome::Other;
  }
}

}  // namespace authwatch::probes

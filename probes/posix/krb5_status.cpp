#include "probes/posix/krb5_status.hpp"

#include <cerrno>

#include <krb5/krb5.h>

namespace authwatch::probes {

Krb5Status classify_krb5_status(int64_t code, KerberosSide side) {
  Krb5Status out;
  if (code == 0) {
    out.outcome = TicketOutcome::Ok;
    return out;
  }
  // KRB5KDC_ERR_NONE .. the end of the protocol range (RFC 4120 codes are below 128).
  if (code >= ERROR_TABLE_BASE_krb5 && code < ERROR_TABLE_BASE_krb5 + 128) {
    out.krb_error_code = static_cast<int>(code - ERROR_TABLE_BASE_krb5);
    out.outcome = outcome_of_krb_error(*out.krb_error_code, side);
    return out;
  }
  switch (code) {
    // No KDC could be found or reached for the realm.
    case KRB5_KDC_UNREACH:
    case KRB5_REALM_CANT_RESOLVE:
    case KRB5_REALM_UNKNOWN:
      out.outcome = TicketOutcome::KdcUnreachable;
      break;
    // The KDC's reply carried a time too far from ours (client-side check).
    case KRB5_KDCREP_SKEW:
      out.outcome = TicketOutcome::Skew;
      break;
    case KRB5_PROG_ETYPE_NOSUPP:
    case KRB5_BAD_ENCTYPE:
    case KRB5_CONFIG_ETYPE_NOSUPP:
      out.outcome = TicketOutcome::Etype;
      break;
    // The acceptor's keytab has the principal but not the ticket's key version.
    case KRB5_KT_KVNONOTFOUND:
      out.outcome = side == KerberosSide::Acceptor ? TicketOutcome::StaleKey : TicketOutcome::NoCredentials;
      break;
    // Nothing to authenticate with: no cache, no TGT in it, no (readable) client keytab.
    case KRB5_FCC_NOFILE:
    case KRB5_CC_NOTFOUND:
    case KRB5_CC_END:
    case KRB5_CC_BADNAME:
    case KRB5_CC_FORMAT:
    case KRB5_CC_NOSUPP:
    case KRB5_NO_TKT_SUPPLIED:
    case KRB5_KT_NOTFOUND:
    case KRB5_KT_END:
    case KRB5_KT_BADNAME:
    case KRB5_KT_FORMAT:
    case ENOENT:
    case EACCES:
      out.outcome = side != KerberosSide::Acceptor ? TicketOutcome::NoCredentials : TicketOutcome::Other;
      break;
    default:
      out.outcome = TicketOutcome::Other;
  }
  return out;
}

}  // namespace authwatch::probes

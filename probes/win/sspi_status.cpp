#include "probes/win/sspi_status.hpp"

#include <windows.h>

#include <cstdio>

namespace authwatch::probes {

SspiStatus classify_sspi_status(int32_t status, bool cross_realm) {
  // A broken or re-keyed trust: the other realm's KDC cannot decrypt the referral TGT.
  // (No RFC code: SSPI does not say which error the KDC sent, only that the logon was denied.)
  if (cross_realm && static_cast<HRESULT>(status) == SEC_E_LOGON_DENIED) return {TicketOutcome::Trust, std::nullopt};
  switch (static_cast<HRESULT>(status)) {
    // A ticket was issued and the first token built (mutual authentication then wants the
    // peer's answer: CONTINUE_NEEDED is the normal first-leg success).
    case SEC_E_OK:
    case SEC_I_CONTINUE_NEEDED:
    case SEC_I_COMPLETE_NEEDED:
    case SEC_I_COMPLETE_AND_CONTINUE:
      return {TicketOutcome::Ok, std::nullopt};
    // The KDC knows no account with this SPN (KDC_ERR_S_PRINCIPAL_UNKNOWN), or more than one
    // (an AD KDC answers a duplicate the same way; the spn probe tells them apart).
    case SEC_E_TARGET_UNKNOWN:
      return {TicketOutcome::PrincipalUnknown, 7};
    case SEC_E_TIME_SKEW:  // KRB_AP_ERR_SKEW
      return {TicketOutcome::Skew, 37};
    case SEC_E_KDC_UNKNOWN_ETYPE:  // KDC_ERR_ETYPE_NOSUPP
      return {TicketOutcome::Etype, 14};
    case SEC_E_ALGORITHM_MISMATCH:  // no encryption type in common, found by the client side
    case SEC_E_STRONG_CRYPTO_NOT_SUPPORTED:
      return {TicketOutcome::Etype, std::nullopt};
    // No KDC of the realm could be reached (or located by the DC locator).
    case SEC_E_NO_AUTHENTICATING_AUTHORITY:
    case SEC_E_NO_TGT_REPLY:
      return {TicketOutcome::KdcUnreachable, std::nullopt};
    // This account's own credentials are missing or refused: no TGT, a wrong or expired
    // password, a disabled account (the machine account's secure channel is broken).
    case SEC_E_NO_CREDENTIALS:
    case SEC_E_UNKNOWN_CREDENTIALS:
    case SEC_E_LOGON_DENIED:
    case SEC_E_NO_KERB_KEY:
    case SEC_E_UNSUPPORTED_PREAUTH:
      return {TicketOutcome::NoCredentials, std::nullopt};
    // Everything else names itself in the message: a referral that no trust serves
    // (SEC_E_KDC_UNABLE_TO_REFER), a malformed request, SEC_E_WRONG_PRINCIPAL (an AP-REP from
    // another account, only after the peer answered, which this probe never sends), ...
    default:
      return {TicketOutcome::Other, std::nullopt};
  }
}

std::string sspi_status_name(int32_t status) {
  const char* name = nullptr;
  switch (static_cast<HRESULT>(status)) {
    case SEC_E_OK: name = "SEC_E_OK"; break;
    case SEC_I_CONTINUE_NEEDED: name = "SEC_I_CONTINUE_NEEDED"; break;
    case SEC_I_COMPLETE_NEEDED: name = "SEC_I_COMPLETE_NEEDED"; break;
    case SEC_I_COMPLETE_AND_CONTINUE: name = "SEC_I_COMPLETE_AND_CONTINUE"; break;
    case SEC_E_TARGET_UNKNOWN: name = "SEC_E_TARGET_UNKNOWN"; break;
    case SEC_E_TIME_SKEW: name = "SEC_E_TIME_SKEW"; break;
    case SEC_E_KDC_UNKNOWN_ETYPE: name = "SEC_E_KDC_UNKNOWN_ETYPE"; break;
    case SEC_E_ALGORITHM_MISMATCH: name = "SEC_E_ALGORITHM_MISMATCH"; break;
    case SEC_E_STRONG_CRYPTO_NOT_SUPPORTED: name = "SEC_E_STRONG_CRYPTO_NOT_SUPPORTED"; break;
    case SEC_E_NO_AUTHENTICATING_AUTHORITY: name = "SEC_E_NO_AUTHENTICATING_AUTHORITY"; break;
    case SEC_E_NO_TGT_REPLY: name = "SEC_E_NO_TGT_REPLY"; break;
    case SEC_E_NO_CREDENTIALS: name = "SEC_E_NO_CREDENTIALS"; break;
    case SEC_E_UNKNOWN_CREDENTIALS: name = "SEC_E_UNKNOWN_CREDENTIALS"; break;
    case SEC_E_LOGON_DENIED: name = "SEC_E_LOGON_DENIED"; break;
    case SEC_E_NO_KERB_KEY: name = "SEC_E_NO_KERB_KEY"; break;
    case SEC_E_UNSUPPORTED_PREAUTH: name = "SEC_E_UNSUPPORTED_PREAUTH"; break;
    case SEC_E_KDC_UNABLE_TO_REFER: name = "SEC_E_KDC_UNABLE_TO_REFER"; break;
    case SEC_E_WRONG_PRINCIPAL: name = "SEC_E_WRONG_PRINCIPAL"; break;
    case SEC_E_INTERNAL_ERROR: name = "SEC_E_INTERNAL_ERROR"; break;
    case SEC_E_SECPKG_NOT_FOUND: name = "SEC_E_SECPKG_NOT_FOUND"; break;
    case SEC_E_INVALID_TOKEN: name = "SEC_E_INVALID_TOKEN"; break;
    case SEC_E_INSUFFICIENT_MEMORY: name = "SEC_E_INSUFFICIENT_MEMORY"; break;
    default: break;
  }
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(status));
  return name ? std::string(name) + " (" + hex + ")" : std::string(hex);
}

}  // namespace authwatch::probes

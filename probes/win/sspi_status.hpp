#pragma once
// SSPI status codes of the Kerberos package (SECURITY_STATUS, winerror.h) -> the ticket probe's
// outcome (probes/FINDINGS.md "ticket"), the Windows twin of probes/posix/krb5_status.hpp. Pure:
// unit-tested under Wine with the named constants. SSPI talks to the KDC inside LSA and reports
// the KDC's error already mapped: KDC_ERR_S_PRINCIPAL_UNKNOWN comes back as SEC_E_TARGET_UNKNOWN,
// KRB_AP_ERR_SKEW as SEC_E_TIME_SKEW; the RFC 4120 code is given back where the mapping is one to one.
#include <cstdint>
#include <optional>
#include <string>

#include "probes/service_ticket.hpp"

namespace authwatch::probes {

struct SspiStatus {
  TicketOutcome outcome = TicketOutcome::Other;
  std::optional<int> krb_error_code;  // the RFC 4120 code SSPI's status stands for, when one does
};

// `status` as InitializeSecurityContextW / AcquireCredentialsHandleW return it. `cross_realm`:
// the service is in another realm than this account (LSA followed a referral over a trust).
// There SEC_E_LOGON_DENIED is how SSPI reports the other realm's KRB_AP_ERR_BAD_INTEGRITY on the
// referral ticket (docs/domain.md §1.5, §10: event 2017 LogonDenied from a broken trust): trust.
SspiStatus classify_sspi_status(int32_t status, bool cross_realm = false);

// "SEC_E_TARGET_UNKNOWN (0x80090303)"; the hex alone for codes not listed here.
std::string sspi_status_name(int32_t status);

}  // namespace authwatch::probes

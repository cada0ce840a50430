#pragma once
// MIT krb5 status codes (com_err table "krb5") -> the ticket probe's outcome. Pure: unit-tested
// with the named constants of <krb5.h>. The protocol errors (RFC 4120 §7.5.9) are the table's
// first 128 codes, ERROR_TABLE_BASE_krb5 + code; GSSAPI's krb5 mechanism reports the same
// numbers as its minor status.
#include <cstdint>
#include <optional>

#include "probes/service_ticket.hpp"

namespace authwatch::probes {

struct Krb5Status {
  TicketOutcome outcome = TicketOutcome::Other;
  std::optional<int> krb_error_code;  // the RFC 4120 code when `code` is one
};

// `side`: who returned `code`. KerberosSide::ForeignKdc for a reply of another realm's KDC to a
// cross-realm TGS request: KRB5KRB_AP_ERR_BAD_INTEGRITY is then a broken trust.
Krb5Status classify_krb5_status(int64_t code, KerberosSide side);

}  // namespace authwatch::probes

#pragma once
// The key version of the service ticket inside a Kerberos GSS-API initial context token (RFC 2743
// §3.1 framing, RFC 4121 §4.1 KRB_AP_REQ): SSPI hands out the token but not the ticket's kvno,
// which the "ticket" finding reports (and the replication probe compares with AD's
// msDS-KeyVersionNumber). Pure.
#include <cstdint>
#include <optional>
#include <span>

namespace authwatch::probes {

// nullopt when the token is not a krb5 AP-REQ token or its ticket names no kvno.
std::optional<int> ticket_kvno_of_initial_token(std::span<const uint8_t> token);

}  // namespace authwatch::probes

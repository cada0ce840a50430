#pragma once
// The two Kerberos messages the clock probe needs (RFC 4120): an unauthenticated AS-REQ, and
// the KRB-ERROR a KDC answers it with, whose stime/susec are the KDC's clock (docs/domain.md §5).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

namespace authwatch::probes::kerberos {

inline constexpr int kNtPrincipal = 1;   // name-type NT-PRINCIPAL
inline constexpr int kNtSrvInst = 2;     // name-type NT-SRV-INST (krbtgt/REALM)
// KDCOptions bits (RFC 4120 §5.4.1, bit 0 = most significant): forwardable (1), renewable (8),
// canonicalize (15) — what kinit sends, so the request looks ordinary to the KDC.
inline constexpr uint32_t kDefaultKdcOptions = 0x40810000;

// Unauthenticated AS-REQ (RFC 4120 §5.4.1): pvno 5, msg-type 10, no padata, req-body
// { kdc-options, cname NT-PRINCIPAL [client_name], realm, sname NT-SRV-INST krbtgt/REALM,
// till (now + 1 day), nonce, etype { 18, 17, 23 } }.
std::vector<uint8_t> encode_as_req(const std::string& realm, const std::string& client_name, TimePoint now, uint32_t nonce);

struct KrbError {
  int error_code = 0;
  TimePoint server_time{};                // stime + susec: the KDC's clock when it answered
  std::optional<TimePoint> client_time;   // ctime + cusec, when the KDC echoed them
  std::string realm, server_name, e_text; // server_name as "krbtgt/TEST.REALM"
};

enum class ReplyKind { KrbError, AsRep, Other };
// By the outer tag: [APPLICATION 30] KRB-ERROR, [APPLICATION 11] AS-REP, anything else.
ReplyKind classify_reply(std::span<const uint8_t> bytes);

// Decodes a complete KRB-ERROR (RFC 4120 §5.9.1). Requires pvno 5, msg-type 30, stime, susec
// (0..999999) and error-code; fields must be in tag order and nothing may follow the message.
Result<KrbError> decode_krb_error(std::span<const uint8_t> bytes);

// "KDC_ERR_C_PRINCIPAL_UNKNOWN" for 6, ...; "KRB_ERROR_<n>" for codes not in the table.
std::string error_name(int code);

}  // namespace authwatch::probes::kerberos

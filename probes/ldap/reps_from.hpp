#pragma once
// repsFrom (MS-DRSR §5.170 REPS_FROM; Samba's drsblobs repsFromToBlob): the binary, non-replicated
// attribute on every NC head that records, per inbound replication partner, the result of the
// last attempt. It is what a DC offers when it has no msDS-ReplAllInboundNeighbors (Samba).
//
// Layout, little-endian, offsets from the start of the value (checked against Samba's ndr_unpack
// and the lab captures in tests/data/ldap):
//   0 dwVersion (1 or 2)  4 dwReserved0  8 cb (size of the whole value)  12 cConsecutiveFailures
//   16 timeLastSuccess, 24 timeLastAttempt (DSTIME: seconds since 1601, 0 = never)
//   32 ulResultLastAttempt (Win32 error)  36 cbOtherDraOffset  40 cbOtherDra  44 ulReplicaFlags
//   48 rtSchedule[84]  132 dwReserved1  136 usnVec {usnHighObjUpdate, usnReserved, usnHighPropUpdate}
//   160 uuidDsaObj  176 uuidInvocId  192 uuidTransportObj  — v1 ends at 208; v2 adds
//   208 dwReserved2, 212 ulPriority (216).
// The other DRA lives at cbOtherDraOffset (from the start of the value): v1 an MTX_ADDR
// {mtx_namelen, ASCII name with its NUL}; v2 a DSA_RPC_INST {cb, server, annotation, instance,
// guid offsets from its own start} with NUL-terminated UTF-16LE strings.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/time.hpp"

namespace authwatch::probes::ldap {

struct RepsFrom {
  uint32_t version = 0;
  uint32_t consecutive_failures = 0;
  std::optional<TimePoint> last_success;  // nullopt: never
  std::optional<TimePoint> last_attempt;  // nullopt: never attempted
  uint32_t last_result = 0;               // Win32 error code of the last attempt (0 = success)
  uint32_t replica_flags = 0;             // DRS_OPTIONS
  uint64_t highest_usn = 0;               // usnVec.usnHighPropUpdate: how far this DC has pulled
  std::string source_dsa_guid;            // objectGUID of the source DC's nTDSDSA ("NTDS Settings") object
  std::string source_invocation_id;
  std::string transport_guid;             // all zero for RPC (intra-site) replication
  std::string source_address;             // v1 MTX_ADDR / v2 server: "<dsa guid>._msdcs.<forest>"
  std::string network_address;            // v2 only: the instance's NetworkAddress ("" when absent)
};

// Decodes one repsFrom (or repsTo) value. Every offset and length is checked against the value's
// size; an error names the field that is out of bounds or malformed.
Result<RepsFrom> decode_reps_from(std::string_view value);

}  // namespace authwatch::probes::ldap

#pragma once
// One inbound replication link of a DC (DS_REPL_NEIGHBOR), whichever way it was read: the
// rootDSE's msDS-ReplAllInboundNeighbors (Windows: one XML document per value, docs/domain.md §7) or
// an NC head's repsFrom (Samba; probes/ldap/reps_from.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/time.hpp"

namespace authwatch::probes::ldap {

struct ReplNeighbor {
  std::string naming_context;
  std::string source_dsa_dn;    // the source DC's nTDSDSA ("CN=NTDS Settings,CN=DC1,...") when known
  std::string source_dsa_guid;  // its objectGUID when known
  std::string source_address;   // "<dsa guid>._msdcs.<forest>"
  uint32_t replica_flags = 0;
  uint64_t usn_synced = 0;      // usnLastObjChangeSynced / repsFrom usnHighPropUpdate
  std::optional<TimePoint> last_success;  // nullopt: never
  std::optional<TimePoint> last_attempt;  // nullopt: never attempted
  uint32_t last_result = 0;               // Win32 error code (0 = success)
  uint32_t consecutive_failures = 0;
};

// Parses one msDS-ReplAllInboundNeighbors value: a <DS_REPL_NEIGHBOR> document (element names
// psz*/osz* both accepted), possibly followed by a NUL. ftime 1601-01-01T00:00:00Z means never.
// Errors name the element that is missing or malformed.
Result<ReplNeighbor> parse_repl_neighbor_xml(std::string_view value);

}  // namespace authwatch::probes::ldap

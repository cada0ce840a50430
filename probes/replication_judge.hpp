#pragma once
// The replication probe's verdicts, pure (unit-tested without a DC): per DC, its inbound links;
// per peer computer object, whether every DC holds the same copy of what Kerberos uses (SPNs,
// key version). Evidence fields: probes/FINDINGS.md, section "replication".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.hpp"
#include "core/time.hpp"
#include "probes/ldap/repl_neighbor.hpp"

namespace authwatch::probes {

// Text for the Win32/WERROR codes DCs record as a replication result (repadmin's wording);
// "" when the code is not in the table.
std::string replication_error_text(uint32_t code);

// "unknown": never attempted; "failing": the last attempt's result is not 0 (whatever the failure
// count); "ok" otherwise, also with a failure count beside a successful last attempt.
std::string_view link_state(const ldap::ReplNeighbor& link);

struct InboundLink {
  ldap::ReplNeighbor neighbor;
  std::string source_name;  // the source DC's dNSHostName when it could be resolved, else ""
};

struct DcNeighbors {
  std::string dc;        // the DC as targeted (name or IP)
  std::string dc_name;   // its dNSHostName from the rootDSE ("" when unknown)
  std::string method;    // "msDS-ReplAllInboundNeighbors" or "repsFrom"
  std::vector<InboundLink> links;
  bool sole_dc = false;  // the forest has a single nTDSDSA: no inbound links is normal
  std::vector<std::string> unreadable;  // values or naming contexts that could not be read/decoded
  std::string error;     // non-empty: the DC could not be read
};

Finding judge_neighbors(const DcNeighbors& dc, TimePoint now);

// One DC's copy of the peer's computer account.
struct ComputerObject {
  std::string dn;
  std::vector<std::string> spns;
  std::optional<uint64_t> usn_changed;    // local to each DC: reported, never compared
  std::optional<TimePoint> when_changed;  // local too (set when a change is applied on that DC)
  std::optional<int64_t> kvno;            // msDS-KeyVersionNumber
  std::optional<int64_t> pwd_last_set;    // FILETIME ticks as stored
};

struct ObjectCopy {
  std::string dc;
  std::string dc_name;
  std::optional<ComputerObject> object;  // nullopt with an empty error: no such account on this DC
  std::string error;                     // non-empty: the DC could not be asked
  std::string failing_link;              // e.g. "DC=lab,DC=example from dc1.lab.example (1722 ...)", "" = none
};

// `account` is the sAMAccountName looked up, e.g. "EXCH01$".
Finding judge_object(const std::string& account, const std::vector<ObjectCopy>& copies);

}  // namespace authwatch::probes

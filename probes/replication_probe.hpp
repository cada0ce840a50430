#pragma once
// AD replication (docs/domain.md §7) as it bears on Exchange authentication: a DC that has not
// received the peer's SPN or password change gives out tickets the peer cannot use. Every DC is
// asked at once, under the probe's deadline:
//  - its inbound links: rootDSE msDS-ReplAllInboundNeighbors (Windows), else each naming
//    context's repsFrom (Samba) — consecutive failures, last result, last success;
//  - its copy of the peer's computer account (sAMAccountName SHORT$ from targets.peer_fqdn, or
//    the peer's host when it is a name): SPNs, key version, pwdLastSet, whenChanged, uSNChanged.
// One finding per DC, one for the object across DCs (probes/FINDINGS.md, "replication").
#include "probes/probe.hpp"

namespace authwatch::probes {

class ReplicationProbe final : public Probe {
 public:
  std::string name() const override { return "replication"; }
  boost::asio::awaitable<std::vector<Finding>> run(ProbeContext& ctx) override;
};

// The computer account's sAMAccountName for a host: "ex2.contoso.com" -> "EX2$"; "" for an IP
// literal or an empty name.
std::string computer_account_of(const std::string& host);

}  // namespace authwatch::probes

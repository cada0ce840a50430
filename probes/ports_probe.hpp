#pragma once
// Kerberos/AD reachability (KB 179442, DOMAIN.md §5): per DC, TCP 53 88 135 389 445 464 636 3268
// 3269 by connect (open / closed = refused / filtered = no answer), and UDP 53 88 389 123 by a
// protocol-valid request (DNS query, AS-REQ, CLDAP rootDSE search, SNTP): UDP is "open" only when
// a valid reply came back; ICMP port-unreachable is "closed"; silence or garbage is "filtered".
#include "probes/probe.hpp"

namespace authwatch::probes {

class PortsProbe final : public Probe {
 public:
  std::string name() const override { return "ports"; }
  boost::asio::awaitable<std::vector<Finding>> run(ProbeContext& ctx) override;
};

// One DC's verdict from its port states (pure; unit-tested). `ports` is an array of
// {"port": n, "protocol": "tcp"|"udp", "state": "open"|"closed"|"filtered", ...}.
Finding judge_ports(const std::string& dc, const nlohmann::json& ports);

}  // namespace authwatch::probes

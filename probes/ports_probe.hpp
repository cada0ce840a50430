#pragma once
// Kerberos/AD reachability (KB 179442, docs/domain.md §5): per DC, TCP 53 88 135 389 445 464 636 3268
// 3269 and UDP 53 88 389 123. TCP 53, 88, 389 and 3268 get a protocol-valid request over the
// connection (DNS query, AS-REQ, rootDSE search), the other TCP ports a connect; UDP ports a
// protocol-valid request (DNS query, AS-REQ, CLDAP rootDSE search, SNTP). A port is "open" only
// when the service answered; ICMP port-unreachable or a reset is "closed".
//
// Silence is not concluded at once (docs/domain.md §10: a DC that accepts the TCP connection but
// answers late is overloaded or hung, not firewalled): every check that met the deadline is tried
// once more with settings.slow_retry. What answers then is "slow"; a TCP port that accepts the
// connection and still never answers, and a UDP port silent while its TCP twin does that, are
// "unresponsive"; only silence without a TCP connection (the twin silent too) is "filtered".
#include <optional>
#include <string>
#include <vector>

#include "probes/probe.hpp"

namespace authwatch::probes {

class PortsProbe final : public Probe {
 public:
  std::string name() const override { return "ports"; }
  std::chrono::milliseconds budget(const ProbeSettings& settings) const override { return settings.deadline + settings.slow_retry; }
  boost::asio::awaitable<std::vector<Finding>> run(ProbeContext& ctx) override;
};

// One try at one port.
struct PortTry {
  uint16_t port = 0;
  std::string protocol;    // tcp|udp
  bool connected = false;  // tcp: the connection was accepted
  bool speaks = false;     // a protocol request was sent (tcp 53/88/389/3268, every udp check)
  bool answered = false;   // a valid reply came (tcp without a request: the connection)
  bool refused = false;    // reset / ICMP port unreachable
  bool timed_out = false;  // still waiting when the deadline came
  std::string detail;
  double ms = 0;
};

struct PortCheck {
  PortTry first;
  std::optional<PortTry> retry;  // with the slow-retry deadline, when the first try timed out
};

// Whether a first try is retried: it was still waiting (for a connection or a reply) at the deadline.
bool needs_slow_retry(const PortTry& t);

// The `ports` evidence of one DC from its checks (pure; unit-tested): each port's final state
// open|slow|unresponsive|filtered|closed (probes/FINDINGS.md "ports"), UDP judged with its TCP twin.
nlohmann::json settle_ports(const std::vector<PortCheck>& checks, std::chrono::milliseconds deadline);

// One DC's verdict from its port states (pure; unit-tested). `ports` is an array of
// {"port": n, "protocol": "tcp"|"udp", "state": "open"|"slow"|"unresponsive"|"filtered"|"closed", ...}.
Finding judge_ports(const std::string& dc, const nlohmann::json& ports);

}  // namespace authwatch::probes

#pragma once
// Clock skew (docs/domain.md §5): Kerberos rejects authenticators more than MaxClockSkew (300 s)
// off. Three independent readings per DC — SNTP (UDP 123), the KDC's own clock in a KRB-ERROR
// (UDP and TCP 88), LDAP rootDSE currentTime (389) — and SNTP to the peer. Disagreement between
// methods is evidence too (NTP blocked but the KDC reachable, an NTP server not on the DC's clock).
#include "probes/probe.hpp"

namespace authwatch::probes {

class ClockProbe final : public Probe {
 public:
  std::string name() const override { return "clock"; }
  boost::asio::awaitable<std::vector<Finding>> run(ProbeContext& ctx) override;
};

// The verdict over one target's readings, pure (unit-tested). `readings` is an object of
// method name -> {"ok": bool, "offset_seconds": number, "error": string, ...}.
Finding judge_clock(const std::string& target, bool is_dc, const nlohmann::json& readings, const ProbeSettings& settings);

}  // namespace authwatch::probes

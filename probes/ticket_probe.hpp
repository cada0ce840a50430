#pragma once
// The service ticket (DOMAIN.md §5, FINDINGS.md "ticket"): asks the KDC for a ticket to
// SMTPSVC/<peer fqdn> exactly as Exchange transport would, and — with the peer service's keytab —
// has the token accepted too, so a stale key on the peer (kvno mismatch) shows. The answer names
// the cause: principal-unknown (SPN missing or duplicate), skew, etype, kdc-unreachable,
// stale-key; or that this host has no credentials to ask with.
#include <optional>
#include <string>

#include "probes/probe.hpp"
#include "probes/service_ticket.hpp"

namespace authwatch::probes {

class TicketProbe final : public Probe {
 public:
  std::string name() const override { return "ticket"; }
  boost::asio::awaitable<std::vector<Finding>> run(ProbeContext& ctx) override;
};

// What the probe saw on the wire, beside the library's verdict.
struct TicketWire {
  std::string kdc;                            // the KDC that answered last ("ip:88/tcp")
  std::optional<int> krb_error_code;          // the last reply's code, when it was a KRB-ERROR
  std::optional<double> kdc_offset_seconds;   // that KRB-ERROR's stime minus our clock
};

// The host whose SMTPSVC/ SPN is asked for: targets.peer_fqdn, else the peer's host when it is
// a name (an IP literal names no SPN). "" when there is none.
std::string ticket_service_host(const ProbeTargets& targets);

// The verdict over one attempt, pure (unit-tested).
Finding judge_ticket(const std::string& target, const TicketResult& result, const TicketWire& wire);

}  // namespace authwatch::probes

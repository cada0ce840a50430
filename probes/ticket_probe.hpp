#pragma once
// The service ticket (docs/domain.md §5, FINDINGS.md "ticket"): asks the KDC for a ticket to
// SMTPSVC/<peer fqdn> exactly as Exchange transport would, and — with the peer service's keytab —
// has the token accepted too, so a stale key on the peer (kvno mismatch) shows. The answer names
// the cause: principal-unknown (SPN missing or duplicate), skew, etype, kdc-unreachable,
// stale-key; or that this host has no credentials to ask with.
#include <optional>
#include <string>

#include "probes/probe.hpp"
#include "probes/protocols/kdc_exchange.hpp"
#include "probes/service_ticket.hpp"

namespace authwatch::probes {

// A KDC that accepts the connection and does not answer within the deadline is not concluded on
// at once (docs/domain.md §10): when the attempt found no KDC answering and one was still waiting
// at the deadline, the probe tries once more with settings.slow_retry. Its evidence records each
// KDC tried (connected or not, answered or not), so a hung KDC reads as kdc-unresponsive, never as
// an unreachable (firewalled) one.
class TicketProbe final : public Probe {
 public:
  std::string name() const override { return "ticket"; }
  std::chrono::milliseconds budget(const ProbeSettings& settings) const override { return settings.deadline + settings.slow_retry; }
  boost::asio::awaitable<std::vector<Finding>> run(ProbeContext& ctx) override;
};

// What the probe saw on the wire, beside the library's verdict.
struct TicketWire {
  std::string kdc;                            // the KDC that answered last ("ip:88/tcp")
  std::optional<int> krb_error_code;          // the last reply's code, when it was a KRB-ERROR
  std::optional<double> kdc_offset_seconds;   // that KRB-ERROR's stime minus our clock
  std::string kdc_realm;                      // the realm of the KDC the last message went to
  std::vector<KdcAttempt> attempts;           // every KDC tried, each message in turn
};

// What an earlier attempt of the same run gave, when the probe tried again after silence.
struct TicketFirstAttempt {
  TicketResult result;
  TicketWire wire;
  double seconds = 0;
};

// The host whose SMTPSVC/ SPN is asked for: targets.peer_fqdn, else the peer's host when it is
// a name (an IP literal names no SPN). "" when there is none.
std::string ticket_service_host(const ProbeTargets& targets);

// The verdict over one attempt, pure (unit-tested); `first` when it was the slow retry.
Finding judge_ticket(const std::string& target, const TicketResult& result, const TicketWire& wire,
                     const std::optional<TicketFirstAttempt>& first = std::nullopt);

// A KDC accepted the connection and was still silent at the deadline (in `attempts`).
bool met_a_silent_kdc(const std::vector<KdcAttempt>& attempts);

}  // namespace authwatch::probes

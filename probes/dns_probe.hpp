#pragma once
// The "dns" probe: DC discovery through the AD DC locator's SRV records. Without them (or with
// the wrong DNS server) Exchange cannot find a DC/KDC and Kerberos fails before any ticket.
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "probes/dns_srv.hpp"
#include "probes/probe.hpp"

namespace authwatch::probes {

// Asks for _ldap._tcp.dc._msdcs.<domain>, _kerberos._tcp.<domain> and, with a site,
// _ldap._tcp.<site>._sites.dc._msdcs.<domain>, all at once, at targets.dns_server when set.
// One finding per SRV name (ok with the records as evidence, fail when there are none, error
// when the lookup failed); the first carries evidence "discovered_dcs" for the engine. With no
// domain: a single "skipped" finding.
class DnsProbe final : public Probe {
 public:
  std::string name() const override { return "dns"; }
  boost::asio::awaitable<std::vector<Finding>> run(ProbeContext& ctx) override;
};

// The SRV names the probe asks for, DC locator names first (pure; unit-tested).
std::vector<std::string> dc_locator_srv_names(const ProbeTargets& targets);

// An SRV lookup's outcome: nullopt when it did not finish before the deadline.
using SrvAnswer = std::optional<Result<std::vector<SrvRecord>>>;

// The finding for one SRV name (pure; unit-tested).
Finding judge_srv(const std::string& srv_name, const SrvAnswer& answer, const std::string& dns_server);

// DC host names from the DC locator answers in record order, without duplicates; the Kerberos
// targets only when no DC locator record was found (pure; unit-tested).
std::vector<std::string> discovered_dcs(const std::vector<std::string>& srv_names, const std::vector<SrvAnswer>& answers);

}  // namespace authwatch::probes

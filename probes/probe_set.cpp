#include "probes/probe_set.hpp"

#include <algorithm>

#include "probes/clock_probe.hpp"
#include "probes/connector_probe.hpp"
#include "probes/dns_probe.hpp"
#include "probes/kerberos_logging.hpp"
#include "probes/ports_probe.hpp"
#include "probes/replication_probe.hpp"
#include "probes/smtp_probe.hpp"
#include "probes/spn_probe.hpp"
#include "probes/ticket_probe.hpp"

namespace authwatch::probes {

const std::vector<std::string>& probe_names() {
  static const std::vector<std::string> names = {"dns", "clock", "ports", "smtp", "ticket", "replication", "spn", "connector",
                                                 "kerberos-logging"};
  return names;
}

Result<std::vector<std::unique_ptr<Probe>>> make_probes(const std::vector<std::string>& names) {
  const auto& wanted = names.empty() ? probe_names() : names;
  std::vector<std::unique_ptr<Probe>> probes;
  for (const auto& n : wanted) {
    if (n == "dns") probes.push_back(std::make_unique<DnsProbe>());
    else if (n == "clock") probes.push_back(std::make_unique<ClockProbe>());
    else if (n == "ports") probes.push_back(std::make_unique<PortsProbe>());
    else if (n == "smtp") probes.push_back(std::make_unique<SmtpProbe>());
    else if (n == "ticket") probes.push_back(std::make_unique<TicketProbe>());
    else if (n == "replication") probes.push_back(std::make_unique<ReplicationProbe>());
    else if (n == "spn") probes.push_back(std::make_unique<SpnProbe>());
    else if (n == "connector") probes.push_back(std::make_unique<ConnectorProbe>());
    else if (n == "kerberos-logging") probes.push_back(std::make_unique<KerberosLoggingProbe>());
    else {
      std::string known;
      for (const auto& name : probe_names()) known += (known.empty() ? "" : ", ") + name;
      return Error{"unknown probe '" + n + "' (known: " + known + ")"};
    }
  }
  return probes;
}

FindingStatus worst_status(const std::vector<Finding>& findings) {
  auto rank = [](FindingStatus s) {
    switch (s) {
      case FindingStatus::Fail: return 4;
      case FindingStatus::Error: return 3;
      case FindingStatus::Warn: return 2;
      case FindingStatus::Ok: return 1;
      case FindingStatus::Skipped: return 0;
    }
    return 0;
  };
  FindingStatus worst = FindingStatus::Skipped;
  for (const auto& f : findings)
    if (rank(f.status) > rank(worst)) worst = f.status;
  return worst;
}

}  // namespace authwatch::probes

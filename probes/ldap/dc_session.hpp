#pragma once
// An authenticated LDAP session with the first domain controller (or global catalog) that
// answers, and the naming contexts its rootDSE names: what the directory probes start from.
// Blocking: call through run_blocking().
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "probes/ldap/directory.hpp"

namespace authwatch::probes::ldap {

inline constexpr uint16_t kLdapPort = 389;
inline constexpr uint16_t kGlobalCatalogPort = 3268;

// The directory probes (spn, connector, replication) end their directory work this much before
// the probe's deadline, so their findings, not the engine's watchdog, say which DC was slow.
inline constexpr std::chrono::milliseconds kDirectoryReportMargin{150};

struct NamingContexts {
  std::string default_nc;        // the DC's domain, e.g. DC=contoso,DC=com
  std::string configuration_nc;  // CN=Configuration,<forest root>
  std::string schema_nc;         // CN=Schema,CN=Configuration,<forest root>
  std::string dns_host_name;     // the DC's FQDN
};

struct DcSession {
  Directory directory;
  std::string host;  // as given (IP or name)
  uint16_t port = 0;
  NamingContexts contexts;
  // "dc1.lab.example (198.18.77.11:389)", for a finding's `source`.
  std::string source() const;
};

// Tries `hosts` in order on `port` until one connects and binds (SASL GSSAPI with `ccache`, ""
// = the default) and its rootDSE is read. Each attempt gets an equal share of what is left
// until `deadline`, so one silent DC cannot use up the time of the next. The error names every
// host tried and why it failed.
Result<DcSession> open_dc_session(const std::vector<std::string>& hosts, uint16_t port, const std::string& ccache,
                                  std::chrono::steady_clock::time_point deadline);

// What is left until `deadline` (0 when it has passed).
std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline);

}  // namespace authwatch::probes::ldap

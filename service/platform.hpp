#pragma once
// What differs by operating system in the monitor. One header; the implementations are
// service/posix/platform.cpp and service/win/platform.cpp (as osquery keeps them), so nothing
// else in service/ includes <windows.h> or POSIX-only headers.
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "pipeline/alerts.hpp"
#include "service/source.hpp"
#include "storage/database.hpp"

namespace authwatch::service {

struct MonitorOptions;

// The system's own log as an alert sink, when options.syslog: syslog/journald on POSIX
// (LOG_DAEMON, ident "authwatch"); on Windows the Application event log (ReportEventW from the
// registered source with the message table in installer/, event IDs from alerts.hpp).
std::vector<std::unique_ptr<pipeline::AlertSink>> make_platform_sinks(const MonitorOptions& options);

// Sources only the platform has: none on POSIX (a monitoring station reads exported files from a
// drop folder); on Windows the live event log (EvtSubscribe, an EvtCreateBookmark position).
std::vector<std::unique_ptr<MonitorSource>> make_platform_sources(const MonitorOptions& options, const Clock& clock);

// Something the monitor does once per pass besides its sources, with the database.
class PassHook {
 public:
  virtual ~PassHook() = default;
  // `incident_opened`: this pass opened one. Returns the problems met, each naming what failed.
  virtual std::vector<std::string> on_pass(storage::Database& db, bool incident_opened) = 0;
};

// Windows: the Kerberos LogLevel switch (config kerberos_logging, core/kerberos_logging_switch.hpp),
// which also reverts a switch a crashed monitor left on. Elsewhere there is no such setting: nullptr.
std::unique_ptr<PassHook> make_kerberos_logging_switch(const MonitorOptions& options, const Clock& clock);

// This process's id, for `authwatch status` ("running as pid N").
long current_process_id();

// This server as its own evidence names it (issue 14, core/observer.hpp): its FQDN and its unicast
// addresses (loopback and link-local left out), as the system knows them; nothing is resolved
// over the network beyond the resolver's own answer for this host's name. posix/host_identity.cpp
// (gethostname, getaddrinfo AI_CANONNAME, getifaddrs), win/host_identity.cpp
// (GetComputerNameExW, GetAdaptersAddresses).
struct HostIdentity {
  std::string fqdn;                    // "" when not even a host name is known
  std::vector<std::string> addresses;  // sorted, at most kMaxHostAddresses
};
inline constexpr size_t kMaxHostAddresses = 64;
HostIdentity this_host();

}  // namespace authwatch::service

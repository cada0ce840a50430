#pragma once
// What differs by operating system in the monitor. One header; the implementations are
// service/posix/platform.cpp and service/win/platform.cpp (as osquery keeps them), so nothing
// else in service/ includes <windows.h> or POSIX-only headers.
#include <memory>
#include <vector>

#include "service/alerts.hpp"
#include "service/source.hpp"

namespace authwatch::service {

struct MonitorOptions;

// The system's own log as an alert sink, when options.syslog: syslog/journald on POSIX
// (LOG_DAEMON, ident "authwatch"); on Windows the Application event log (ReportEventW from the
// registered source with the message table in installer/, event IDs from alerts.hpp).
std::vector<std::unique_ptr<AlertSink>> make_platform_sinks(const MonitorOptions& options);

// Sources only the platform has: none on POSIX (a monitoring station reads exported files from a
// drop folder); on Windows the live event log (EvtSubscribe, an EvtCreateBookmark position).
std::vector<std::unique_ptr<MonitorSource>> make_platform_sources(const MonitorOptions& options);

// This process's id, for `authwatch status` ("running as pid N").
long current_process_id();

}  // namespace authwatch::service

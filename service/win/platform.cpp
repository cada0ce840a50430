// The monitor on Windows: the Application event log as the system log sink (ReportEventW with the
// message table, service/win/eventlog_sink.cpp). The live event log source (wevtapi EvtSubscribe
// with bookmarks) is created here once it exists; until then exported event files are read from a
// drop folder, like a monitoring station.
#include "service/monitor.hpp"
#include "service/platform.hpp"
#include "service/win/eventlog_sink.hpp"

// After Boost.Asio (through monitor.hpp): winsock2.h must come before windows.h.
#include <windows.h>

namespace authwatch::service {

std::vector<std::unique_ptr<AlertSink>> make_platform_sinks(const MonitorOptions& options) {
  std::vector<std::unique_ptr<AlertSink>> sinks;
  if (options.syslog) sinks.push_back(make_event_log_sink());
  return sinks;
}

std::vector<std::unique_ptr<MonitorSource>> make_platform_sources(const MonitorOptions&) { return {}; }

long current_process_id() { return static_cast<long>(GetCurrentProcessId()); }

}  // namespace authwatch::service

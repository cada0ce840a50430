// The monitor on Windows: the Application event log as the system log sink (ReportEventW with the
// message table, service/win/eventlog_sink.cpp); the live event log source (wevtapi EvtSubscribe
// with bookmarks, service/win/event_log_source.cpp) for the Application and System channels.
#include "service/monitor.hpp"
#include "service/platform.hpp"
#include "service/win/event_log_source.hpp"
#include "service/win/eventlog_sink.hpp"

// After Boost.Asio (through monitor.hpp): winsock2.h must come before windows.h.
#include <windows.h>

namespace authwatch::service {

std::vector<std::unique_ptr<pipeline::AlertSink>> make_platform_sinks(const MonitorOptions& options) {
  std::vector<std::unique_ptr<pipeline::AlertSink>> sinks;
  if (options.syslog) sinks.push_back(make_event_log_sink());
  return sinks;
}

std::vector<std::unique_ptr<MonitorSource>> make_platform_sources(const MonitorOptions& options, const Clock& clock) {
  std::vector<std::unique_ptr<MonitorSource>> sources;
  if (options.config.monitor.event_log)
    for (const auto& channel : sources::watched_channels()) sources.push_back(make_event_log_source(channel, clock));
  return sources;
}

long current_process_id() { return static_cast<long>(GetCurrentProcessId()); }

}  // namespace authwatch::service

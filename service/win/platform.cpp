// The monitor on Windows. The event log sink (ReportEventW with the message table) and the live
// event log source (wevtapi EvtSubscribe with bookmarks) belong to the Windows service work of
// issue 5 and are created here once they exist; until then the Windows build alerts through the
// JSON-lines sink and reads exported event files from a drop folder, like a monitoring station.
#include "service/monitor.hpp"
#include "service/platform.hpp"

// After Boost.Asio (through monitor.hpp): winsock2.h must come before windows.h.
#include <windows.h>

namespace authwatch::service {

std::vector<std::unique_ptr<AlertSink>> make_platform_sinks(const MonitorOptions&) { return {}; }

std::vector<std::unique_ptr<MonitorSource>> make_platform_sources(const MonitorOptions&) { return {}; }

long current_process_id() { return static_cast<long>(GetCurrentProcessId()); }

}  // namespace authwatch::service

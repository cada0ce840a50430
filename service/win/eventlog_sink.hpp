#pragma once
// The Windows Application event log as an alert sink: ReportEventW from the event source
// "AuthWatch", whose message table (installer/windows/events.mc, linked into
// authwatch-service.exe) gives Event Viewer the full text. Registered by `authwatch-service
// install` and the MSI; an unregistered source still logs, without the message text.
#include <memory>

#include "pipeline/alerts.hpp"

namespace authwatch::service {

inline constexpr wchar_t kEventSourceName[] = L"AuthWatch";

std::unique_ptr<pipeline::AlertSink> make_event_log_sink();

// The event type ReportEventW gets beside the ID: opened and diagnosed are warnings, a resolved
// incident and a health recovery information, a health problem an error.
unsigned short event_log_type(const storage::AlertRecord& alert);

}  // namespace authwatch::service

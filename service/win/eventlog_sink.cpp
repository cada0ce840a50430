#include "service/win/eventlog_sink.hpp"

#include <string>
#include <vector>

#include "platform/win/wide_text.hpp"
#include "platform/win/win_error.hpp"

// After the project's headers (Boost.Asio's winsock2.h must come before windows.h).
#include <windows.h>

namespace authwatch::service {
namespace {

// ReportEventW takes at most 31,839 characters per insertion string.
constexpr size_t kMaxInsertion = 31000;

std::wstring insertion(const std::string& utf8) {
  std::wstring text = platform::win::widen(utf8);
  if (text.size() > kMaxInsertion) text.resize(kMaxInsertion);
  return text;
}

class EventLogSink final : public pipeline::AlertSink {
 public:
  EventLogSink() : source_(RegisterEventSourceW(nullptr, kEventSourceName)) {}
  ~EventLogSink() override {
    if (source_) DeregisterEventSource(source_);
  }
  std::string name() const override { return "eventlog:Application/AuthWatch"; }

  Result<void> deliver(const storage::AlertRecord& a) override {
    if (!source_) return platform::win::call_failed("RegisterEventSourceW(AuthWatch)", GetLastError());
    // %1: the text an administrator reads; %2: the details, for a collector that parses them.
    const std::wstring message = insertion(pipeline::alert_message(a)), details = insertion(a.payload.dump());
    const wchar_t* strings[] = {message.c_str(), details.c_str()};
    if (!ReportEventW(source_, event_log_type(a), 0, static_cast<DWORD>(a.windows_event_id), nullptr, 2, 0, strings, nullptr))
      return platform::win::call_failed("ReportEventW(event " + std::to_string(a.windows_event_id) + ")", GetLastError());
    return {};
  }

 private:
  HANDLE source_;
};

}  // namespace

unsigned short event_log_type(const storage::AlertRecord& a) {
  if (a.kind == "incident-resolved") return EVENTLOG_INFORMATION_TYPE;
  if (a.kind == "health") return a.payload.value("ok", false) ? EVENTLOG_INFORMATION_TYPE : EVENTLOG_ERROR_TYPE;
  return EVENTLOG_WARNING_TYPE;
}

std::unique_ptr<pipeline::AlertSink> make_event_log_sink() { return std::make_unique<EventLogSink>(); }

}  // namespace authwatch::service

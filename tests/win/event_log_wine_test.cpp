// The Application event log sink and its message table (installer/windows/events.mc linked into
// authwatch-service.exe). Wine's ReportEventW accepts and writes nothing, so what is checked here
// is what Windows needs: the exe carries a message for every event ID with both insertion strings
// (FormatMessageW against the exe, as Event Viewer does), the sink's calls succeed, and the event
// types. Reading the events back needs a real Windows host.
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

// Boost.Asio (through the monitor) before anything that includes windows.h.
#include "service/monitor.hpp"

#include "core/diagnosis.hpp"
#include "platform/win/wide_text.hpp"
#include "pipeline/alerts.hpp"
#include "service/win/eventlog_sink.hpp"
#include "wine.hpp"

#include <windows.h>

using namespace authwatch;

namespace {

std::wstring format_from(HMODULE module, DWORD id, const wchar_t* first, const wchar_t* second) {
  DWORD_PTR args[] = {reinterpret_cast<DWORD_PTR>(first), reinterpret_cast<DWORD_PTR>(second)};
  wchar_t* text = nullptr;
  const DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_ARGUMENT_ARRAY,
                                 module, id, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), reinterpret_cast<wchar_t*>(&text), 0,
                                 reinterpret_cast<va_list*>(args));
  std::wstring out = n && text ? std::wstring(text, n) : std::wstring();
  if (text) LocalFree(text);
  return out;
}

TEST(EventLogMessages, TheServiceExeHasTheFullTextOfEveryEventId) {
  const std::wstring exe = platform::win::widen(AUTHWATCH_SERVICE_EXE);
  HMODULE module = LoadLibraryExW(exe.c_str(), nullptr, LOAD_LIBRARY_AS_DATAFILE | LOAD_LIBRARY_AS_IMAGE_RESOURCE);
  ASSERT_NE(module, nullptr) << "cannot load " << AUTHWATCH_SERVICE_EXE << " as data (error " << GetLastError() << ")";
  std::vector<int> ids = {pipeline::kEventIncidentOpened, pipeline::kEventNoCauseFound, pipeline::kEventIncidentResolved,
                          pipeline::kEventServiceHealth};
  for (const auto& cause : cause_vocabulary()) ids.push_back(pipeline::cause_event_id(std::string(cause)));
  for (int id : ids) {
    const std::wstring text = format_from(module, static_cast<DWORD>(id), L"ALERT-TEXT", L"{\"DETAILS\":1}");
    EXPECT_FALSE(text.empty()) << "no message " << id << " in the exe (error " << GetLastError() << ")";
    EXPECT_NE(text.find(L"ALERT-TEXT"), std::wstring::npos) << "event " << id;
    EXPECT_NE(text.find(L"{\"DETAILS\":1}"), std::wstring::npos) << "event " << id;
  }
  EXPECT_TRUE(format_from(module, 4242, L"a", L"b").empty()) << "an ID AuthWatch does not write has no message";
  FreeLibrary(module);
}

storage::AlertRecord alert(const std::string& kind, int id, nlohmann::json payload = nlohmann::json::object()) {
  storage::AlertRecord a;
  a.kind = kind;
  a.windows_event_id = id;
  a.payload = std::move(payload);
  return a;
}

TEST(EventLogSink, ReportEventSucceedsForEveryKindWithItsType) {
  auto sink = service::make_event_log_sink();
  const auto opened = alert("incident-opened", pipeline::kEventIncidentOpened,
                            {{"incident", {{"id", 7}, {"direction", "inbound"}, {"peer", "10.0.0.1"}, {"first_seen", "2026-11-28T20:00:00Z"}}}});
  const auto resolved = alert("incident-resolved", pipeline::kEventIncidentResolved, opened.payload);
  const auto failing = alert("health", pipeline::kEventServiceHealth, {{"message", "Get-Queue snapshots fail"}, {"ok", false}});
  const auto recovered = alert("health", pipeline::kEventServiceHealth, {{"message", "Get-Queue snapshots work again"}, {"ok", true}});
  for (const auto* a : {&opened, &resolved, &failing, &recovered}) {
    auto delivered = sink->deliver(*a);
    EXPECT_TRUE(delivered) << a->kind << ": " << (delivered ? "" : delivered.error());
  }
  EXPECT_EQ(service::event_log_type(opened), EVENTLOG_WARNING_TYPE);
  EXPECT_EQ(service::event_log_type(resolved), EVENTLOG_INFORMATION_TYPE);
  EXPECT_EQ(service::event_log_type(failing), EVENTLOG_ERROR_TYPE);
  EXPECT_EQ(service::event_log_type(recovered), EVENTLOG_INFORMATION_TYPE);
  // A message longer than an insertion string may be is cut, not refused.
  auto huge = alert("health", pipeline::kEventServiceHealth, {{"message", std::string(100000, 'x')}, {"ok", false}});
  EXPECT_TRUE(sink->deliver(huge));
}

// The live event log source inside the monitor. Under Wine (no wevtapi) it says so once, names
// the way around it, and the rest of the monitor goes on: an export dropped in still opens
// incidents. On Windows it subscribes and this test checks that it reads without errors.
TEST(EventLogSource, WithoutWevtapiItSaysSoOnceAndTheMonitorGoesOn) {
  namespace fs = std::filesystem;
  std::random_device rd;
  const fs::path dir = fs::temp_directory_path() / ("authwatch-evtsrc-" + std::to_string(rd()));
  fs::create_directories(dir / "drop");
  service::MonitorOptions o;
  o.database = (dir / "authwatch.db").string();
  o.drop_dirs = {(dir / "drop").string()};
  o.probes = false;
  o.config.queue.enabled = false;
  o.config.monitor.event_log = true;
  SystemClock clock;
  {
    service::Monitor monitor(o, clock);
    ASSERT_TRUE(monitor.open());
    auto first = monitor.pass();
    if (test::running_under_wine()) {
      ASSERT_EQ(first.errors.size(), 2u) << "one per channel";
      EXPECT_THAT(first.errors[0], ::testing::HasSubstr("the Application event log cannot be read: Wine does not implement"));
      EXPECT_THAT(first.errors[1], ::testing::HasSubstr("the System event log cannot be read"));
      EXPECT_TRUE(monitor.pass().errors.empty()) << "said once, not every pass";
    } else {
      EXPECT_TRUE(first.errors.empty()) << first.errors[0];
    }
    fs::copy_file(std::string(AUTHWATCH_TEST_DATA) + "/scenario/ex2-application-wevtutil.xml", dir / "drop" / "ex2.xml");
    int opened = 0;
    for (int i = 0; i < 50 && opened == 0; ++i) {
      Sleep(100);
      opened += monitor.pass().opened;
    }
    EXPECT_GT(opened, 0) << "the drop folder still works beside the event log source";
  }
  fs::remove_all(dir);
}

}  // namespace

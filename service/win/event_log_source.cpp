#include "service/win/event_log_source.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "platform/win/event_log_api.hpp"
#include "platform/win/wide_text.hpp"
#include "platform/win/win_error.hpp"
#include "sources/event_xml.hpp"

// After the project's headers (Boost.Asio's winsock2.h must come before windows.h).
#include <windows.h>
#include <winevt.h>

namespace authwatch::service {
namespace {

using platform::win::EvtHandle;
using platform::win::EvtRendered;
using platform::win::call_failed;
using platform::win::failed_call;
using platform::win::render_utf8;
using platform::win::widen;

constexpr DWORD kBatch = 64;           // events per EvtNext
constexpr size_t kMaxPerPoll = 2048;   // a backlog is read over several polls, keeping each pass short
constexpr std::chrono::seconds kRetry{60};

bool running_under_wine() {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

std::optional<uint64_t> oldest_record(const std::string& channel) {
  EvtHandle log(EvtOpenLog(nullptr, widen(channel).c_str(), EvtOpenChannelPath));
  if (!log) return std::nullopt;
  EVT_VARIANT value{};
  DWORD used = 0;
  if (!EvtGetLogInfo(log.get(), EvtLogOldestRecordNumber, sizeof value, &value, &used) || value.Type != EvtVarTypeUInt64)
    return std::nullopt;
  return value.UInt64Val;
}

class EventLogSource final : public MonitorSource {
 public:
  EventLogSource(sources::EventLogChannel channel, const Clock& clock) : channel_(std::move(channel)), clock_(clock) {}
  ~EventLogSource() override {
    stop();
    subscription_.reset();
    if (signal_) CloseHandle(signal_);
  }
  std::string name() const override { return "eventlog:" + channel_.name; }
  // A new database holds no bookmark: subscribe again, from the oldest record.
  void database_replaced() override { subscription_.reset(); }

  void wake_with(std::function<void()> wake) override { wake_ = std::move(wake); }

  // Subscribed and read to the end: the signal wakes the loop. A backlog: at once. Not subscribed:
  // when the next try is due.
  std::chrono::milliseconds wait_allowed(std::chrono::milliseconds poll, SteadyTime now) const override {
    if (!subscription_) return wait_until(retry_at_, now);
    if (backlog_) return std::chrono::milliseconds{0};
    return wait_registered_ ? kUntilNotified : poll;
  }

  // Waits for callbacks in flight: after it returns, wake_ is not called again.
  void stop() override {
    if (wait_registered_) UnregisterWaitEx(wait_, INVALID_HANDLE_VALUE);
    wait_registered_ = false;
  }

  SourcePoll poll(pipeline::Ingest& ingest) override {
    SourcePoll out;
    if (!subscription_) {
      if (clock_.steady_now() < retry_at_) return out;
      if (auto subscribed = subscribe(ingest, out); !subscribed) {
        retry_at_ = clock_.steady_now() + kRetry;
        // Each problem once: the same one again on every retry would flood the status.
        if (subscribed.error() != reported_) out.errors.push_back("the " + channel_.name + " event log cannot be read: " + subscribed.error());
        reported_ = subscribed.error();
        return out;
      }
      reported_.clear();
    }
    read(ingest, out);
    return out;
  }

 private:
  Result<void> subscribe(pipeline::Ingest& ingest, SourcePoll& out) {
    if (running_under_wine())
      return Error{"Wine does not implement the event log API (wevtapi); read exported .evtx/XML files from a drop folder instead"};
    const auto stored = ingest.stored_position(SourceKind::EventLog, channel_.name);
    last_record_ = 0;
    std::wstring bookmark_text;
    if (stored && !stored->bookmark.empty()) {
      auto parsed = sources::parse_bookmark_xml(stored->bookmark, channel_.name);
      if (!parsed) out.notices.push_back(parsed.error() + ": reading the " + channel_.name + " log from its oldest record");
      else {
        last_record_ = parsed.value().record_id;
        bookmark_text = widen(stored->bookmark);
      }
    }
    bookmark_.reset(EvtCreateBookmark(bookmark_text.empty() ? nullptr : bookmark_text.c_str()));
    if (!bookmark_) return call_failed("EvtCreateBookmark", GetLastError());
    if (!signal_) signal_ = CreateEventW(nullptr, FALSE, TRUE, nullptr);
    if (!signal_) return call_failed("CreateEventW", GetLastError());
    if (wake_ && !wait_registered_)
      wait_registered_ = RegisterWaitForSingleObject(&wait_, signal_, &EventLogSource::signalled, this, INFINITE, WT_EXECUTEDEFAULT);
    const bool resume = !bookmark_text.empty();
    subscription_.reset(EvtSubscribe(nullptr, signal_, widen(channel_.name).c_str(), widen(channel_.query).c_str(),
                                     resume ? bookmark_.get() : nullptr, nullptr, nullptr,
                                     resume ? EvtSubscribeStartAfterBookmark : EvtSubscribeStartAtOldestRecord));
    if (!subscription_) return call_failed("EvtSubscribe", GetLastError());
    if (auto oldest = oldest_record(channel_.name)) {
      if (auto gap = sources::continuity_problem(channel_.name, last_record_, *oldest, std::nullopt)) out.notices.push_back(*gap);
    }
    first_read_ = true;
    return {};
  }

  // On a pool thread when the subscription has new records: the monitor passes, and polls.
  static VOID CALLBACK signalled(PVOID self, BOOLEAN /*timed_out*/) { static_cast<EventLogSource*>(self)->wake_(); }

  void read(pipeline::Ingest& ingest, SourcePoll& out) {
    backlog_ = false;
    pipeline::RecordBatch batch;
    batch.location = channel_.name;
    uint64_t last = last_record_;
    EVT_HANDLE events[kBatch];
    while (true) {
      if (batch.events.size() + batch.bad_records >= kMaxPerPoll) {
        backlog_ = true;  // the rest in the next pass, at once (the signal may not come again for it)
        break;
      }
      DWORD returned = 0;
      if (!EvtNext(subscription_.get(), kBatch, events, 0, 0, &returned)) {
        const DWORD error = GetLastError();
        if (error != ERROR_NO_MORE_ITEMS && error != ERROR_TIMEOUT) {
          out.errors.push_back(name() + ": " + failed_call("EvtNext", error) + "; subscribing again");
          subscription_.reset();
        }
        break;
      }
      for (DWORD i = 0; i < returned; ++i) {
        EvtHandle event(events[i]);
        auto xml = render_utf8(event.get(), EvtRendered::EventXml);
        const std::string locator = "record after " + std::to_string(last);
        if (!xml) {
          ++batch.bad_records;
          out.errors.push_back(name() + ": " + locator + ": " + xml.error());
        } else if (auto parsed = sources::parse_event_xml(xml.value(), SourceKind::EventLog, channel_.name, locator); !parsed) {
          ++batch.bad_records;
          out.errors.push_back(parsed.error());
        } else {
          auto& e = parsed.value();
          if (first_read_) {
            if (auto gap = sources::continuity_problem(channel_.name, last_record_, 0, e.record_id)) out.notices.push_back(*gap);
            first_read_ = false;
          }
          if (auto cleared = sources::log_cleared_notice(e)) out.notices.push_back(*cleared);
          last = e.record_id;
          batch.events.push_back(std::move(e));
        }
        if (!EvtUpdateBookmark(bookmark_.get(), event.get())) out.errors.push_back(name() + ": " + failed_call("EvtUpdateBookmark", GetLastError()));
      }
    }
    if (batch.events.empty() && batch.bad_records == 0) return;
    auto bookmark = render_utf8(bookmark_.get(), EvtRendered::Bookmark);
    if (!bookmark) {
      out.errors.push_back(name() + ": " + bookmark.error() + "; the events are read again next time");
      subscription_.reset();
      return;
    }
    batch.position.identity = channel_.name;
    batch.position.record = last;
    batch.position.bookmark = bookmark.value();
    pipeline::FileIngest stored;
    try {
      stored = ingest.ingest_records(std::move(batch));
    } catch (...) {
      subscription_.reset();  // the database failed (the monitor's step says how): resubscribe from the stored bookmark
      throw;
    }
    if (stored.failure) {
      out.errors.push_back(stored.failure->message);
      subscription_.reset();  // resubscribe from the stored bookmark: nothing is lost or repeated
      return;
    }
    last_record_ = last;
    if (stored.quarantined > 0) out.quarantined.push_back({channel_.name, stored.quarantined, stored.first_quarantine_error});
    out.new_events += stored.new_events;
    out.bad_records += stored.bad_records;
  }

  sources::EventLogChannel channel_;
  const Clock& clock_;
  EvtHandle subscription_, bookmark_;
  HANDLE signal_ = nullptr;
  HANDLE wait_ = nullptr;  // RegisterWaitForSingleObject on signal_, calling wake_
  bool wait_registered_ = false;
  bool backlog_ = false;  // the last read stopped at kMaxPerPoll
  std::function<void()> wake_;
  uint64_t last_record_ = 0;
  bool first_read_ = false;
  std::string reported_;
  SteadyTime retry_at_{};
};

}  // namespace

std::unique_ptr<MonitorSource> make_event_log_source(sources::EventLogChannel channel, const Clock& clock) {
  return std::make_unique<EventLogSource>(std::move(channel), clock);
}

}  // namespace authwatch::service

// What wakes the monitor's loop. A change in a watched folder wakes it at once
// (service/folder_watch.hpp): with a poll far longer than the test, a failing session appended to a
// protocol log is still alerted. A source that learns of records by itself (the Windows event log's
// subscription signal, MonitorSource::wake_with) wakes it from another thread, and with no folder to
// follow nothing else does: an idle monitor is not polled.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "log_writer.hpp"
#include "service/folder_watch.hpp"
#include "service/monitor.hpp"

namespace fs = std::filesystem;
using namespace authwatch;
using namespace std::chrono_literals;

namespace {

class FolderWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("authwatch-watch-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir_ / "logs");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(FolderWatchTest, AFileWrittenInAWatchedFolderFiresOnceAndQuietFoldersDoNot) {
  boost::asio::io_context io;
  service::FolderWatch watch(io, {(dir_ / "logs").string(), (dir_ / "no-such-folder").string()});
  ASSERT_TRUE(watch.watching());
  ASSERT_EQ(watch.problems().size(), 1u) << "the missing folder is named";
  EXPECT_NE(watch.problems()[0].find("no-such-folder"), std::string::npos) << watch.problems()[0];

  int fired = 0;
  watch.async_wait([&] { ++fired; });
  io.run_for(300ms);
  EXPECT_EQ(fired, 0) << "nothing changed";

  test::append_file(dir_ / "logs" / "RECV2026112820-1.LOG", "#Software: Microsoft Exchange Server\r\n");
  io.restart();
  io.run_for(5s);  // returns early: the handler was the only work
  EXPECT_EQ(fired, 1);

  // A change made while nobody waits is not lost: the next wait fires for it.
  test::append_file(dir_ / "logs" / "RECV2026112820-1.LOG", "#Version: 15.0.0.0\r\n");
  std::this_thread::sleep_for(50ms);
  watch.async_wait([&] { ++fired; });
  io.restart();
  io.run_for(5s);
  EXPECT_EQ(fired, 2);
}

TEST_F(FolderWatchTest, TheMonitorAlertsLongBeforeItsNextPoll) {
  service::MonitorOptions o;
  o.database = (dir_ / "authwatch.db").string();
  o.protocol_log_dirs = {(dir_ / "logs").string()};
  o.alerts_jsonl = (dir_ / "alerts.jsonl").string();
  o.probes = false;
  o.config.monitor.event_log = false;  // the live event log (Windows) is tests/win/event_log_wine_test.cpp's
  o.config.queue.enabled = false;
  o.poll = 60s;  // the first pass runs at start; the next poll would be a minute later
  SystemClock clock;
  service::Monitor monitor(o, clock);
  ASSERT_TRUE(monitor.open());
  std::thread loop([&] { monitor.run(/*handle_signals=*/false); });

  std::this_thread::sleep_for(200ms);  // the first pass is done and the watch armed
  test::append_file(dir_ / "logs" / "RECV2026112820-1.LOG",
                    test::receive_log_header(clock.now()) + test::receive_session("08DC44A1B2C30001", "10.0.0.1", true));
  std::string alerts;
  for (auto waited = 0ms; waited < 20s && alerts.find("incident-opened") == std::string::npos; waited += 50ms) {
    std::this_thread::sleep_for(50ms);
    std::ifstream in(dir_ / "alerts.jsonl");
    alerts.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  EXPECT_NE(alerts.find("incident-opened"), std::string::npos) << "no alert 20 s after the line, with the poll at 60 s";

  monitor.stop();  // wakes the loop: without that, join() would wait for the 60 s poll
  loop.join();
}

// A scripted source standing in for the event log's subscription: it counts its polls and keeps
// the wake the monitor gives it, which the test calls from its own thread as the Windows thread
// pool's callback would.
struct NotifyingSourceState {
  std::mutex mutex;
  std::condition_variable polled;
  int polls = 0;
  std::function<void()> wake;
  bool wait_for_polls(int n) {  // a deadline, not a sleep: returns as soon as the n-th poll ran
    std::unique_lock lock(mutex);
    return polled.wait_for(lock, 10s, [&] { return polls >= n; });
  }
  int count() {
    std::lock_guard lock(mutex);
    return polls;
  }
};

class NotifyingSource final : public service::MonitorSource {
 public:
  explicit NotifyingSource(std::shared_ptr<NotifyingSourceState> state) : state_(std::move(state)) {}
  std::string name() const override { return "scripted:notifying"; }
  service::SourcePoll poll(pipeline::Ingest&) override {
    {
      std::lock_guard lock(state_->mutex);
      ++state_->polls;
    }
    state_->polled.notify_all();
    return {};
  }
  std::chrono::milliseconds wait_allowed(std::chrono::milliseconds, SteadyTime) const override { return kUntilNotified; }
  void wake_with(std::function<void()> wake) override {
    std::lock_guard lock(state_->mutex);
    state_->wake = std::move(wake);
  }

 private:
  std::shared_ptr<NotifyingSourceState> state_;
};

TEST_F(FolderWatchTest, ASourceThatNotifiesWakesTheLoopAndWithNoFolderNothingElseDoes) {
  service::MonitorOptions o;
  o.database = (dir_ / "authwatch.db").string();
  o.probes = false;
  o.config.monitor.event_log = false;
  o.config.queue.enabled = false;
  o.poll = 100ms;        // what a folder-less monitor was polled at before its sources could wake it
  o.safety_poll = 3600s;
  SystemClock clock;
  service::Monitor monitor(o, clock);
  ASSERT_TRUE(monitor.open());
  auto state = std::make_shared<NotifyingSourceState>();
  monitor.add_source(std::make_unique<NotifyingSource>(state));
  std::thread loop([&] { monitor.run(/*handle_signals=*/false); });

  ASSERT_TRUE(state->wait_for_polls(1)) << "the first pass runs at start";
  std::this_thread::sleep_for(180ms);  // almost two of the old 100 ms polls
  EXPECT_EQ(state->count(), 1) << "nothing is due and nothing changed: the loop sleeps";

  std::function<void()> wake;
  {
    std::lock_guard lock(state->mutex);
    wake = state->wake;
  }
  ASSERT_TRUE(wake) << "the monitor gave the source its wake before the loop ran";
  std::thread signal([wake] { wake(); });  // as the thread pool calls it when the subscription signals
  signal.join();
  EXPECT_TRUE(state->wait_for_polls(2)) << "the wake makes the loop pass at once, with the safety poll at an hour";

  monitor.stop();
  loop.join();
}

}  // namespace

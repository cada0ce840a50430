// A change in a watched folder wakes the monitor at once (service/folder_watch.hpp): with a poll
// far longer than the test, a failing session appended to a protocol log is still alerted.
#include <chrono>
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

}  // namespace

// One monitor per database (service/instance_lock.hpp): a second one is refused with the first
// one's pid, and the database is free again once the first is gone. (A monitor killed with
// SIGKILL leaves no stale lock: the crash test restarts the real binary after every kill.)
#include <filesystem>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "service/instance_lock.hpp"
#include "service/monitor.hpp"
#include "service/platform.hpp"

namespace fs = std::filesystem;
using namespace authwatch;
using ::testing::HasSubstr;

namespace {

class InstanceLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("authwatch-lock-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir_ / "logs");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string database() const { return (dir_ / "authwatch.db").string(); }
  service::MonitorOptions options() const {
    service::MonitorOptions o;
    o.database = database();
    o.protocol_log_dirs = {(dir_ / "logs").string()};
    o.probes = false;
    o.config.monitor.event_log = false;  // the live event log (Windows) is tests/win/event_log_wine_test.cpp's
    o.config.queue.enabled = false;
    return o;
  }
  fs::path dir_;
  SystemClock clock_;
};

TEST_F(InstanceLockTest, ASecondHolderIsRefusedWithTheFirstOnesPid) {
  auto first = service::InstanceLock::acquire(database());
  ASSERT_TRUE(first) << first.error();
  auto second = service::InstanceLock::acquire(database());
  ASSERT_FALSE(second);
  EXPECT_THAT(second.error(), HasSubstr("another monitor (pid " + std::to_string(service::current_process_id()) + ")"));
  EXPECT_THAT(second.error(), HasSubstr(database()));
}

TEST_F(InstanceLockTest, TheDatabaseIsFreeAgainOnceTheHolderIsGone) {
  { auto first = service::InstanceLock::acquire(database()); ASSERT_TRUE(first) << first.error(); }
  auto again = service::InstanceLock::acquire(database());
  EXPECT_TRUE(again) << again.error();
}

TEST_F(InstanceLockTest, ASecondMonitorOnTheSameDatabaseDoesNotStart) {
  service::Monitor running(options(), clock_);
  ASSERT_TRUE(running.open()) << "the first monitor starts";
  {
    service::Monitor second(options(), clock_);
    auto opened = second.open();
    ASSERT_FALSE(opened) << "two monitors would follow the same files and race each other's alerts";
    EXPECT_THAT(opened.error(), HasSubstr("another monitor"));
  }
  EXPECT_TRUE(running.pass().errors.empty()) << "the running one is not disturbed";

  auto elsewhere = options();
  elsewhere.database = (dir_ / "other.db").string();
  service::Monitor other(elsewhere, clock_);
  EXPECT_TRUE(other.open()) << "another database is another monitor's business";
}

}  // namespace

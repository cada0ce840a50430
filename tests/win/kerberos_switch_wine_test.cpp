// The Kerberos LogLevel switch with the real registry under Wine (a test key in HKCU, never the
// real HKLM Kerberos key): an incident turns logging on for its window and the old value comes
// back after it — an absent value is deleted again, not set to 0; a monitor that died with the
// switch on is undone by the next one; an administrator's own LogLevel=1 is never touched.
// Boost.Asio (through the monitor) before anything that includes windows.h.
#include "service/monitor.hpp"

#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "log_writer.hpp"
#include "probes/kerberos_logging.hpp"

#include <windows.h>

namespace fs = std::filesystem;
using namespace authwatch;
using namespace std::chrono_literals;

namespace {

class KerberosSwitchTest : public ::testing::Test {
 protected:
  // ctest runs each case as its own process, two at a time: every case gets a key of its own,
  // or one case's SetUp deletes the value another is in the middle of checking.
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    root_ = L"Software\\AuthWatchSwitchTest\\" + std::wstring(name.begin(), name.end());
    key_ = {false, "Software\\AuthWatchSwitchTest\\" + name + "\\Kerberos\\Parameters", "LogLevel"};
    clear_key();
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("authwatch-kswitch-" + std::to_string(rd()));
    fs::create_directories(dir_ / "logs");
  }
  void TearDown() override {
    clear_key();
    fs::remove_all(dir_);
  }
  service::MonitorOptions options() {
    service::MonitorOptions o;
    o.database = (dir_ / "authwatch.db").string();
    o.protocol_log_dirs = {(dir_ / "logs").string()};
    o.probes = false;
    o.config.queue.enabled = false;
    o.config.monitor.event_log = false;
    o.config.kerberos_logging.on_incident = true;
    o.config.kerberos_logging.window = 30min;
    o.kerberos_log_level = key_;
    return o;
  }
  void failing_session(const char* id, const char* peer) {
    test::append_file(dir_ / "logs" / "RECV2026112821-1.LOG",
                      (fs::exists(dir_ / "logs" / "RECV2026112821-1.LOG") ? std::string() : test::receive_log_header(clock_.now())) +
                          test::receive_session(id, peer, true));
  }
  std::optional<uint32_t> level() {
    auto read = probes::read_log_level(key_);
    EXPECT_TRUE(read) << read.error();
    return read ? read.value() : std::nullopt;
  }
  void clear_key() {
    RegDeleteTreeW(HKEY_CURRENT_USER, root_.c_str());
    RegDeleteKeyW(HKEY_CURRENT_USER, L"Software\\AuthWatchSwitchTest");  // fails while another case has its key
  }
  std::wstring root_;
  probes::LogLevelLocation key_;
  fs::path dir_;
  ManualClock clock_{SystemClock{}.now()};
};

TEST_F(KerberosSwitchTest, AnIncidentTurnsItOnForItsWindowAndAnAbsentValueIsDeletedAgain) {
  service::Monitor monitor(options(), clock_);
  ASSERT_TRUE(monitor.open());
  EXPECT_TRUE(monitor.pass().errors.empty());
  EXPECT_EQ(level(), std::nullopt) << "no incident, no change";

  failing_session("08DC44A1B2C30001", "10.0.0.1");
  auto opened = monitor.pass();
  ASSERT_EQ(opened.opened, 1);
  EXPECT_TRUE(opened.errors.empty()) << opened.errors[0];
  EXPECT_EQ(level(), 1u) << "Kerberos logging is on while the incident is young";

  clock_.advance(29min);
  monitor.pass();
  EXPECT_EQ(level(), 1u) << "still inside the 30 min window";
  clock_.advance(2min);
  EXPECT_TRUE(monitor.pass().errors.empty());
  EXPECT_EQ(level(), std::nullopt) << "the value was absent before: deleted again, not set to 0";
}

TEST_F(KerberosSwitchTest, AMonitorThatDiedWithItOnIsUndoneByTheNextOne) {
  ASSERT_TRUE(probes::write_log_level(key_, 0));
  {
    service::Monitor crashed(options(), clock_);
    ASSERT_TRUE(crashed.open());
    failing_session("08DC44A1B2C30002", "10.0.0.2");
    ASSERT_EQ(crashed.pass().opened, 1);
    EXPECT_EQ(level(), 1u);
  }  // gone without reverting: as after a kill -9, only the stored revert is left
  EXPECT_EQ(level(), 1u);
  clock_.advance(31min);
  service::Monitor next(options(), clock_);
  ASSERT_TRUE(next.open());
  EXPECT_TRUE(next.pass().errors.empty());
  EXPECT_EQ(level(), 0u) << "the stored revert put the administrator's 0 back";
}

TEST_F(KerberosSwitchTest, AnAdministratorsOwnLogLevelIsNeverTouchedAndItIsOptIn) {
  ASSERT_TRUE(probes::write_log_level(key_, 1));
  service::Monitor monitor(options(), clock_);
  ASSERT_TRUE(monitor.open());
  failing_session("08DC44A1B2C30003", "10.0.0.3");
  ASSERT_EQ(monitor.pass().opened, 1);
  clock_.advance(31min);
  monitor.pass();
  EXPECT_EQ(level(), 1u) << "AuthWatch did not set it, so it does not take it away";

  clear_key();
  auto off = options();
  off.config.kerberos_logging = KerberosLoggingSettings{};  // the default: off
  off.database = (dir_ / "other.db").string();
  service::Monitor quiet(off, clock_);
  ASSERT_TRUE(quiet.open());
  failing_session("08DC44A1B2C30004", "10.0.0.4");
  ASSERT_GE(quiet.pass().opened, 1);
  EXPECT_EQ(level(), std::nullopt) << "not configured: the registry is left alone";
}

}  // namespace

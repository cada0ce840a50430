// Following protocol logs and drop folders through what happens to files in the field: a session
// cut by a rollover (and by a restart in between), a log truncated or replaced under its name, a
// followed file deleted, a stored position cleared or rewound behind the monitor's back, an
// exported file copied into a drop folder in pieces, a file that is nothing AuthWatch reads.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "app/logging.hpp"
#include "core/clock.hpp"
#include "log_writer.hpp"
#include "service/folder_source.hpp"
#include "service/monitor.hpp"
#include "storage/store.hpp"

namespace fs = std::filesystem;
using namespace authwatch;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace {

class FollowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("authwatch-follow-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir_ / "logs");
    fs::create_directories(dir_ / "drop");
  }
  void TearDown() override { fs::remove_all(dir_); }

  service::MonitorOptions options() {
    service::MonitorOptions o;
    o.database = (dir_ / "authwatch.db").string();
    o.protocol_log_dirs = {(dir_ / "logs").string()};
    o.drop_dirs = {(dir_ / "drop").string()};
    o.alerts_jsonl = (dir_ / "alerts.jsonl").string();
    o.probes = false;
    o.config.monitor.event_log = false;  // the live event log (Windows) is tests/win/event_log_wine_test.cpp's
    return o;
  }
  // Deletes a log the monitor has read and closed. Under Wine a file closed a moment before can
  // still refuse deletion with a sharing violation (seen once in ~5 runs, gone 50 ms later; every
  // open of a log shares delete, sources/win/shared_file.cpp), so a few short tries, never a sleep
  // of seconds; a log that stays undeletable still fails the test.
  static void remove_as_exchange_does(const fs::path& file) {
    std::error_code ec;
    for (int tries = 0; !fs::remove(file, ec) && ec && tries < 10; ++tries) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_FALSE(ec) << file << ": " << ec.message();
    ASSERT_FALSE(fs::exists(file));
  }
  fs::path log(int n) const { return dir_ / "logs" / ("RECV2026112816-" + std::to_string(n) + ".LOG"); }

  int64_t query(const std::string& sql) {
    SQLite::Database db((dir_ / "authwatch.db").string(), SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getInt64();
  }
  void exec(const std::string& sql) {
    SQLite::Database db((dir_ / "authwatch.db").string(), SQLite::OPEN_READWRITE);
    db.exec(sql);
  }
  nlohmann::json status() {
    const std::string db = (dir_ / "authwatch.db").string();
    std::vector<const char*> argv{"authwatch", "--db", db.c_str(), "status", "--format", "json"};
    std::ostringstream out, err;
    EXPECT_EQ(cli::run(static_cast<int>(argv.size()), argv.data(), out, err), 0) << err.str();
    app::init_logging(std::cerr, 1, false);  // the CLI logged into `err`, which dies here
    return nlohmann::json::parse(out.str());
  }

  ManualClock clock_{SystemClock().now()};  // time passes when a test says so
  fs::path dir_;
};

std::string joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  return all;
}

TEST_F(FollowTest, ASessionCutByARolloverAndARestartIsOneSignalWithItsEhloName) {
  test::append_file(log(1), test::receive_log_header(clock_.now()) +
                                test::receive_session("08DC44A1B2C30007", "10.0.0.7", true, 1, "ex7.contoso.com"));
  {
    service::Monitor first(options(), clock_);
    ASSERT_TRUE(first.open().ok());
    EXPECT_EQ(first.pass().opened, 0) << "EHLO and X-EXPS only: nothing failed yet";
  }
  // Exchange rolls over to -2 while the session goes on; the monitor restarted meanwhile.
  test::append_file(log(2), test::receive_log_header(clock_.now()) + test::receive_session("08DC44A1B2C30007", "10.0.0.7", true, 2));
  service::Monitor second(options(), clock_);
  ASSERT_TRUE(second.open().ok());
  auto pass = second.pass();
  EXPECT_EQ(pass.opened, 1);
  EXPECT_TRUE(pass.notices.empty()) << joined(pass.notices);
  EXPECT_EQ(query("SELECT count(*) FROM signals"), 1) << "one session, one signal, across two files";
  EXPECT_EQ(query("SELECT count(*) FROM signals WHERE peer_ip = '10.0.0.7' AND peer_name = 'ex7.contoso.com'"), 1)
      << "the EHLO name read before the restart, in the file before the rollover";
  EXPECT_EQ(second.pass().new_events, 0u) << "the finished file is not read again";
}

TEST_F(FollowTest, ALogTruncatedUnderItsNameIsReportedAndReadAgainFromTheStart) {
  std::string healthy = test::receive_log_header(clock_.now() - 1h);
  for (int i = 0; i < 5; ++i) healthy += test::receive_session("08DC44A1B2C3001" + std::to_string(i), "10.0.0.5", false);
  test::append_file(log(1), healthy);
  service::Monitor monitor(options(), clock_);
  ASSERT_TRUE(monitor.open().ok());
  EXPECT_TRUE(monitor.pass().notices.empty());

  // Cleared and written again (a shorter file with a new header): the stored offset is past its end.
  std::ofstream(log(1), std::ios::binary | std::ios::trunc)
      << test::receive_log_header(clock_.now()) << test::receive_session("08DC44A1B2C30020", "10.0.0.8", true);
  auto pass = monitor.pass();
  ASSERT_EQ(pass.notices.size(), 1u) << joined(pass.notices);
  EXPECT_THAT(pass.notices[0], HasSubstr("truncated"));
  EXPECT_THAT(pass.notices[0], HasSubstr(log(1).filename().string()));
  EXPECT_EQ(pass.opened, 1) << "the new content is read from its start";
  EXPECT_THAT(status()["monitor"]["last_notice"]["message"].get<std::string>(), HasSubstr("truncated"));
  EXPECT_TRUE(monitor.pass().notices.empty()) << "reported once";
}

TEST_F(FollowTest, AFollowedFileDeletedIsForgottenAndOneDeletedBeforeItsEndIsReported) {
  test::append_file(log(1), test::receive_log_header(clock_.now()) + test::receive_session("08DC44A1B2C30001", "10.0.0.1", false));
  service::Monitor monitor(options(), clock_);
  ASSERT_TRUE(monitor.open().ok());
  monitor.pass();
  remove_as_exchange_does(log(1));  // Exchange's log retention: read to the end, nothing to say
  auto quiet = monitor.pass();
  EXPECT_TRUE(quiet.notices.empty()) << joined(quiet.notices);
  EXPECT_TRUE(quiet.errors.empty()) << joined(quiet.errors);

  test::append_file(log(2), test::receive_log_header(clock_.now()) + test::receive_session("08DC44A1B2C30002", "10.0.0.2", true));
  test::append_file(log(2), "2026-11-28T16:00:00.000Z,EX2\\Default EX2,08DC44A1B2C3");  // still being written
  EXPECT_EQ(monitor.pass().opened, 1) << "the next file is followed as usual";
  remove_as_exchange_does(log(2));
  auto gone = monitor.pass();
  ASSERT_EQ(gone.notices.size(), 1u) << joined(gone.notices);
  EXPECT_THAT(gone.notices[0], HasSubstr("deleted before it was read to the end"));
  EXPECT_EQ(status()["sources"].size(), 2u) << "the positions stay, for the record";
}

TEST_F(FollowTest, APositionRewoundOrClearedBehindTheMonitorsBackIsReportedAndRepeatsNothing) {
  test::append_file(log(1), test::receive_log_header(clock_.now()) + test::receive_session("08DC44A1B2C30001", "10.0.0.1", true) +
                                test::receive_session("08DC44A1B2C30002", "10.0.0.2", true));
  service::Monitor monitor(options(), clock_);
  ASSERT_TRUE(monitor.open().ok());
  EXPECT_EQ(monitor.pass().opened, 2);
  const int64_t events = query("SELECT count(*) FROM events"), alerts = query("SELECT count(*) FROM alerts");

  // The file does not change: the monitor notices at its next look at the stored positions
  // (FolderSource::kRecheckPositions), not at every pass.
  exec("UPDATE sources SET position_json = json_set(position_json, '$.offset', 0) WHERE kind = 'protocol-log'");
  auto before_the_look = monitor.pass();
  EXPECT_TRUE(before_the_look.notices.empty()) << joined(before_the_look.notices);
  clock_.advance(service::FolderSource::kRecheckPositions);
  auto rewound = monitor.pass();
  ASSERT_EQ(rewound.notices.size(), 1u) << joined(rewound.notices);
  EXPECT_THAT(rewound.notices[0], HasSubstr("rewound"));
  exec("UPDATE sources SET position_json = '{}' WHERE kind = 'protocol-log'");
  clock_.advance(service::FolderSource::kRecheckPositions);
  auto cleared = monitor.pass();
  ASSERT_EQ(cleared.notices.size(), 1u) << joined(cleared.notices);
  EXPECT_THAT(cleared.notices[0], HasSubstr("cleared"));
  EXPECT_EQ(query("SELECT count(*) FROM events"), events) << "read again, stored once";
  EXPECT_EQ(query("SELECT count(*) FROM alerts"), alerts);
  EXPECT_EQ(cleared.opened, 0);
}

TEST_F(FollowTest, AnExportCopiedIntoTheDropFolderIsReadOnceItStopsChanging) {
  const std::string event =
      "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='MSExchangeTransport'/>"
      "<EventID Qualifiers='32772'>1035</EventID><Level>3</Level><TimeCreated SystemTime='" +
      format_iso8601(clock_.now()) +
      "'/><EventRecordID>88201</EventRecordID><Channel>Application</Channel><Computer>ex2.contoso.com</Computer></System>"
      "<EventData><Data>IllegalMessage</Data><Data>Default EX2</Data><Data>ExchangeAuth</Data><Data>10.0.0.9</Data></EventData></Event>";
  const fs::path file = dir_ / "drop" / "ex2-application.xml";
  service::Monitor monitor(options(), clock_);
  ASSERT_TRUE(monitor.open().ok());
  test::append_file(file, event.substr(0, 200));
  auto copying = monitor.pass();
  EXPECT_TRUE(copying.errors.empty()) << joined(copying.errors);
  test::append_file(file, event.substr(200));
  EXPECT_EQ(monitor.pass().opened, 0) << "changed since the last look: still being copied";
  auto settled = monitor.pass();
  EXPECT_EQ(settled.opened, 1);
  EXPECT_TRUE(settled.errors.empty()) << joined(settled.errors);
  EXPECT_EQ(query("SELECT count(*) FROM signals WHERE peer_ip = '10.0.0.9'"), 1);

  test::append_file(dir_ / "drop" / "notes.txt", "not an export\n");
  int reported = 0;
  for (int i = 0; i < 4; ++i) {
    auto pass = monitor.pass();
    for (const auto& e : pass.errors) reported += e.find("notes.txt") != std::string::npos;
  }
  EXPECT_EQ(reported, 1) << "an unreadable file is named once, not every pass";
}

}  // namespace

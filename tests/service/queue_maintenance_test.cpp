// Get-Queue snapshots by command (a real child process each time) and maintenance: a command
// whose snapshot shows a queue retrying on 454 4.7.0 opens an outbound incident; a command that is
// missing, fails, hangs or prints something else is a finding and a health alert, never a crash,
// and its recovery is one more; a maintenance window or ServerWideOffline Inactive holds alerts
// back while the incident is still recorded.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
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
#include "service/monitor.hpp"

namespace fs = std::filesystem;
using namespace authwatch;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace {

class QueueMaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("authwatch-queue-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir_ / "logs");
  }
  void TearDown() override { fs::remove_all(dir_); }

  service::MonitorOptions options() {
    service::MonitorOptions o;
    o.database = (dir_ / "authwatch.db").string();
    o.alerts_jsonl = (dir_ / "alerts.jsonl").string();
    o.probes = false;
    o.config.monitor.event_log = false;  // the live event log (Windows) is tests/win/event_log_wine_test.cpp's
    return o;
  }
  service::MonitorOptions queue_options(std::vector<std::string> command) {
    auto o = options();
    o.config.queue.enabled = true;
    o.config.queue.command = std::move(command);
    o.config.queue.interval = 1s;
    o.config.queue.timeout = 1s;
    return o;
  }
  // A Get-Queue snapshot as the default command prints it: one queue retrying on 454 4.7.0.
  std::string snapshot() {
    const std::string now = format_iso8601(clock_.now());
    nlohmann::json q = {{"Identity", "EX1\\12"},
                        {"DeliveryType", "SmtpRelayToMailboxDeliveryGroup"},
                        {"Status", "Retry"},
                        {"MessageCount", 17},
                        {"NextHopDomain", "site:Default-First-Site-Name; version:15"},
                        {"LastError",
                         "[{LRT=" + now + "};{LED=451 4.4.0 Primary target IP address responded with: \"454 4.7.0 Temporary "
                         "authentication failure.\" The last endpoint attempted was 10.0.0.2:2525};{FQDN=ex2.contoso.com};{IP=10.0.0.2}]"},
                        {"FirstRetryTime", now},
                        {"LastRetryTime", now}};
    return nlohmann::json::array({q}).dump();
  }
  // Passes until `done` (which may look at `last_pass_`) or 8 s of real time, which the commands,
  // real child processes, run in. Between passes the monitor's clock moves on to what it would
  // wait for (the next command run or offline check due, the poll while one runs), so an interval
  // of the config costs no real time; a short real pause lets the child process work.
  bool pass_until(service::Monitor& monitor, const std::function<bool()>& done) {
    for (auto until = std::chrono::steady_clock::now() + 8s; std::chrono::steady_clock::now() < until;) {
      last_pass_ = monitor.pass();
      if (done()) return true;
      clock_.advance(monitor.wait_after_pass(/*folders_notify=*/true, clock_.steady_now()));
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  bool last_pass_reported(const std::string& error) const {
    for (const auto& e : last_pass_.errors)
      if (e.find(error) != std::string::npos) return true;
    return false;
  }
  int64_t query(const std::string& sql) {
    SQLite::Database db((dir_ / "authwatch.db").string(), SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getInt64();
  }
  std::string text(const std::string& sql) {
    SQLite::Database db((dir_ / "authwatch.db").string(), SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getString();
  }
  std::vector<nlohmann::json> alerts() {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_ / "alerts.jsonl");
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  nlohmann::json status() {
    const std::string db = (dir_ / "authwatch.db").string();
    std::vector<const char*> argv{"authwatch", "--db", db.c_str(), "status", "--format", "json"};
    std::ostringstream out, err;
    EXPECT_EQ(cli::run(static_cast<int>(argv.size()), argv.data(), out, err), 0) << err.str();
    app::init_logging(std::cerr, 1, false);  // the CLI logged into `err`, which dies here
    return nlohmann::json::parse(out.str());
  }
  void write(const fs::path& file, const std::string& content) { std::ofstream(file, std::ios::binary | std::ios::trunc) << content; }

  ManualClock clock_{SystemClock().now()};  // time passes when a test says so (pass_until)
  service::PassReport last_pass_;
  fs::path dir_;
};

TEST_F(QueueMaintenanceTest, ASnapshotWithAQueueRetryingOn454OpensAnOutboundIncident) {
  write(dir_ / "snapshot.json", snapshot());
  service::Monitor monitor(queue_options({"/bin/cat", (dir_ / "snapshot.json").string()}), clock_);
  ASSERT_TRUE(monitor.open().ok());
  ASSERT_TRUE(pass_until(monitor, [&] { return query("SELECT count(*) FROM incidents") > 0; })) << "no incident from the queue snapshot";
  EXPECT_EQ(text("SELECT direction || ' ' || peer FROM incidents"), "outbound 10.0.0.2");
  EXPECT_TRUE(fs::exists(dir_ / "authwatch.db-queue.json")) << "the last snapshot is kept beside the database";
  // The next runs print the same observation: it is not stored again.
  const auto first = fs::last_write_time(dir_ / "authwatch.db-queue.json");
  ASSERT_TRUE(pass_until(monitor, [&] { return fs::last_write_time(dir_ / "authwatch.db-queue.json") != first; }));
  monitor.pass();
  EXPECT_EQ(query("SELECT count(*) FROM signals"), 1);
  EXPECT_EQ(query("SELECT count(*) FROM probe_runs"), 0) << "a working command records no finding";
}

// Whoever could write beside the database could plant the snapshot's temporary file as a link to
// a file of theirs or someone else's: the service would have written the snapshot through it
// (issue 12). It is removed and created anew (O_EXCL | O_NOFOLLOW, 0600); the link's target is untouched.
TEST_F(QueueMaintenanceTest, ALinkPlantedAsTheSnapshotsPartialFileIsNotWrittenThrough) {
  write(dir_ / "snapshot.json", snapshot());
  write(dir_ / "victim", "not the service's");
  fs::create_symlink(dir_ / "victim", dir_ / "authwatch.db-queue.json.partial");
  service::Monitor monitor(queue_options({"/bin/cat", (dir_ / "snapshot.json").string()}), clock_);
  ASSERT_TRUE(monitor.open().ok());
  ASSERT_TRUE(pass_until(monitor, [&] { return query("SELECT count(*) FROM incidents") > 0; })) << "no incident from the queue snapshot";
  std::ifstream victim(dir_ / "victim");
  std::string content((std::istreambuf_iterator<char>(victim)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "not the service's");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(dir_ / "authwatch.db-queue.json")));
  EXPECT_EQ(fs::status(dir_ / "authwatch.db-queue.json").permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir_ / "authwatch.db-queue.json.partial"))) << "renamed into place";
  EXPECT_EQ(query("SELECT count(*) FROM probe_runs"), 0) << "nothing failed";
}

TEST_F(QueueMaintenanceTest, AMissingFailingHangingOrBabblingCommandIsAFindingAndAHealthAlertNotACrash) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"/nonexistent/Get-Queue.ps1"}, "command not found"},
      {{"/bin/sh", "-c", "echo 'New-PSSession: Connecting to remote server failed' >&2; exit 3"}, "exit code 3: New-PSSession"},
      {{"/bin/sh", "-c", "sleep 30"}, "timed out"},
      {{"/bin/sh", "-c", "echo Get-Queue is not recognized"}, "not Get-Queue JSON"},
  };
  for (const auto& [command, reported] : cases) {
    // A copy the lambda below can capture: clang 14 cannot capture a structured binding.
    const std::string expected = reported;
    SCOPED_TRACE(expected);
    fs::remove_all(dir_ / "authwatch.db");
    fs::remove(dir_ / "alerts.jsonl");
    const auto started = std::chrono::steady_clock::now();
    {
      service::Monitor monitor(queue_options(command), clock_);
      ASSERT_TRUE(monitor.open().ok());
      ASSERT_TRUE(pass_until(monitor, [&] { return query("SELECT count(*) FROM probe_runs WHERE \"trigger\" = 'queue-command'") > 0; }));
      // The next run fails the same way: reported again by its pass, recorded and alerted no more.
      ASSERT_TRUE(pass_until(monitor, [&] { return last_pass_reported(expected); })) << "the command ran again";
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 6s) << "a hanging command is killed at its timeout";
    EXPECT_EQ(query("SELECT count(*) FROM findings WHERE probe = 'queue-command' AND status = 'error'"), 1) << "once, not every run";
    EXPECT_THAT(text("SELECT json_extract(evidence_json, '$.error') FROM findings"), HasSubstr(expected));
    const auto sent = alerts();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0]["kind"], "health");
    EXPECT_EQ(sent[0]["event_id"], pipeline::kEventServiceHealth);
    EXPECT_THAT(sent[0]["message"].get<std::string>(), HasSubstr(expected));
  }
}

TEST_F(QueueMaintenanceTest, ACommandThatWorksAgainSaysSoOnce) {
  write(dir_ / "snapshot.json", "[]");
  const std::string script = "test -f " + (dir_ / "ready").string() + " && cat " + (dir_ / "snapshot.json").string();
  service::Monitor monitor(queue_options({"/bin/sh", "-c", script}), clock_);
  ASSERT_TRUE(monitor.open().ok());
  ASSERT_TRUE(pass_until(monitor, [&] { return alerts().size() == 1; }));
  write(dir_ / "ready", "");
  ASSERT_TRUE(pass_until(monitor, [&] { return alerts().size() == 2; }));
  EXPECT_THAT(alerts()[1]["message"].get<std::string>(), HasSubstr("work again"));
  EXPECT_EQ(query("SELECT count(*) FROM findings WHERE probe = 'queue-command' AND status = 'ok'"), 1);
}

TEST_F(QueueMaintenanceTest, AMaintenanceWindowHoldsAlertsBackButTheIncidentIsRecorded) {
  auto o = options();
  o.protocol_log_dirs = {(dir_ / "logs").string()};
  const std::string window = format_iso8601(clock_.now() - 1h) + "/" + format_iso8601(clock_.now() + 1h);
  o.config.maintenance.windows.push_back(parse_maintenance_window(window).value());
  test::append_file(dir_ / "logs" / "RECV2026112816-1.LOG",
                    test::receive_log_header(clock_.now()) + test::receive_session("08DC44A1B2C30001", "10.0.0.1", true));
  service::Monitor monitor(o, clock_);
  ASSERT_TRUE(monitor.open().ok());
  auto pass = monitor.pass();
  EXPECT_EQ(pass.opened, 1) << "the incident is recorded";
  EXPECT_EQ(pass.alerts_suppressed, 1);
  EXPECT_EQ(pass.alerts_delivered, 0);
  EXPECT_TRUE(alerts().empty());
  auto s = status();
  EXPECT_THAT(s["monitor"]["maintenance"].get<std::string>(), HasSubstr(window));
  ASSERT_EQ(s["recent_alerts"].size(), 1u);
  EXPECT_THAT(s["recent_alerts"][0]["suppressed"].get<std::string>(), HasSubstr("maintenance window"));
  EXPECT_EQ(s["open_incidents"].size(), 1u);
}

TEST_F(QueueMaintenanceTest, ServerWideOfflineInactiveHoldsAlertsBackUntilItIsActiveAgain) {
  auto o = options();
  o.protocol_log_dirs = {(dir_ / "logs").string()};
  o.config.maintenance.offline_state_command = {"/bin/cat", (dir_ / "state").string()};
  o.config.maintenance.check_interval = 1s;
  write(dir_ / "state", "Inactive\r\n");
  const auto log = dir_ / "logs" / "RECV2026112816-1.LOG";
  test::append_file(log, test::receive_log_header(clock_.now()));
  service::Monitor monitor(o, clock_);
  ASSERT_TRUE(monitor.open().ok());
  ASSERT_TRUE(pass_until(monitor, [&] { return !monitor.maintenance_reason().empty(); }));
  EXPECT_EQ(monitor.maintenance_reason(), "ServerWideOffline is Inactive");
  test::append_file(log, test::receive_session("08DC44A1B2C30001", "10.0.0.1", true));
  EXPECT_EQ(monitor.pass().alerts_suppressed, 1);

  write(dir_ / "state", "Active\r\n");
  ASSERT_TRUE(pass_until(monitor, [&] { return monitor.maintenance_reason().empty(); }));
  EXPECT_TRUE(alerts().empty()) << "what was held back stays held back";
  test::append_file(log, test::receive_session("08DC44A1B2C30002", "10.0.0.3", true));
  EXPECT_EQ(monitor.pass().alerts_delivered, 1);
  ASSERT_EQ(alerts().size(), 1u);
  EXPECT_EQ(alerts()[0]["incident"]["peer"], "10.0.0.3");
}

}  // namespace

// The monitor cannot be killed by its database (issue 12 part 2): on a real SQLite file, real
// file systems and a real second connection, the database is made busy, full, read-only,
// deleted and damaged under a running monitor. In each case the monitor's passes go on, the
// health alert reaches the sink once when it starts and once when it ends, an incident opened
// meanwhile is alerted (straight from memory, or at the latest on the pass that stores it),
// nothing committed is lost, and the monitor recovers by itself. A record the database refuses
// is quarantined and shown by `authwatch status`. Time is a ManualClock (the keeper's retry
// interval); no wall-clock bound is asserted.
//
// POSIX: chattr, mount and the byte-level page overwrite of a file another handle has open.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "app/logging.hpp"
#include "core/clock.hpp"
#include "core/time.hpp"
#include "service/monitor.hpp"
#include "service/step_health.hpp"
#include "storage/store.hpp"
#include "tests/lab/lab_skip.hpp"

namespace fs = std::filesystem;
using namespace authwatch;
using namespace std::chrono_literals;

namespace {

bool run_quietly(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

// A test that needs root for a real file-system condition: skipped when not root, except in CI
// (CI=true), where the missing capability is a failure (tests/lab/lab_skip.hpp).
#define REQUIRE_ROOT_FOR(what) \
  if (geteuid() != 0) AUTHWATCH_PEER_UNAVAILABLE() << "needs root for " << what

class ResilienceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("authwatch-resilience-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir_ / "logs");
    fs::create_directories(dir_ / "db");
    db_ = (dir_ / "db" / "authwatch.db").string();
    log_ = dir_ / "logs" / "RECV2026112816-1.LOG";
    std::ofstream(log_, std::ios::binary) << "\xEF\xBB\xBF#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n"
                                          << "#Log-type: SMTP Receive Protocol Log\r\n#Date: " << format_iso8601(clock_.now()) << "\r\n"
                                          << "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,"
                                             "remote-endpoint,event,data,context\r\n";
  }
  void TearDown() override {
    for (const auto& undo : undo_) run_quietly(undo);
    fs::remove_all(dir_);
  }

  service::MonitorOptions options() {
    service::MonitorOptions o;
    o.database = db_;
    o.protocol_log_dirs = {(dir_ / "logs").string()};
    o.alerts_jsonl = (dir_ / "alerts.jsonl").string();
    o.probes = false;
    o.config.monitor.event_log = false;
    o.config.incidents.quiet_period = 1h;   // nothing resolves while a test runs
    o.config.database.busy_timeout_ms = 50;  // a held lock is "busy" after 50 ms
    return o;
  }

  // One receive session from `peer_ip`; `failing`: X-EXPS answered 454.
  void append_session(const std::string& id, const std::string& peer_ip, bool failing) {
    const std::string t = format_iso8601(clock_.now()), prefix = t + ",EX2\\Default EX2," + id + ",";
    const std::string ends = ",10.0.0.2:2525," + peer_ip + ":41234,";
    std::string name = "peer-" + peer_ip + ".contoso.com";  // a peer of its own per address: one incident each
    std::replace(name.begin(), name.end(), '.', '-');
    std::string s = prefix + "0" + ends + "+,,\r\n" + prefix + "1" + ends + "<,EHLO " + name + ",\r\n" + prefix + "2" + ends +
                    "<,X-EXPS EXCHANGEAUTH SHA256 <authentication data>,\r\n";
    if (failing)
      s += prefix + "3" + ends + "*,,Inbound ExchangeAuth negotiation failed because of IllegalMessage\r\n" + prefix + "4" + ends +
           ">,454 4.7.0 Temporary authentication failure,\r\n" + prefix + "5" + ends + "-,,Local\r\n";
    else
      s += prefix + "3" + ends + ">,235 <authentication response>,\r\n" + prefix + "4" + ends + "-,,Remote(Close)\r\n";
    std::ofstream(log_, std::ios::binary | std::ios::app) << s;
  }

  std::vector<nlohmann::json> alerts() {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_ / "alerts.jsonl");
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  // Alerts with this event id; `ok`: only those saying it fails (false) or works again (true).
  size_t count_alerts(int event_id, std::optional<bool> ok = std::nullopt) {
    size_t n = 0;
    for (const auto& a : alerts())
      if (a.value("event_id", 0) == event_id && (!ok || (a.contains("ok") && a["ok"] == *ok))) ++n;
    return n;
  }
  // The database-failing alerts: at least one, and each kind of failure (busy, read-only, ...)
  // alerted once when it starts and once when it ends.
  void expect_each_failure_alerted_once(bool ended) {
    std::map<std::string, int> started, over;
    for (const auto& a : alerts())
      if (a.value("event_id", 0) == service::kEventDatabaseFailing) ++(a.value("ok", false) ? over : started)[a.value("failure", "")];
    EXPECT_FALSE(started.empty()) << "the failure was alerted";
    for (const auto& [kind, n] : started) {
      EXPECT_EQ(n, 1) << kind;
      if (ended) {
        EXPECT_EQ(over[kind], 1) << kind << " said to work again, once";
      }
    }
    if (!ended) {
      EXPECT_TRUE(over.empty());
    }
  }
  // Everything the sink got is in the outbox exactly once, marked delivered.
  void expect_outbox_holds_what_was_delivered() {
    auto db = storage::Database::open(db_, storage::Database::Mode::ReadOnly);
    ASSERT_TRUE(db.ok()) << db.error();
    storage::Store store(*db.value());
    EXPECT_TRUE(store.pending_alerts().empty());
    EXPECT_EQ(store.alerts(100000).size(), alerts().size());
  }
  size_t count_kind(const std::string& kind) {
    size_t n = 0;
    for (const auto& a : alerts()) n += a.value("kind", "") == kind;
    return n;
  }

  // What a reading connection sees in the database file (not the monitor's).
  int64_t count_rows(const std::string& path, const std::string& table) {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM " + table).getInt64();
  }

  nlohmann::json status_json() {
    std::vector<const char*> argv{"authwatch", "--db", db_.c_str(), "status", "--format", "json"};
    std::ostringstream out, err;
    const int rc = cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
    app::init_logging(std::cerr, 1, false);  // the CLI logged into `err`, which dies here
    EXPECT_EQ(rc, 0) << err.str();
    return nlohmann::json::parse(out.str());
  }

  // Every page but the first (the header and the schema) overwritten: any table read fails with
  // SQLITE_CORRUPT. The WAL is checkpointed first, so what the file holds is all there is.
  void damage_pages() {
    {
      SQLite::Database other(db_, SQLite::OPEN_READWRITE);
      other.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    std::fstream f(db_, std::ios::in | std::ios::out | std::ios::binary);
    unsigned char header[18];
    f.read(reinterpret_cast<char*>(header), sizeof header);
    const uint32_t raw = (header[16] << 8) | header[17];
    const uint32_t page = raw == 1 ? 65536 : raw;
    const auto size = fs::file_size(db_);
    ASSERT_GE(size, 2u * page) << "the database has a page to damage";
    std::string garbage(page, '\0');
    for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(0xA5 ^ (i * 31));
    for (uint64_t at = page; at + page <= size; at += page) {
      f.seekp(static_cast<std::streamoff>(at));
      f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    f.flush();
    ASSERT_TRUE(f.good());
  }

  ManualClock clock_{parse_iso8601("2026-11-28T16:00:00Z").value()};
  fs::path dir_, log_;
  std::string db_;
  std::vector<std::string> undo_;  // shell commands TearDown runs (chattr -i, umount)
};

// SQLITE_BUSY: another connection holds BEGIN IMMEDIATE past the busy timeout.
TEST_F(ResilienceTest, ABusyDatabaseIsAlertedOnceTheIncidentWaitsAndIsStoredWhenTheLockGoes) {
  service::Monitor monitor(options(), clock_);
  ASSERT_TRUE(monitor.open().ok());
  monitor.pass();

  auto other = std::make_unique<SQLite::Database>(db_, SQLite::OPEN_READWRITE);
  other->exec("BEGIN IMMEDIATE");
  append_session("08DC44A1B2C30001", "10.0.0.1", /*failing=*/true);
  for (int i = 0; i < 3; ++i) {
    auto pass = monitor.pass();  // returns: nothing escapes
    ASSERT_FALSE(pass.failed_steps.empty()) << "pass " << i;
    // First the source's read; later passes meet it already writing the held health alert.
    EXPECT_NE(pass.failed_steps[0].find(i == 0 ? "read " : "store held alerts"), std::string::npos) << pass.failed_steps[0];
    EXPECT_EQ(pass.failed_steps.size(), 1u) << "the pass's other database steps wait for the next pass";
    EXPECT_EQ(pass.new_events, 0u);
    clock_.advance(1s);
  }
  expect_each_failure_alerted_once(/*ended=*/false);
  EXPECT_EQ(count_alerts(service::kEventDatabaseFailing, false), 1u) << "one alert for three failing passes";
  bool named_busy = false;
  for (const auto& a : alerts()) named_busy = named_busy || a.value("failure", "") == "database busy";
  EXPECT_TRUE(named_busy);
  EXPECT_EQ(count_kind("incident-opened"), 0u) << "nothing is stored, so nothing is opened yet";

  other->exec("ROLLBACK");
  other.reset();
  auto recovered = monitor.pass();
  EXPECT_TRUE(recovered.failed_steps.empty()) << recovered.failed_steps[0];
  EXPECT_EQ(recovered.opened, 1) << "the session read while busy is stored now: the position had not moved";
  EXPECT_EQ(count_kind("incident-opened"), 1u);
  monitor.pass();
  expect_each_failure_alerted_once(/*ended=*/true);
  EXPECT_EQ(alerts().size(), 3u) << "failing, incident, works again: nothing twice";
  EXPECT_EQ(count_rows(db_, "signals"), 1);
  expect_outbox_holds_what_was_delivered();
}

// The database file deleted (with its -wal and -shm) under the running monitor: SQLite would go on
// writing to the unlinked file and lose it all at the next start; the monitor writes it back from
// its connection.
TEST_F(ResilienceTest, ADeletedDatabaseIsWrittenBackWithEverythingCommitted) {
  service::Monitor monitor(options(), clock_);
  ASSERT_TRUE(monitor.open().ok());
  append_session("08DC44A1B2C30001", "10.0.0.1", true);
  ASSERT_EQ(monitor.pass().opened, 1);
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_ + suffix);

  append_session("08DC44A1B2C30002", "10.0.0.9", true);
  auto pass = monitor.pass();
  ASSERT_FALSE(pass.notices.empty());
  EXPECT_NE(pass.notices[0].find("deleted"), std::string::npos) << pass.notices[0];
  EXPECT_EQ(pass.opened, 1) << "the second peer's incident is stored in the written-back file";
  ASSERT_TRUE(fs::exists(db_));
  EXPECT_EQ(count_rows(db_, "incidents"), 2) << "the incident from before the deletion is still there";
  EXPECT_EQ(count_alerts(service::kEventDatabaseReplaced), 1u);
  EXPECT_EQ(count_kind("incident-opened"), 2u);
  monitor.pass();
  EXPECT_EQ(count_kind("incident-opened"), 2u);
  expect_outbox_holds_what_was_delivered();
  const auto status = status_json();
  EXPECT_NE(status["monitor"]["database_event"]["message"].get<std::string>().find("deleted"), std::string::npos)
      << status["monitor"].dump(1);
}

// Read-only: the file and its WAL made immutable (chattr +i: even root cannot write them).
TEST_F(ResilienceTest, AReadOnlyDatabaseIsAlertedAndReopenedWhenWritableAgain) {
  REQUIRE_ROOT_FOR("chattr +i");
  service::Monitor monitor(options(), clock_);
  ASSERT_TRUE(monitor.open().ok());
  monitor.pass();
  const std::string files = "'" + db_ + "' '" + db_ + "-wal'";
  if (!run_quietly("chattr +i " + files)) AUTHWATCH_PEER_UNAVAILABLE() << "the file system of " << db_ << " has no immutable attribute";
  undo_.push_back("chattr -i " + files);

  append_session("08DC44A1B2C30001", "10.0.0.1", true);
  for (int i = 0; i < 3; ++i) {
    auto pass = monitor.pass();
    EXPECT_FALSE(pass.failed_steps.empty()) << "pass " << i;
    clock_.advance(service::DatabaseKeeper::kRetry);  // each pass also tries to open it afresh
  }
  expect_each_failure_alerted_once(/*ended=*/false);
  EXPECT_EQ(count_kind("incident-opened"), 0u);

  ASSERT_TRUE(run_quietly("chattr -i " + files));
  clock_.advance(service::DatabaseKeeper::kRetry);
  auto recovered = monitor.pass();
  EXPECT_TRUE(recovered.failed_steps.empty()) << recovered.failed_steps[0];
  EXPECT_EQ(recovered.opened, 1);
  monitor.pass();
  expect_each_failure_alerted_once(/*ended=*/true);
  EXPECT_EQ(count_kind("incident-opened"), 1u);
  EXPECT_EQ(count_rows(db_, "signals"), 1);
  expect_outbox_holds_what_was_delivered();
}

// A full disk: the database on an 8 MiB tmpfs that a filler file fills to the last byte.
TEST_F(ResilienceTest, AFullDiskIsAlertedAndWhatWaitedIsStoredWhenThereIsRoomAgain) {
  REQUIRE_ROOT_FOR("mounting a small tmpfs");
  const std::string mountpoint = (dir_ / "db").string();
  ASSERT_TRUE(run_quietly("mount -t tmpfs -o size=8m authwatch-test '" + mountpoint + "'")) << "mount -t tmpfs";
  undo_.insert(undo_.begin(), "umount -l '" + mountpoint + "'");
  service::Monitor monitor(options(), clock_);
  ASSERT_TRUE(monitor.open().ok());
  append_session("08DC44A1B2C30001", "10.0.0.1", true);
  ASSERT_EQ(monitor.pass().opened, 1);
  const int64_t committed = count_rows(db_, "events");

  {  // the rest of the file system, to the last byte
    std::ofstream filler(dir_ / "db" / "filler", std::ios::binary);
    const std::string block(64 * 1024, 'x');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size())) && filler.flush()) {}
    filler.clear();
    while (filler.put('x') && filler.flush()) {}
  }
  // More than the WAL's free room: hundreds of failing sessions from 200 other peers.
  for (int n = 0; n < 400; ++n) {
    char id[17];
    std::snprintf(id, sizeof id, "08DC%012X", 0x100 + n);
    append_session(id, "10.0." + std::to_string(1 + n % 200) + ".7", true);
  }
  bool full = false;
  for (int i = 0; i < 3; ++i) {
    auto pass = monitor.pass();
    full = full || !pass.failed_steps.empty();
    clock_.advance(1s);
  }
  ASSERT_TRUE(full) << "the full disk was met";
  expect_each_failure_alerted_once(/*ended=*/false);
  bool named_full = false;
  for (const auto& a : alerts()) named_full = named_full || a.value("failure", "") == "database full";
  EXPECT_TRUE(named_full) << "the alert says the disk is full";
  EXPECT_EQ(count_rows(db_, "events"), committed) << "nothing committed is lost, nothing half-stored";

  fs::remove(dir_ / "db" / "filler");
  clock_.advance(service::DatabaseKeeper::kRetry);
  auto recovered = monitor.pass();
  EXPECT_TRUE(recovered.failed_steps.empty()) << recovered.failed_steps[0];
  EXPECT_EQ(recovered.opened, 200) << "every peer's incident";
  monitor.pass();
  expect_each_failure_alerted_once(/*ended=*/true);
  EXPECT_EQ(count_rows(db_, "signals"), 401);
  EXPECT_EQ(count_kind("incident-opened"), 201u) << "each incident alerted once";
  expect_outbox_holds_what_was_delivered();
}

// A damaged page under the running monitor: the file is moved aside (named in the alert and in
// `status`), a new database is started, and the followed log is read again into it.
TEST_F(ResilienceTest, ADamagedDatabaseIsMovedAsideSaidWhereAndMonitoringGoesOn) {
  service::Monitor monitor(options(), clock_);
  ASSERT_TRUE(monitor.open().ok());
  append_session("08DC44A1B2C30001", "10.0.0.1", true);
  ASSERT_EQ(monitor.pass().opened, 1);
  damage_pages();

  append_session("08DC44A1B2C30002", "10.0.0.9", true);
  auto damaged = monitor.pass();
  ASSERT_FALSE(damaged.failed_steps.empty());
  std::vector<fs::path> aside;
  for (const auto& e : fs::directory_iterator(dir_ / "db"))
    if (const auto name = e.path().filename().string();
        name.starts_with("authwatch.db.corrupt-") && !name.ends_with("-wal") && !name.ends_with("-shm"))
      aside.push_back(e.path());
  ASSERT_EQ(aside.size(), 1u) << "the damaged file is kept, moved aside";
  EXPECT_EQ(count_alerts(service::kEventDatabaseReplaced), 1u);
  bool names_it = false;
  for (const auto& a : alerts()) names_it = names_it || a.value("message", "").find(aside[0].string()) != std::string::npos;
  EXPECT_TRUE(names_it) << "the alert says where the history went";

  auto rebuilt = monitor.pass();  // the followed log is read again from its start
  EXPECT_TRUE(rebuilt.failed_steps.empty()) << rebuilt.failed_steps[0];
  EXPECT_EQ(count_rows(db_, "signals"), 2) << "both sessions' evidence, from the log still on disk";
  EXPECT_EQ(count_rows(db_, "incidents"), 2);
  const auto status = status_json();
  EXPECT_NE(status["monitor"]["database_event"]["message"].get<std::string>().find(aside[0].string()), std::string::npos)
      << status["monitor"].dump(1);
}

// Damaged before the monitor starts: moved aside at open, and the monitor starts all the same.
TEST_F(ResilienceTest, ADatabaseDamagedBeforeTheStartIsMovedAsideAtOpen) {
  append_session("08DC44A1B2C30001", "10.0.0.1", true);
  {
    service::Monitor first(options(), clock_);
    ASSERT_TRUE(first.open().ok());
    ASSERT_EQ(first.pass().opened, 1);
  }
  damage_pages();
  service::Monitor monitor(options(), clock_);
  ASSERT_TRUE(monitor.open().ok()) << "a damaged database does not keep the monitor from starting";
  monitor.pass();  // when opening did not read a damaged page, the first pass does
  bool moved = false;
  for (const auto& e : fs::directory_iterator(dir_ / "db")) moved = moved || e.path().filename().string().starts_with("authwatch.db.corrupt-");
  EXPECT_TRUE(moved);
  auto pass = monitor.pass();
  EXPECT_TRUE(pass.failed_steps.empty()) << pass.failed_steps[0];
  EXPECT_EQ(count_rows(db_, "signals"), 1) << "the log read again into the new database";
  EXPECT_EQ(count_alerts(service::kEventDatabaseReplaced), 1u);
}

// A record the database refuses (here: a trigger another program left, RAISE(ABORT) for one
// session's events) is quarantined; the rest of the batch is stored and the position moves on.
TEST_F(ResilienceTest, ARecordThatCannotBeStoredIsQuarantinedShownByStatusAndAlertedOnce) {
  service::Monitor monitor(options(), clock_);
  ASSERT_TRUE(monitor.open().ok());
  monitor.pass();
  {
    SQLite::Database other(db_, SQLite::OPEN_READWRITE);
    other.exec(
        "CREATE TRIGGER refuse_one BEFORE INSERT ON events WHEN NEW.text LIKE '%08DC44A1B2C30002%' "
        "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END");
  }
  append_session("08DC44A1B2C30001", "10.0.0.1", true);
  append_session("08DC44A1B2C30002", "10.0.0.2", true);
  append_session("08DC44A1B2C30003", "10.0.0.3", true);
  auto pass = monitor.pass();
  EXPECT_TRUE(pass.failed_steps.empty()) << pass.failed_steps[0];
  EXPECT_GE(pass.quarantined, 1u);
  EXPECT_EQ(pass.opened, 2) << "the sessions before and after the refused record";
  EXPECT_EQ(count_alerts(service::kEventRecordsQuarantined), 1u);

  append_session("08DC44A1B2C30004", "10.0.0.4", true);
  auto next = monitor.pass();
  EXPECT_EQ(next.quarantined, 0u) << "the position moved past it: it is not met again";
  EXPECT_EQ(next.opened, 1);
  EXPECT_EQ(count_alerts(service::kEventRecordsQuarantined), 1u);

  const auto status = status_json();
  ASSERT_EQ(status["quarantine"]["count"], pass.quarantined) << status["quarantine"].dump(1);
  const auto& q = status["quarantine"]["records"][0];
  EXPECT_EQ(q["location"], log_.string());
  EXPECT_NE(q["error"].get<std::string>().find("refused for the test"), std::string::npos) << q.dump();
  EXPECT_NE(q["excerpt"].get<std::string>().find("08DC44A1B2C30002"), std::string::npos) << q.dump();
  EXPECT_EQ(q["count"], 1);

  std::vector<const char*> argv{"authwatch", "--db", db_.c_str(), "status"};
  std::ostringstream out, err;
  ASSERT_EQ(cli::run(static_cast<int>(argv.size()), argv.data(), out, err), 0) << err.str();
  app::init_logging(std::cerr, 1, false);
  EXPECT_NE(out.str().find("Quarantined records (could not be stored; the rest of their source was): " + std::to_string(pass.quarantined)),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("refused for the test"), std::string::npos) << out.str();
}

// Issue 12 part 7: the detector's session state is committed with the position. A session cut by
// a restart (here between its X-EXPS and its 454) resumes in the next process with its EHLO name,
// is signalled once, and its row goes when the session ends.
TEST_F(ResilienceTest, ASessionCutByARestartResumesWithItsPeerNameAndIsSignalledOnce) {
  const std::string t = format_iso8601(clock_.now()), prefix = t + ",EX2\\Default EX2,08DC44A1B2C30001,";
  const std::string ends = ",10.0.0.2:2525,10.0.0.1:41234,";
  auto append = [&](const std::string& text) { std::ofstream(log_, std::ios::binary | std::ios::app) << text; };
  append(prefix + "0" + ends + "+,,\r\n" + prefix + "1" + ends + "<,EHLO ex1.contoso.com,\r\n" + prefix + "2" + ends +
         "<,X-EXPS EXCHANGEAUTH SHA256 <authentication data>,\r\n");
  {
    service::Monitor first(options(), clock_);
    ASSERT_TRUE(first.open().ok());
    first.pass();
  }
  EXPECT_EQ(count_rows(db_, "detector_sessions"), 1) << "the open session is stored with the position";
  EXPECT_EQ(count_rows(db_, "signals"), 0);

  append(prefix + "3" + ends + "*,,Inbound ExchangeAuth negotiation failed because of IllegalMessage\r\n" + prefix + "4" + ends +
         ">,454 4.7.0 Temporary authentication failure,\r\n");
  {
    service::Monitor second(options(), clock_);
    ASSERT_TRUE(second.open().ok());
    EXPECT_EQ(second.pass().opened, 1);
  }
  append(prefix + "5" + ends + "-,,Local\r\n");
  service::Monitor third(options(), clock_);
  ASSERT_TRUE(third.open().ok());
  EXPECT_EQ(third.pass().opened, 0);
  EXPECT_EQ(count_rows(db_, "signals"), 1) << "signalled once across two restarts";
  SQLite::Database db(db_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT peer_name FROM signals").getString(), "ex1.contoso.com") << "the EHLO name read before the restart";
  EXPECT_EQ(count_rows(db_, "detector_sessions"), 0) << "an ended session leaves no row";

  // The same log scanned in one go stores exactly what the restarted monitors stored.
  const std::string reference = (dir_ / "reference.db").string();
  std::vector<const char*> argv{"authwatch", "--db", reference.c_str(), "--quiet", "scan", log_.c_str()};
  std::ostringstream out, err;
  ASSERT_EQ(cli::run(static_cast<int>(argv.size()), argv.data(), out, err), 0) << err.str();
  app::init_logging(std::cerr, 1, false);
  EXPECT_EQ(count_rows(reference, "events"), count_rows(db_, "events"));
  EXPECT_EQ(count_rows(reference, "signals"), 1);
}

}  // namespace

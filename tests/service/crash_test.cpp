// Crash consistency of the real authwatch-service: while a generator appends thousands of
// protocol-log sessions (in random-sized writes, across a file rollover), the service is killed
// with SIGKILL at random moments and restarted. At the end the database must hold everything an
// offline `authwatch scan` of the same files stores, nothing twice, and exactly its signals.
//
// The sets are equal, not just contained: the detector's sessions in progress (EHLO name, X-EXPS
// seen, the connector kind, the "already signalled" marks and the evidence lines) are committed
// with the position they belong to (detector_sessions, pipeline/ingest.cpp), so after a kill the
// restarted service resumes each session exactly where the stored position left it: a session
// cut by the kill is signalled once, with its peer's name, and stores no extra evidence line.
//
// One trial by default (ctest). AUTHWATCH_CRASH_TRIALS=N runs N trials in a row, each on fresh
// files and a fresh database, and reports the kills and any lost or duplicated record per trial:
// the 100-trial run is `bench/crash_trials.sh` (or `ctest -L long` in a build configured with
// -DAUTHWATCH_LONG_TESTS=ON); bench/README.md has its figures.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "core/time.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

pid_t spawn(const std::vector<std::string>& args) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    // Quiet: the service logs each pass at info level.
    freopen("/dev/null", "w", stderr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

std::string header(const std::string& date) {
  return "\xEF\xBB\xBF#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Receive Protocol Log\r\n#Date: " +
         date + "\r\n#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n";
}

// Session n: every third one fails Exchange authentication, the others succeed.
std::string session(int n, const std::string& time) {
  char id[17];
  std::snprintf(id, sizeof id, "08DC%012X", n);
  const std::string peer = "10.0." + std::to_string(n % 7) + ".1:" + std::to_string(40000 + n % 20000);
  const std::string p = time + ",EX2\\Default EX2," + id + ",";
  const std::string e = ",10.0.0.2:2525," + peer + ",";
  std::string s = p + "0" + e + "+,,\r\n" + p + "1" + e + "<,EHLO peer.contoso.com,\r\n" + p + "2" + e +
                  "<,X-EXPS EXCHANGEAUTH SHA256 <authentication data>,\r\n";
  if (n % 3 == 0)
    s += p + "3" + e + "*,,Inbound ExchangeAuth negotiation failed because of IllegalMessage\r\n" + p + "4" + e +
         ">,454 4.7.0 Temporary authentication failure,\r\n" + p + "5" + e + "-,,Local\r\n";
  else
    s += p + "3" + e + ">,235 <authentication response>,\r\n" + p + "4" + e + "-,,Remote(Close)\r\n";
  return s;
}

struct Counts {
  int64_t events = 0, signals = 0, distinct_event_keys = 0, reference_events_missing = 0;
};

Counts counts(const std::string& db_path) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  Counts c;
  c.events = db.execAndGet("SELECT count(*) FROM events").getInt64();
  c.distinct_event_keys = db.execAndGet("SELECT count(DISTINCT dedup_key) FROM events").getInt64();
  c.signals = db.execAndGet("SELECT count(*) FROM signals").getInt64();
  return c;
}

struct Trial {
  int kills = 0;
  int64_t missing = 0, extra = 0, duplicated = 0, missing_signals = 0, extra_signals = 0, different_signals = 0;
};

// One trial; records its figures in `t` (gtest failures say what went wrong).
void run_trial(int number, Trial& t) {
  SCOPED_TRACE("trial " + std::to_string(number));
  std::random_device rd;
  const fs::path dir = fs::temp_directory_path() / ("authwatch-crash-" + std::to_string(rd()));
  fs::create_directories(dir / "logs");
  const std::string db = (dir / "live.db").string();
  const std::vector<std::string> service{AUTHWATCH_SERVICE_BIN, "--db", db, "--protocol-log-dir", (dir / "logs").string(),
                                         "--no-probes", "--poll-ms", "20"};
  constexpr int kSessions = 3000;
  const std::string now = authwatch::format_iso8601(std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));

  // The generator: two files (the second after a "rollover" half-way), random-sized writes that
  // cut lines anywhere, as Exchange's asynchronous writer does.
  std::thread generator([&] {
    std::mt19937 rng(12345 + number);  // each trial cuts its writes elsewhere
    for (int file = 1; file <= 2; ++file) {
      std::string text = header(now);
      for (int n = (file - 1) * kSessions / 2; n < file * kSessions / 2; ++n) text += session(n, now);
      std::ofstream out(dir / "logs" / ("RECV2026112816-" + std::to_string(file) + ".LOG"), std::ios::binary);
      for (size_t at = 0; at < text.size();) {
        const size_t chunk = std::min<size_t>(text.size() - at, 1 + rng() % 4000);
        out.write(text.data() + at, static_cast<std::streamsize>(chunk));
        out.flush();
        at += chunk;
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 8000));  // ~3 s in all: kills land mid-write
      }
    }
  });

  // The kills: every 50-200 ms, for longer than the generator writes. Wall time is this test's
  // subject, not a wait for a result: a real authwatch-service is killed at random real moments
  // while a real writer appends, so no clock can be injected here (the waits stay under 200 ms).
  std::mt19937 rng(rd());
  int& kills = t.kills;
  pid_t pid = spawn(service);
  const auto until = std::chrono::steady_clock::now() + 6s;
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 150));
    kill(pid, SIGKILL);
    wait_exit(pid);
    ++kills;
    pid = spawn(service);
  }
  generator.join();

  // The reference: an offline scan of the finished files into a fresh database.
  const std::string reference = (dir / "reference.db").string();
  const std::string scan = std::string(AUTHWATCH_BIN) + " --db " + reference + " --quiet scan " + (dir / "logs").string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(scan.c_str()), 0);
  const Counts expected = counts(reference);
  // The last instance catches up: polled every 100 ms until it holds as many events as the
  // reference (or, failing that, for at most a minute of a busy machine), then stopped cleanly.
  for (int i = 0; i < 600; ++i) {
    try {
      if (counts(db).events >= expected.events) break;
    } catch (const std::exception&) {  // not created yet, or busy: poll again
    }
    std::this_thread::sleep_for(100ms);
  }
  kill(pid, SIGTERM);
  const int status = wait_exit(pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "SIGTERM is a clean stop, status " << status;
  EXPECT_GE(kills, 10);
  const Counts live = counts(db);
  EXPECT_EQ(expected.signals, kSessions / 3) << "one signal per failing session";
  SQLite::Database both(db, SQLite::OPEN_READONLY);
  both.exec("ATTACH DATABASE '" + reference + "' AS reference");
  const int64_t missing = t.missing =
      both.execAndGet("SELECT count(*) FROM reference.events WHERE dedup_key NOT IN (SELECT dedup_key FROM main.events)").getInt64();
  const int64_t missing_signals = t.missing_signals =
      both.execAndGet("SELECT count(*) FROM reference.signals WHERE dedup_key NOT IN (SELECT dedup_key FROM main.signals)").getInt64();
  const int64_t extra = t.extra =
      both.execAndGet("SELECT count(*) FROM main.events WHERE dedup_key NOT IN (SELECT dedup_key FROM reference.events)").getInt64();
  // The signals say the same as the uninterrupted scan's: the peer's EHLO name survives the kill.
  const int64_t different_signals = t.different_signals = both.execAndGet(
      "SELECT count(*) FROM main.signals m JOIN reference.signals r ON m.dedup_key = r.dedup_key "
      "WHERE m.peer_ip != r.peer_ip OR m.peer_name != r.peer_name OR m.status != r.status").getInt64();
  EXPECT_EQ(missing, 0) << "events the offline scan stores but the killed service lost, after " << kills << " kills";
  EXPECT_EQ(extra, 0) << "events the killed service stored but an uninterrupted read would not";
  EXPECT_EQ(missing_signals, 0);
  EXPECT_EQ(different_signals, 0);
  EXPECT_EQ(live.distinct_event_keys, live.events) << "nothing stored twice";
  EXPECT_EQ(live.events, expected.events);
  EXPECT_EQ(live.signals, expected.signals) << "every failing session signalled exactly once";
  t.duplicated = live.events - live.distinct_event_keys;
  t.extra_signals = live.signals - expected.signals + missing_signals;
  if (!::testing::Test::HasFailure()) fs::remove_all(dir);  // kept for a look when the test failed
  else ADD_FAILURE() << "files kept in " << dir;
}

}  // namespace

TEST(ServiceCrash, KilledAtRandomMomentsItLosesNothingAndStoresNothingTwice) {
  const char* env = std::getenv("AUTHWATCH_CRASH_TRIALS");
  const int trials = env ? std::max(1, std::atoi(env)) : 1;
  Trial total;
  int failed = 0;
  for (int n = 1; n <= trials; ++n) {
    Trial t;
    const bool before = HasFailure();
    run_trial(n, t);
    const bool bad = t.missing || t.extra || t.duplicated || t.missing_signals || t.extra_signals || t.different_signals ||
                     (!before && HasFailure());
    failed += bad;
    total.kills += t.kills;
    total.missing += t.missing;
    total.extra += t.extra;
    total.duplicated += t.duplicated;
    total.missing_signals += t.missing_signals;
    total.extra_signals += t.extra_signals;
    total.different_signals += t.different_signals;
    if (trials > 1)
      std::printf("trial %d/%d: %d kills, %lld lost, %lld extra, %lld duplicated events; %lld lost, %lld extra, %lld different signals%s\n",
                  n, trials, t.kills, static_cast<long long>(t.missing), static_cast<long long>(t.extra),
                  static_cast<long long>(t.duplicated), static_cast<long long>(t.missing_signals),
                  static_cast<long long>(t.extra_signals), static_cast<long long>(t.different_signals), bad ? "  FAILED" : "");
  }
  std::printf("%d trial(s), %d kills in all: %lld lost, %lld extra, %lld duplicated events; %lld lost, %lld extra, %lld different signals; %d trial(s) failed\n",
              trials, total.kills, static_cast<long long>(total.missing), static_cast<long long>(total.extra),
              static_cast<long long>(total.duplicated), static_cast<long long>(total.missing_signals),
              static_cast<long long>(total.extra_signals), static_cast<long long>(total.different_signals), failed);
  RecordProperty("trials", trials);
  RecordProperty("kills", total.kills);
  EXPECT_EQ(failed, 0);
}

#include "core/config.hpp"

#include <gtest/gtest.h>

using namespace authwatch;
using namespace std::chrono;

TEST(Config, EmptyObjectGivesTheDefaults) {
  auto p = parse_config("{}");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.config.incidents.quiet_period, minutes{30});
  EXPECT_EQ(p.config.incidents.diagnose_cooldown, minutes{10});
  EXPECT_EQ(p.config.database.retention_days, 90);
}

TEST(Config, ValuesAreApplied) {
  auto p = parse_config(R"({"incidents": {"quiet_period_minutes": 45, "diagnose_cooldown_minutes": 5},
                            "database": {"path": "/var/lib/authwatch/a.db", "retention_days": 30},
                            "logging": {"level": "debug"}})");
  ASSERT_TRUE(p.ok()) << p.problems[0].message();
  EXPECT_EQ(p.config.incidents.quiet_period, minutes{45});
  EXPECT_EQ(p.config.incidents.diagnose_cooldown, minutes{5});
  EXPECT_EQ(p.config.database.path, "/var/lib/authwatch/a.db");
  EXPECT_EQ(p.config.database.retention_days, 30);
  EXPECT_EQ(p.config.logging.level, "debug");
}

TEST(Config, ErrorsNameTheKeyAndTheProblem) {
  auto p = parse_config(R"({"incidents": {"quiet_period_minutes": "thirty", "quiet_minutes": 5},
                            "databse": {}, "logging": {"level": "loud"}})");
  ASSERT_EQ(p.problems.size(), 4u);
  std::vector<std::string> messages;
  for (const auto& pr : p.problems) messages.push_back(pr.message());
  auto has = [&](const std::string& needle) {
    return std::any_of(messages.begin(), messages.end(), [&](const std::string& m) { return m.find(needle) != std::string::npos; });
  };
  EXPECT_TRUE(has("incidents.quiet_period_minutes: must be an integer number of minutes"));
  EXPECT_TRUE(has("\"thirty\""));
  EXPECT_TRUE(has("incidents.quiet_minutes: unknown key"));
  EXPECT_TRUE(has("databse: unknown key"));
  EXPECT_TRUE(has("logging.level: must be one of"));
  EXPECT_EQ(p.config.incidents.quiet_period, minutes{30}) << "a bad value keeps the default";
}

TEST(Config, InvalidJsonAndWrongShapesAreReported) {
  auto bad = parse_config("{\"incidents\": ", "/etc/authwatch.json");
  ASSERT_EQ(bad.problems.size(), 1u);
  EXPECT_EQ(bad.problems[0].key, "/etc/authwatch.json");
  EXPECT_NE(bad.problems[0].problem.find("not valid JSON"), std::string::npos);
  EXPECT_FALSE(parse_config("[1,2]").ok());
  EXPECT_FALSE(parse_config(R"({"incidents": 5})").ok());
  EXPECT_FALSE(parse_config(R"({"incidents": {"quiet_period_minutes": 0}})").ok());
}

// Found by fuzz_config (tests/data/fuzz-regressions/config/): nlohmann throws out_of_range, not
// parse_error, for 1e400; it escaped parse_config. It is a problem of the file now.
TEST(Config, ANumberBeyondADoubleIsAProblemNotAnException) {
  ConfigParse p;
  ASSERT_NO_THROW(p = parse_config(R"({"database": {"retention_days": 1e400}})", "/etc/authwatch.json"));
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_EQ(p.problems[0].key, "/etc/authwatch.json");
  EXPECT_NE(p.problems[0].problem.find("number overflow parsing '1e400'"), std::string::npos) << p.problems[0].problem;
}

// The issue's deep nesting: the problem message shows the value (nlohmann's dump, one recursion
// per level), so a deep enough file overflowed the stack. Nesting is refused while parsing.
TEST(Config, NestingDeeperThan64LevelsIsAProblemNotAStackOverflow) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  ConfigParse p;
  ASSERT_NO_THROW(p = parse_config(deep));
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_NE(p.problems[0].problem.find("nested deeper than 64 levels"), std::string::npos) << p.problems[0].problem;
  ASSERT_NO_THROW(p = parse_config(R"({"monitor": {"dcs": )" + deep + "}}"));
  EXPECT_FALSE(p.ok());
  auto levels = [](int arrays) { return R"({"x": )" + std::string(arrays, '[') + std::string(arrays, ']') + "}"; };
  p = parse_config(levels(63));
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_EQ(p.problems[0].key, "x") << "64 levels (the object and 63 arrays) are read; the key is unknown";
  p = parse_config(levels(64));
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_NE(p.problems[0].problem.find("nested deeper than 64 levels"), std::string::npos) << "65 are not";
}

// Seen while fixing the /Date() overflow (core/time.cpp): a duration too long for a TimePoint
// overflowed while being read (undefined behaviour); fuzz/dict/config.dict carries such a value.
TEST(Config, ADurationBeyondATimePointIsAProblem) {
  auto p = parse_config(R"({"incidents": {"quiet_period": "9223372036854775807d"}})");
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_EQ(p.problems[0].key, "incidents.quiet_period");
}

// Found by fuzz_config (tests/data/fuzz-regressions/config/): a key named "" gave a problem
// with a blank key (printed as "/etc/authwatch.json: : unknown key").
TEST(Config, AnEmptyKeyIsNamedAsQuotes) {
  auto p = parse_config(R"({"": 1, "database": {"": 2}})");
  ASSERT_EQ(p.problems.size(), 2u);
  EXPECT_EQ(p.problems[0].message(), "\"\": unknown key");
  EXPECT_EQ(p.problems[1].message(), "database.\"\": unknown key");
}

TEST(Config, DefaultsDocumentRoundTrips) {
  auto p = parse_config(default_config_json());
  EXPECT_TRUE(p.ok());
  EXPECT_EQ(p.config.incidents.quiet_period, minutes{30});
}

TEST(Config, TheLiveEventLogIsOnByDefaultOnlyOnWindowsAndCanBeTurnedOff) {
#ifdef _WIN32
  EXPECT_TRUE(Config{}.monitor.event_log);
#else
  EXPECT_FALSE(Config{}.monitor.event_log) << "Linux has no event log to read: exported files go to a drop folder";
#endif
  auto off = parse_config(R"({"monitor": {"event_log": false}})");
  ASSERT_TRUE(off.ok()) << off.problems[0].message();
  EXPECT_FALSE(off.config.monitor.event_log);
  auto bad = parse_config(R"({"monitor": {"event_log": "yes"}})");
  ASSERT_EQ(bad.problems.size(), 1u);
  EXPECT_NE(bad.problems[0].message().find("monitor.event_log: must be true or false"), std::string::npos) << bad.problems[0].message();
}

TEST(Config, ProbeDeadlineAndSlowRetry) {
  EXPECT_EQ(Config{}.probes.deadline_ms, 3000);
  EXPECT_EQ(Config{}.probes.slow_retry_ms, 10000);
  auto p = parse_config(R"({"probes": {"deadline_ms": 2000, "slow_retry_ms": 0}})");
  ASSERT_TRUE(p.ok()) << p.problems[0].message();
  EXPECT_EQ(p.config.probes.deadline_ms, 2000);
  EXPECT_EQ(p.config.probes.slow_retry_ms, 0) << "0 turns the retry off";
  auto bad = parse_config(R"({"probes": {"deadline_ms": 50, "slow_retry_ms": "10s", "retry": 1}})");
  ASSERT_EQ(bad.problems.size(), 3u);
  std::vector<std::string> messages;
  for (const auto& pr : bad.problems) messages.push_back(pr.message());
  auto has = [&](const std::string& needle) {
    return std::any_of(messages.begin(), messages.end(), [&](const std::string& m) { return m.find(needle) != std::string::npos; });
  };
  EXPECT_TRUE(has("probes.deadline_ms: must be an integer number of milliseconds from 100 to 60000, got 50"));
  EXPECT_TRUE(has("probes.slow_retry_ms: must be an integer number of milliseconds from 0 to 120000, got \"10s\""));
  EXPECT_TRUE(has("probes.retry: unknown key"));
  EXPECT_EQ(bad.config.probes.deadline_ms, 3000) << "a bad value keeps the default";
  // The defaults document carries them.
  EXPECT_NE(default_config_json().find("\"slow_retry_ms\": 10000"), std::string::npos);
}

TEST(Config, LimitsHaveDocumentedDefaultsAndAreChecked) {
  auto defaults = parse_config("{}").config.limits;
  EXPECT_EQ(defaults.command_stdout_bytes, 64u << 20);
  EXPECT_EQ(defaults.command_stderr_bytes, 1u << 20);
  EXPECT_EQ(defaults.line_bytes, 1u << 20);
  EXPECT_EQ(defaults.bad_records_kept, 100u);
  auto p = parse_config(R"({"limits": {"command_stdout_bytes": 65536, "command_stderr_bytes": 8192, "line_bytes": 4096, "bad_records_kept": 3}})");
  ASSERT_TRUE(p.ok()) << p.problems[0].message();
  EXPECT_EQ(p.config.limits.command_stdout_bytes, 65536u);
  EXPECT_EQ(p.config.limits.command_stderr_bytes, 8192u);
  EXPECT_EQ(p.config.limits.line_bytes, 4096u);
  EXPECT_EQ(p.config.limits.bad_records_kept, 3u);
  auto bad = parse_config(R"({"limits": {"line_bytes": -1, "command_stdout_bytes": 10, "bad_records_kept": "all"}})");
  ASSERT_EQ(bad.problems.size(), 3u);
  for (const auto& problem : bad.problems) EXPECT_NE(problem.problem.find("must be an integer number of"), std::string::npos) << problem.message();
  EXPECT_EQ(parse_config(default_config_json()).config.limits.line_bytes, 1u << 20);
}

TEST(Config, TheSafetyPollIsFiveSecondsByDefaultAndADurationOfOneSecondToOneHour) {
  EXPECT_EQ(Config{}.monitor.safety_poll, seconds{5});
  auto set = parse_config(R"({"monitor": {"safety_poll": "30s", "poll_ms": 100}})");
  ASSERT_TRUE(set.ok()) << set.problems[0].message();
  EXPECT_EQ(set.config.monitor.safety_poll, seconds{30});
  EXPECT_EQ(set.config.monitor.poll_ms, 100) << "the poll of sources nothing notifies stays its own setting";
  for (const char* bad : {R"({"monitor": {"safety_poll": "0s"}})", R"({"monitor": {"safety_poll": "2h"}})",
                          R"({"monitor": {"safety_poll": 5}})"}) {
    auto p = parse_config(bad);
    ASSERT_EQ(p.problems.size(), 1u) << bad;
    EXPECT_EQ(p.problems[0].key, "monitor.safety_poll") << bad;
    EXPECT_EQ(p.config.monitor.safety_poll, seconds{5}) << "a bad value keeps the default";
  }
  auto round_trip = parse_config(default_config_json());
  ASSERT_TRUE(round_trip.ok());
  EXPECT_EQ(round_trip.config.monitor.safety_poll, seconds{5});
}

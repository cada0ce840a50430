// Maintenance windows (core/maintenance) and the monitor's config sections (core/config).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/config.hpp"
#include "core/maintenance.hpp"
#include "tests/core/scenario_time.hpp"

using namespace authwatch;
using authwatch::test::at;
using ::testing::HasSubstr;

namespace {

bool held(const char* window, const char* when) {
  auto w = parse_maintenance_window(window);
  EXPECT_TRUE(w.ok()) << window << ": " << (w.ok() ? "" : w.error());
  return w.ok() && active_maintenance_window({w.value()}, at(when)) != nullptr;
}

TEST(Maintenance, AOneOffSpanIncludesItsStartAndExcludesItsEnd) {
  const char* span = "2026-12-05T22:00:00Z/2026-12-06T02:00:00Z";
  EXPECT_FALSE(held(span, "2026-12-05T21:59:59Z"));
  EXPECT_TRUE(held(span, "2026-12-05T22:00:00Z"));
  EXPECT_TRUE(held(span, "2026-12-06T01:59:59Z"));
  EXPECT_FALSE(held(span, "2026-12-06T02:00:00Z"));
}

TEST(Maintenance, AWeeklyWindowAcrossMidnightBelongsToTheDayItStarts) {
  // 2026-12-05 is a Saturday.
  EXPECT_TRUE(held("Sat 22:00-02:00", "2026-12-05T23:30:00Z"));
  EXPECT_TRUE(held("Sat 22:00-02:00", "2026-12-06T01:30:00Z")) << "Sunday morning, started Saturday";
  EXPECT_FALSE(held("Sat 22:00-02:00", "2026-12-06T22:30:00Z")) << "Sunday evening is not Saturday's";
  EXPECT_FALSE(held("Sat 22:00-02:00", "2026-12-05T01:30:00Z")) << "Saturday morning belongs to Friday";
  EXPECT_TRUE(held("Mon-Fri 12:00-12:30", "2026-12-07T12:10:00Z"));
  EXPECT_FALSE(held("Mon-Fri 12:00-12:30", "2026-12-05T12:10:00Z"));
  EXPECT_TRUE(held("Fri-Mon 00:00-24:00", "2026-12-06T12:00:00Z")) << "a range that wraps the week";
  EXPECT_FALSE(held("Fri-Mon 00:00-24:00", "2026-12-09T12:00:00Z"));
  EXPECT_TRUE(held("daily 03:00-03:30", "2026-12-09T03:29:59Z"));
  EXPECT_TRUE(held("Sat,Sun 06:00-07:00", "2026-12-06T06:30:00Z"));
}

TEST(Maintenance, ABadWindowSaysWhatIsWrong) {
  EXPECT_THAT(parse_maintenance_window("Sat 25:00-02:00").error(), HasSubstr("HH:MM"));
  EXPECT_THAT(parse_maintenance_window("Caturday 22:00-02:00").error(), HasSubstr("DAYS HH:MM-HH:MM"));
  EXPECT_THAT(parse_maintenance_window("2026-12-06T02:00:00Z/2026-12-05T22:00:00Z").error(), HasSubstr("ends before it starts"));
  EXPECT_THAT(parse_maintenance_window("Sat 22:00-22:00").error(), HasSubstr("empty"));
}

// Found by fuzz_time (tests/data/fuzz-regressions/time/): the clock was read with from_chars,
// which takes a sign, so "--2:30" made a window that ended at minute -150 of the day.
TEST(Maintenance, ATimeOfDayIsDigitsOnly) {
  EXPECT_THAT(parse_maintenance_window("Mon-Fri 12:30--2:30").error(), HasSubstr("HH:MM"));
  EXPECT_THAT(parse_maintenance_window("daily 01:00-02:-5").error(), HasSubstr("HH:MM"));
  EXPECT_THAT(parse_maintenance_window("daily 01:00-+2:00").error(), HasSubstr("HH:MM"));
  EXPECT_THAT(parse_maintenance_window("daily 0x:00-02:00").error(), HasSubstr("HH:MM"));
  auto ok = parse_maintenance_window("daily 01:00-24:00");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok.value().from_minute, 60);
  EXPECT_EQ(ok.value().to_minute, 24 * 60);
}

TEST(MonitorConfig, TheServiceSectionsAreReadAndCheckedByKey) {
  auto p = parse_config(R"({
    "incidents": {"quiet_period": "90s", "diagnose_cooldown": "2m"},
    "monitor": {"protocol_log_dirs": ["/mnt/ex2/SmtpReceive"], "drop_dirs": ["/var/spool/authwatch"], "alerts_jsonl": "-",
                "syslog": true, "poll_ms": 100, "dcs": ["dc1.contoso.com"], "realm": "CONTOSO.COM"},
    "queue": {"enabled": true, "command": ["pwsh", "-File", "/etc/authwatch/get-queue.ps1"], "interval": "1m", "timeout": "20s"},
    "maintenance": {"windows": ["Sat 22:00-02:00"], "offline_state_command": ["pwsh", "-File", "state.ps1"], "check_interval": "30s"}
  })");
  ASSERT_TRUE(p.ok()) << p.problems.front().message();
  EXPECT_EQ(p.config.incidents.quiet_period, std::chrono::seconds{90});
  EXPECT_EQ(p.config.incidents.diagnose_cooldown, std::chrono::seconds{120});
  EXPECT_EQ(p.config.monitor.protocol_log_dirs, std::vector<std::string>{"/mnt/ex2/SmtpReceive"});
  EXPECT_EQ(p.config.monitor.poll_ms, 100);
  EXPECT_TRUE(p.config.queue.enabled);
  EXPECT_EQ(p.config.queue.command.front(), "pwsh");
  EXPECT_EQ(p.config.queue.interval, std::chrono::seconds{60});
  ASSERT_EQ(p.config.maintenance.windows.size(), 1u);
  EXPECT_EQ(p.config.maintenance.windows[0].text, "Sat 22:00-02:00");

  auto bad = parse_config(R"({"queue": {"command": "pwsh -File x.ps1", "interval": "often"}, "maintenance": {"windows": ["Sat 9-5"]}})");
  ASSERT_EQ(bad.problems.size(), 3u);
  for (const auto& problem : bad.problems) EXPECT_THAT(problem.key, ::testing::AnyOf("queue.command", "queue.interval", "maintenance.windows"));
}

TEST(MonitorConfig, TheDefaultQueueCommandIsExchangesRemotePowerShellGetQueueAsJson) {
  const auto command = Config::default_queue_command();
  ASSERT_EQ(command.size(), 5u);
  EXPECT_EQ(command[0], "powershell.exe");
  EXPECT_THAT(command[4], HasSubstr("-ConfigurationName Microsoft.Exchange"));
  EXPECT_THAT(command[4], HasSubstr("Get-Queue"));
  EXPECT_THAT(command[4], HasSubstr("ConvertTo-Json -Compress"));
  EXPECT_THAT(command[4], HasSubstr("ToUniversalTime().ToString('o')"));
  EXPECT_TRUE(parse_config(default_config_json()).ok());
}

}  // namespace

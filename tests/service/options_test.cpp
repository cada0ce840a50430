// authwatch-service's options (service/options.hpp): the command line over the config file over
// the defaults, the database rule shared with `authwatch` (app/paths.hpp), and every way of
// refusing to start named with its exit code.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "service/options.hpp"
#include "tests/sources/temp_dir.hpp"

using namespace authwatch;
namespace fs = std::filesystem;

namespace {

class ServiceOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    inputs_.environment = [this](const char* name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    };
    inputs_.host = [this] {
      ++host_lookups_;
      return service::HostIdentity{"mbx1.contoso.test", {"192.0.2.10", "2001:db8::10"}};
    };
    inputs_.version = "9.8.7";
  }
  std::string write_config(const std::string& text) {
    return dir_.write("authwatch.json", text);
  }
  std::variant<service::ServiceOptions, service::OptionsExit> resolve(std::vector<std::string> args) {
    args.insert(args.begin(), "authwatch-service");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    return service::resolve_options(static_cast<int>(argv.size()), argv.data(), inputs_);
  }
  service::ServiceOptions resolved(std::vector<std::string> args) {
    auto r = resolve(std::move(args));
    if (auto* exit = std::get_if<service::OptionsExit>(&r)) {
      ADD_FAILURE() << "refused (" << exit->exit_code << "): " << exit->err;
      return {};
    }
    return std::get<service::ServiceOptions>(r);
  }
  service::OptionsExit refused(std::vector<std::string> args) {
    auto r = resolve(std::move(args));
    if (auto* exit = std::get_if<service::OptionsExit>(&r)) return *exit;
    ADD_FAILURE() << "resolved, but should have been refused";
    return {};
  }

  authwatch::testing::TempDir dir_;
  std::map<std::string, std::string> env_;
  int host_lookups_ = 0;
  service::OptionsInputs inputs_;
};

TEST_F(ServiceOptions, FlagsAloneGiveTheMonitorItsOptions) {
  auto o = resolved({"--protocol-log-dir", "/logs/send", "--protocol-log-dir", "/logs/receive", "--drop-dir", "/drop", "--alerts-jsonl",
                     "-", "--dc", "dc1.contoso.test", "--realm", "CONTOSO.TEST", "--domain", "contoso.test", "--no-probes",
                     "--poll-ms", "100", "--metrics-listen", "9464", "-vv"});
  EXPECT_EQ(o.action, service::ServiceAction::Run);
  EXPECT_EQ(o.monitor.protocol_log_dirs, (std::vector<std::string>{"/logs/send", "/logs/receive"}));
  EXPECT_EQ(o.monitor.drop_dirs, std::vector<std::string>{"/drop"});
  EXPECT_EQ(o.monitor.alerts_jsonl, "-");
  EXPECT_EQ(o.monitor.targets.dcs, std::vector<std::string>{"dc1.contoso.test"});
  EXPECT_EQ(o.monitor.targets.realm, "CONTOSO.TEST");
  EXPECT_EQ(o.monitor.targets.domain, "contoso.test");
  EXPECT_FALSE(o.monitor.probes);
  EXPECT_EQ(o.monitor.poll, std::chrono::milliseconds(100));
  EXPECT_EQ(o.monitor.metrics_listen, "9464");
  EXPECT_EQ(o.monitor.version, "9.8.7");
  EXPECT_EQ(o.verbosity, 2);
  // Nothing names the observer: this host, detected, with its addresses.
  EXPECT_EQ(o.monitor.observer, "mbx1.contoso.test");
  EXPECT_EQ(o.monitor.observer_addresses, (std::vector<std::string>{"192.0.2.10", "2001:db8::10"}));
  EXPECT_EQ(host_lookups_, 1);
}

TEST_F(ServiceOptions, TheServiceLogsAtLeastInfo) {
  EXPECT_EQ(resolved({"--drop-dir", "/drop"}).verbosity, 1);
  EXPECT_EQ(resolved({"--drop-dir", "/drop", "-v"}).verbosity, 1);
}

TEST_F(ServiceOptions, TheConfigFileGivesWhatTheFlagsDoNot) {
  const auto config = write_config(R"({
    "monitor": {"protocol_log_dirs": ["/cfg/logs"], "drop_dirs": ["/cfg/drop"], "alerts_jsonl": "/cfg/alerts.jsonl",
                "dcs": ["dc9.contoso.test"], "realm": "CFG.TEST", "domain": "cfg.test", "observer": "mbx-cfg.contoso.test",
                "poll_ms": 500, "syslog": true, "metrics_listen": "127.0.0.1:9000"},
    "incidents": {"quiet_period_minutes": 45}})");
  auto o = resolved({"--config", config});
  EXPECT_EQ(o.monitor.protocol_log_dirs, std::vector<std::string>{"/cfg/logs"});
  EXPECT_EQ(o.monitor.drop_dirs, std::vector<std::string>{"/cfg/drop"});
  EXPECT_EQ(o.monitor.alerts_jsonl, "/cfg/alerts.jsonl");
  EXPECT_EQ(o.monitor.targets.dcs, std::vector<std::string>{"dc9.contoso.test"});
  EXPECT_EQ(o.monitor.targets.realm, "CFG.TEST");
  EXPECT_EQ(o.monitor.targets.domain, "cfg.test");
  EXPECT_EQ(o.monitor.observer, "mbx-cfg.contoso.test");
  EXPECT_EQ(o.monitor.poll, std::chrono::milliseconds(500));
  EXPECT_TRUE(o.monitor.syslog);
  EXPECT_EQ(o.monitor.metrics_listen, "127.0.0.1:9000");
  EXPECT_EQ(o.monitor.config.incidents.quiet_period, std::chrono::minutes(45));
}

TEST_F(ServiceOptions, FlagsOverrideTheConfigFile) {
  const auto config = write_config(R"({
    "monitor": {"protocol_log_dirs": ["/cfg/logs"], "alerts_jsonl": "/cfg/alerts.jsonl", "observer": "mbx-cfg.contoso.test",
                "realm": "CFG.TEST", "poll_ms": 500},
    "incidents": {"quiet_period_minutes": 45, "diagnose_cooldown_minutes": 10}})");
  auto o = resolved({"--config", config, "--protocol-log-dir", "/flag/logs", "--alerts-jsonl", "/flag/alerts.jsonl", "--observer",
                     "mbx-flag.contoso.test", "--realm", "FLAG.TEST", "--poll-ms", "50", "--quiet-period", "90s",
                     "--diagnose-cooldown", "2m", "--queue-interval", "1h"});
  EXPECT_EQ(o.monitor.protocol_log_dirs, std::vector<std::string>{"/flag/logs"});
  EXPECT_EQ(o.monitor.alerts_jsonl, "/flag/alerts.jsonl");
  EXPECT_EQ(o.monitor.observer, "mbx-flag.contoso.test");
  EXPECT_EQ(o.monitor.targets.realm, "FLAG.TEST");
  EXPECT_EQ(o.monitor.poll, std::chrono::milliseconds(50));
  EXPECT_EQ(o.monitor.config.incidents.quiet_period, std::chrono::seconds(90));
  EXPECT_EQ(o.monitor.config.incidents.diagnose_cooldown, std::chrono::minutes(2));
  EXPECT_EQ(o.monitor.config.queue.interval, std::chrono::hours(1));
  // Still the host's addresses: the observer's name came from the flag, its addresses are detected.
  EXPECT_EQ(o.monitor.observer_addresses.size(), 2u);
}

TEST_F(ServiceOptions, AQueueCommandRunsThroughTheShellAndEnablesQueuePolling) {
  auto o = resolved({"--queue-command", "Get-Queue | ConvertTo-Json"});
  EXPECT_TRUE(o.monitor.config.queue.enabled);
#ifdef _WIN32
  EXPECT_EQ(o.monitor.config.queue.command, (std::vector<std::string>{"cmd.exe", "/d", "/c", "Get-Queue | ConvertTo-Json"}));
#else
  EXPECT_EQ(o.monitor.config.queue.command, (std::vector<std::string>{"/bin/sh", "-c", "Get-Queue | ConvertTo-Json"}));
#endif
}

TEST_F(ServiceOptions, MaintenanceWindowsAreAddedToTheConfigs) {
  auto o = resolved({"--drop-dir", "/drop", "--maintenance-window", "Sat 22:00-02:00", "--maintenance-window", "Sun 01:00-03:00"});
  EXPECT_EQ(o.monitor.config.maintenance.windows.size(), 2u);
}

// The database: --db, else database.path, else $AUTHWATCH_DB when set and not empty, else
// the platform's place; the same rule as `authwatch` (tests/app/paths_test.cpp).
TEST_F(ServiceOptions, TheDatabaseFlagWins) {
  env_["AUTHWATCH_DB"] = "/env/aw.db";
  const auto config = write_config(R"({"database": {"path": "/cfg/aw.db"}})");
  auto o = resolved({"--config", config, "--db", "/flag/aw.db", "--drop-dir", "/drop"});
  EXPECT_EQ(o.monitor.database, "/flag/aw.db");
  EXPECT_FALSE(o.database_is_default);
}

TEST_F(ServiceOptions, TheConfigsDatabaseWinsOverTheEnvironment) {
  env_["AUTHWATCH_DB"] = "/env/aw.db";
  const auto config = write_config(R"({"database": {"path": "/cfg/aw.db"}})");
  auto o = resolved({"--config", config, "--drop-dir", "/drop"});
  EXPECT_EQ(o.monitor.database, "/cfg/aw.db");
  EXPECT_FALSE(o.database_is_default);
}

TEST_F(ServiceOptions, AuthwatchDbNamesTheDatabaseWhenNothingElseDoes) {
  env_["AUTHWATCH_DB"] = "/env/aw.db";
  auto o = resolved({"--drop-dir", "/drop"});
  EXPECT_EQ(o.monitor.database, "/env/aw.db");
  EXPECT_TRUE(o.database_is_default);
}

TEST_F(ServiceOptions, AnEmptyAuthwatchDbCountsAsUnset) {
  // Before issue 13 the service opened a database named "" here while the CLI used the default.
  env_["AUTHWATCH_DB"] = "";
  auto o = resolved({"--drop-dir", "/drop"});
  EXPECT_EQ(o.monitor.database, app::platform_database_path());
  EXPECT_FALSE(o.monitor.database.empty());
  EXPECT_TRUE(o.database_is_default);
}

TEST_F(ServiceOptions, NothingToWatchIsAUsageError) {
  // queue.enabled defaults to true on Windows (the service takes Get-Queue snapshots there).
  const auto config = write_config(R"({"queue": {"enabled": false}})");
  auto exit = refused({"--config", config, "--db", "/tmp/aw.db"});
  EXPECT_EQ(exit.exit_code, 2);
  EXPECT_EQ(exit.err.rfind("authwatch-service: nothing to watch: give --protocol-log-dir, --drop-dir or --queue-command", 0), 0u) << exit.err;
}

TEST_F(ServiceOptions, AConfigWithProblemsIsRefusedNamingTheFileAndEachKey) {
  const auto config = write_config(R"({"incidents": {"quiet_period_minutes": "soon"}, "monitor": {"poll_ms": "fast"}})");
  auto exit = refused({"--config", config, "--drop-dir", "/drop"});
  EXPECT_EQ(exit.exit_code, 1);
  EXPECT_NE(exit.err.find("authwatch-service: " + config + ": incidents.quiet_period_minutes: "), std::string::npos) << exit.err;
  EXPECT_NE(exit.err.find("authwatch-service: " + config + ": monitor.poll_ms: "), std::string::npos) << exit.err;
  EXPECT_EQ(host_lookups_, 0);  // nothing else was looked at
}

TEST_F(ServiceOptions, AConfigThatCannotBeReadIsRefused) {
  auto exit = refused({"--config", dir_.file("missing.json"), "--drop-dir", "/drop"});
  EXPECT_EQ(exit.exit_code, 1);
  EXPECT_EQ(exit.err.rfind("authwatch-service: the config file: ", 0), 0u) << exit.err;
  EXPECT_NE(exit.err.find("missing.json"), std::string::npos) << exit.err;
}

#ifndef _WIN32
TEST_F(ServiceOptions, AConfigOthersMayChangeIsRefused) {
  // The default reader is read_trusted_file: the config names commands the service runs.
  const auto config = write_config(R"({"monitor": {"drop_dirs": ["/drop"]}})");
  fs::permissions(config, fs::perms::others_write, fs::perm_options::add);
  auto exit = refused({"--config", config});
  EXPECT_EQ(exit.exit_code, 1);
  EXPECT_EQ(exit.err.rfind("authwatch-service: the config file: ", 0), 0u) << exit.err;
  // The same file, no longer writable by others, is taken.
  fs::permissions(config, fs::perms::others_write, fs::perm_options::remove);
  EXPECT_EQ(resolved({"--config", config}).monitor.drop_dirs, std::vector<std::string>{"/drop"});
}
#endif

TEST_F(ServiceOptions, ABadDurationIsAUsageErrorNamingTheFlag) {
  auto exit = refused({"--drop-dir", "/drop", "--quiet-period", "soon"});
  EXPECT_EQ(exit.exit_code, 2);
  EXPECT_NE(exit.err.find("--quiet-period"), std::string::npos) << exit.err;
  EXPECT_NE(exit.err.find("'soon' is not a duration"), std::string::npos) << exit.err;
  EXPECT_NE(refused({"--drop-dir", "/drop", "--diagnose-cooldown", "0s"}).exit_code, 0);
}

TEST_F(ServiceOptions, ABadMaintenanceWindowIsAUsageErrorNamingTheFlag) {
  auto exit = refused({"--drop-dir", "/drop", "--maintenance-window", "someday"});
  EXPECT_EQ(exit.exit_code, 2);
  EXPECT_EQ(exit.err.rfind("authwatch-service: --maintenance-window: ", 0), 0u) << exit.err;
}

TEST_F(ServiceOptions, CommandLineErrorsAreCli11sTextWithTheDocumentedExitCode) {
  auto unknown = refused({"--drop-dir", "/drop", "--no-such-option"});
  EXPECT_EQ(unknown.exit_code, 2) << "the footer's usage error, not CLI11's own code";
  EXPECT_NE(unknown.err.find("--no-such-option"), std::string::npos) << unknown.err;
  auto range = refused({"--drop-dir", "/drop", "--poll-ms", "5"});
  EXPECT_EQ(range.exit_code, 2);
  EXPECT_NE(range.err.find("--poll-ms"), std::string::npos) << range.err;
  auto listen = refused({"--drop-dir", "/drop", "--metrics-listen", "host:port"});
  EXPECT_EQ(listen.exit_code, 2);
  EXPECT_NE(listen.err.find("expected HOST:PORT"), std::string::npos) << listen.err;
}

TEST_F(ServiceOptions, HelpGoesToStandardOutputWithExitCodeZero) {
  auto exit = refused({"--help"});
  EXPECT_EQ(exit.exit_code, 0);
  EXPECT_NE(exit.out.find("--protocol-log-dir"), std::string::npos);
  EXPECT_NE(exit.out.find("Exit codes: 0 stopped cleanly"), std::string::npos);
  EXPECT_TRUE(exit.err.empty()) << exit.err;
}

#ifdef _WIN32
TEST_F(ServiceOptions, TheServiceCommandsNeedNothingElse) {
  auto install = resolved({"install", "--config", "C:\\ProgramData\\AuthWatch\\other.json"});
  EXPECT_EQ(install.action, service::ServiceAction::Install);
  EXPECT_EQ(install.install_config, "C:\\ProgramData\\AuthWatch\\other.json");
  auto stop = resolved({"stop", "--timeout", "5"});
  EXPECT_EQ(stop.action, service::ServiceAction::Stop);
  EXPECT_EQ(stop.timeout, std::chrono::seconds(5));
  EXPECT_EQ(host_lookups_, 0);
}
#endif

}  // namespace

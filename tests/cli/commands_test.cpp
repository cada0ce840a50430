// The query commands, exit codes and database rules as an administrator meets them.
#include <fstream>

#include <SQLiteCpp/SQLiteCpp.h>

#include "cli_harness.hpp"

using namespace authwatch::test;

class Commands : public CliTest {
 protected:
  void scan_scenario() { ASSERT_EQ(cli({"scan", copy_data("scenario", "inbox").string()}).code, 0); }
};

TEST_F(Commands, IncidentsFiltersByStatusAndRendersCsv) {
  scan_scenario();
  EXPECT_EQ(cli({"incidents", "--status", "open", "--format", "json"}).json().size(), 0u);
  EXPECT_EQ(cli({"incidents", "--status", "resolved", "--format", "json"}).json().size(), 3u);
  auto csv = cli({"incidents", "--format", "csv"});
  ASSERT_EQ(csv.code, 0);
  EXPECT_EQ(csv.out.substr(0, csv.out.find("\r\n")), "id,status,observer,direction,peer,peer name,signals,first seen (UTC),last seen (UTC)");
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 4);
  auto table = cli({"incidents"});
  EXPECT_NE(table.out.find("10.0.0.7"), std::string::npos);
  EXPECT_NE(table.out.find("ex2.contoso.com"), std::string::npos);
}

TEST_F(Commands, HistoryFilters) {
  scan_scenario();
  EXPECT_EQ(cli({"history", "--format", "json", "--peer", "10.0.0.7"}).json().size(), 1u);
  EXPECT_EQ(cli({"history", "--format", "json", "--peer", "EX2.CONTOSO.COM"}).json().size(), 6u)
      << "four faults naming ex2 and EX1's two Kerberos errors for SMTPSVC/ex2";
  EXPECT_EQ(cli({"history", "--format", "json", "--since", "7d"}).json().size(), 0u) << "the scenario is from 2024";
  EXPECT_EQ(cli({"history", "--format", "json", "--since", "2024-03-15T10:10:00Z"}).json().size(), 2u);
  EXPECT_EQ(cli({"history", "--format", "json", "--limit", "3"}).json().size(), 3u);
  auto bad = cli({"history", "--since", "last tuesday"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--since last tuesday"), std::string::npos);
}

TEST_F(Commands, ShowUnknownIdIsNotFound) {
  scan_scenario();
  auto r = cli({"show", "999"});
  EXPECT_EQ(r.code, 4);
  EXPECT_NE(r.err.find("no incident 999"), std::string::npos);
}

TEST_F(Commands, ReadCommandsNeverCreateADatabase) {
  auto r = cli({"incidents"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no AuthWatch database"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(db_));
}

TEST_F(Commands, ANewerSchemaIsAClearError) {
  scan_scenario();
  {
    SQLite::Database db(db_, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version = 999");
  }
  for (auto args : {std::vector<std::string>{"incidents"}, std::vector<std::string>{"scan", dir_.string()}}) {
    auto r = cli(args);
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("999"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("newer"), std::string::npos) << r.err;
  }
}

TEST_F(Commands, PruneDeletesOldResolvedHistory) {
  scan_scenario();
  auto r = cli({"prune", "--days", "30", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.json()["incidents"], 3);
  EXPECT_EQ(r.json()["signals"], 15) << "11 from the Exchange logs, 4 from EX1's System log";
  EXPECT_EQ(cli({"incidents", "--format", "json"}).json().size(), 0u);
  EXPECT_EQ(cli({"history", "--format", "json"}).json().size(), 0u);
}

TEST_F(Commands, ConfigIsValidatedWithTheKeyNamed) {
  auto cfg = dir_ / "authwatch.json";
  std::ofstream(cfg) << R"({"incidents": {"quiet_period_minutes": -1}})";
  auto r = cli({"--config", cfg.string(), "scan", dir_.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("incidents.quiet_period_minutes: must be an integer"), std::string::npos) << r.err;
  auto defaults = cli({"config"});
  EXPECT_EQ(defaults.code, 0);
  EXPECT_EQ(nlohmann::json::parse(defaults.out)["incidents"]["quiet_period_minutes"], 30);
}

TEST_F(Commands, UsageErrorsExitTwoAndHelpDocumentsExitCodes) {
  EXPECT_EQ(cli({"incidents", "--status", "sideways"}).code, 2);
  EXPECT_EQ(cli({}).code, 2);
  auto help = cli({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("Exit codes: 0 ok"), std::string::npos);
  for (const char* sub : {"scan", "incidents", "history", "show", "prune", "config"}) {
    auto r = cli({sub, "--help"});
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.out.find("--help"), std::string::npos) << sub;
  }
}

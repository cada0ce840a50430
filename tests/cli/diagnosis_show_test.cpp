// `show ID` as an administrator meets it: the diagnosis of the incident's latest probe run,
// computed from the findings stored in a real SQLite database.
#include <functional>

#include <gmock/gmock.h>

#include "cli_harness.hpp"
#include "storage/database.hpp"
#include "storage/store.hpp"
#include "tests/core/recorded_findings.hpp"

namespace authwatch::test {
namespace {

namespace rec = recorded;
using ::testing::HasSubstr;
using ::testing::Not;

TimePoint at(const char* iso) { return *parse_iso8601(iso); }

class DiagnosisCli : public CliTest {
 protected:
  // A database with incident 1 (inbound from ex2) and incident 2 (no probe run yet).
  void SetUp() override {
    CliTest::SetUp();
    with_store([&](storage::Store& store) {
      for (const char* peer : {"10.0.0.2", "10.0.0.3"}) {
        Incident i;
        i.direction = Direction::Inbound;
        i.peer = peer;
        i.peer_name = std::string(peer) == "10.0.0.2" ? "ex2.contoso.com" : "ex3.contoso.com";
        i.first_seen = at("2024-03-15T10:00:00Z");
        i.last_seen = at("2024-03-15T10:05:00Z");
        i.signal_count = 3;
        store.insert_incident(i);
      }
    });
  }

  void with_store(const std::function<void(storage::Store&)>& fn) {
    auto db = storage::Database::open(db_, storage::Database::Mode::ReadWrite);
    ASSERT_TRUE(db.ok()) << db.error();
    storage::Store store(*db.value());
    db.value()->transaction([&] { fn(store); });
  }

  void store_run(int64_t incident, const char* started, const std::vector<Finding>& findings) {
    with_store([&](storage::Store& store) {
      storage::ProbeRunRecord run;
      run.incident_id = incident;
      run.started_at = at(started);
      run.finished_at = run.started_at + std::chrono::seconds{2};
      run.trigger = "incident-opened";
      run.status = "fail";
      store.insert_probe_run(run, findings);
    });
  }
};

TEST_F(DiagnosisCli, ShowDiagnosesTheLatestProbeRunOfTheIncident) {
  // Stored newest first, so the latest run is not simply the highest id.
  store_run(1, "2024-03-15T10:06:00Z", {rec::ticket_skew(), rec::clock_dc("dc1.contoso.com", 0.3, "ok"),
                                        rec::clock_dc("dc2.contoso.com", 412, "fail"), rec::clock_unreadable()});
  store_run(1, "2024-03-15T10:01:00Z", {rec::smtp_no_xexps()});

  auto table = cli({"show", "1"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("Diagnosis (probe run 1, 2024-03-15T10:06:00.000Z)\n"));
  EXPECT_THAT(table.out, HasSubstr("rank  cause       target           confidence  fix\n"));
  EXPECT_THAT(table.out, HasSubstr("1     clock-skew  dc2.contoso.com  0.95        On dc2.contoso.com: fix its time source first"));
  EXPECT_THAT(table.out, HasSubstr("then `w32tm /resync /rediscover` on dc2.contoso.com"));
  EXPECT_THAT(table.out, HasSubstr("1. dc2.contoso.com's clock is 413 s ahead of this server's (ldap)"));
  EXPECT_THAT(table.out, HasSubstr("- unverified: clock 127.0.0.2: could not read the clock of 127.0.0.2 by any method"));
  EXPECT_THAT(table.out, Not(HasSubstr("connector-auth"))) << "the older run's findings are not today's";

  auto json = cli({"show", "1", "--format", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  auto j = json.json();
  EXPECT_EQ(j["probe_run"]["id"], 1);
  EXPECT_EQ(j["probe_run"]["started"], "2024-03-15T10:06:00.000Z");
  ASSERT_EQ(j["diagnosis"]["causes"].size(), 1u);
  const auto& c = j["diagnosis"]["causes"][0];
  EXPECT_EQ(c["rank"], 1);
  EXPECT_EQ(c["cause"], "clock-skew");
  EXPECT_EQ(c["kb_step"], "clock");
  EXPECT_EQ(c["target"], "dc2.contoso.com");
  EXPECT_DOUBLE_EQ(c["confidence"].get<double>(), 0.95);
  EXPECT_EQ(c["evidence"][0]["probe"], "clock");
  EXPECT_DOUBLE_EQ(c["evidence"][0]["offset_seconds"].get<double>(), 412.5);
  EXPECT_EQ(c["evidence"][1]["probe"], "ticket");
  EXPECT_EQ(c["evidence"][1]["krb_error_code"], 37);
  ASSERT_EQ(j["diagnosis"]["notes"].size(), 1u);
  EXPECT_EQ(j["diagnosis"]["notes"][0]["kind"], "unverified");
  EXPECT_EQ(j["signals"].size(), 0u);
}

TEST_F(DiagnosisCli, ShowRanksReplicationAboveASpnSeenMissingOnOneDc) {
  store_run(1, "2024-03-15T10:06:00Z", {rec::spn_missing_fqdn("dc2.contoso.com"), rec::replication_object(true, false),
                                        rec::replication_dc("dc2.contoso.com", true), rec::ticket_principal_unknown()});
  auto j = cli({"show", "1", "--format", "json"}).json();
  const auto& causes = j["diagnosis"]["causes"];
  ASSERT_EQ(causes.size(), 3u) << j.dump(1);
  EXPECT_EQ(causes[0]["cause"], "replication");
  EXPECT_THAT(causes[0]["fix"].get<std::string>(), HasSubstr("`repadmin /replsingleobj dc2.contoso.com dc1.contoso.com"));
  EXPECT_EQ(causes[2]["cause"], "spn-missing");
  EXPECT_LT(causes[2]["confidence"].get<double>(), causes[1]["confidence"].get<double>());
}

TEST_F(DiagnosisCli, ShowHealthyRunFindsNoCause) {
  store_run(1, "2024-03-15T10:06:00Z", {rec::clock_dc("dc1.contoso.com", 0.3, "ok"), rec::ports_ok("dc1.contoso.com"),
                                        rec::smtp_ok(), rec::spn_ok(), rec::ticket_ok(), rec::connector(false)});
  auto table = cli({"show", "1"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("Diagnosis (probe run 1, 2024-03-15T10:06:00.000Z)\nNo cause found.\n"));
  auto j = cli({"show", "1", "--format", "json"}).json();
  EXPECT_EQ(j["diagnosis"], nlohmann::json({{"causes", nlohmann::json::array()}, {"notes", nlohmann::json::array()}}));
}

TEST_F(DiagnosisCli, ShowErrorsOnlyFindsNoCauseAndSaysWhatWasNotChecked) {
  store_run(1, "2024-03-15T10:06:00Z",
            {rec::clock_unreadable(), rec::ticket("no-credentials", {{"message", "No Kerberos credentials available"}})});
  auto table = cli({"show", "1"});
  EXPECT_THAT(table.out, HasSubstr("No cause found.\n\nNotes\n- unverified: clock 127.0.0.2:"));
  EXPECT_THAT(table.out, HasSubstr("- unverified: ticket SMTPSVC/ex2.contoso.com:"));
}

TEST_F(DiagnosisCli, ShowWithoutAProbeRunSaysHowToGetOne) {
  store_run(1, "2024-03-15T10:06:00Z", {rec::smtp_no_xexps()});
  auto table = cli({"show", "2"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("No probe run for this incident yet: `authwatch probe --incident 2 ...`"));
  auto j = cli({"show", "2", "--format", "json"}).json();
  EXPECT_TRUE(j["probe_run"].is_null());
  EXPECT_TRUE(j["diagnosis"].is_null());
}

TEST_F(DiagnosisCli, ShowDiagnosesAStoredRunWhoseEvidenceIsOdd) {
  // A run written by another version: findings whose evidence the rules cannot read.
  store_run(1, "2024-03-15T10:06:00Z", {{"clock", "dc1", FindingStatus::Fail, "dc1 clock odd", {{"offset_seconds", "412"}}, ""}});
  auto table = cli({"show", "1"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("No cause found.\n\nNotes\n- unexplained: clock dc1: dc1 clock odd"));
}

}  // namespace
}  // namespace authwatch::test

// `authwatch scan` on a folder it has never seen: the incidents a human would open, and a second
// scan that changes nothing (tests/data/scenario/README.md tells the story).
#include <algorithm>
#include <cstdlib>

#include "cli_harness.hpp"

using namespace authwatch::test;
using nlohmann::json;

namespace {

// The table width the CLI reads ($COLUMNS); setenv is POSIX, the MinGW build has _putenv_s.
void set_columns(const char* value) {
#ifdef _WIN32
  _putenv_s("COLUMNS", value ? value : "");
#else
  if (value) ::setenv("COLUMNS", value, 1);
  else ::unsetenv("COLUMNS");
#endif
}

const json* find_incident(const json& incidents, const std::string& direction, const std::string& peer) {
  for (const auto& i : incidents)
    if (i["direction"] == direction && i["peer"] == peer) return &i;
  return nullptr;
}

}  // namespace

class ScanEndToEnd : public CliTest {};

TEST_F(ScanEndToEnd, OpensExactlyTheIncidentsAHumanWould) {
  auto folder = copy_data("scenario", "inbox");
  std::filesystem::copy_file(std::filesystem::path(AUTHWATCH_TEST_DATA) / "evtx" / "python-evtx-system.evtx", folder / "System.evtx");

  auto scan = cli({"scan", "--format", "json", folder.string()});
  ASSERT_EQ(scan.code, 0) << scan.err;
  auto summary = scan.json();
  ASSERT_EQ(summary["files"].size(), 8u) << "six logs, the .evtx, and README.md (skipped: not a log)";
  EXPECT_EQ(summary["incidents_opened"], 3);
  EXPECT_EQ(summary["kerberos_errors_attached"], 2) << "EX1's two KDC_ERR_S_PRINCIPAL_UNKNOWN for SMTPSVC/ex2";

  auto list = cli({"incidents", "--format", "json"});
  ASSERT_EQ(list.code, 0) << list.err;
  auto incidents = list.json();
  ASSERT_EQ(incidents.size(), 3u) << incidents.dump(2);

  const json* in1 = find_incident(incidents, "inbound", "10.0.0.1");
  const json* in7 = find_incident(incidents, "inbound", "10.0.0.7");
  const json* out2 = find_incident(incidents, "outbound", "10.0.0.2");
  ASSERT_TRUE(in1 && in7 && out2) << incidents.dump(2);
  EXPECT_EQ((*in1)["signal_count"], 4) << "three 1035 events and one failing receive session";
  EXPECT_EQ((*in1)["peer_name"], "ex1.contoso.com");
  EXPECT_EQ((*in1)["first_seen"], "2024-03-15T10:02:11.483Z");
  EXPECT_EQ((*in1)["last_seen"], "2024-03-15T10:17:13.555Z");
  EXPECT_EQ((*in7)["signal_count"], 1);
  EXPECT_EQ((*out2)["signal_count"], 4) << "2017 and 2003 name ex2.contoso.com; the send session and queue tie it to 10.0.0.2";
  EXPECT_EQ((*out2)["peer_name"], "ex2.contoso.com");
  for (const auto& i : incidents) EXPECT_EQ(i["status"], "resolved") << "2024's episode is long quiet";

  // Client-login noise is stored and queryable, but opened nothing.
  auto noise = cli({"history", "--format", "json", "--peer", "192.0.2.44"});
  ASSERT_EQ(noise.code, 0) << noise.err;
  ASSERT_EQ(noise.json().size(), 2u) << "the Client Frontend 1035 and the AUTH LOGIN session";
  for (const auto& s : noise.json()) {
    EXPECT_EQ(s["class"], "noise");
    EXPECT_TRUE(s["incident_id"].is_null());
  }
  auto faults = cli({"history", "--format", "json", "--faults-only"});
  EXPECT_EQ(faults.json().size(), 9u) << "Kerberos errors are not faults";

  // EX1's System log (Kerberos logging on): the errors behind its outbound incident join it.
  auto shown = cli({"show", "--format", "json", std::to_string((*out2)["id"].get<int>())});
  ASSERT_EQ(shown.code, 0) << shown.err;
  std::vector<std::string> context;
  const auto shown_json = shown.json();
  for (const auto& s : shown_json["signals"])
    if (s["class"] == "context") context.push_back(s["time"].get<std::string>() + " " + s["status"].get<std::string>());
  EXPECT_EQ(context, (std::vector<std::string>{"2024-03-15T10:05:29.900Z KDC_ERR_S_PRINCIPAL_UNKNOWN",
                                               "2024-03-15T10:06:01.900Z KDC_ERR_S_PRINCIPAL_UNKNOWN"}));
  EXPECT_EQ((*out2)["signal_count"], 4) << "context does not count as the incident's signals";
  auto table = cli({"show", std::to_string((*out2)["id"].get<int>())});
  EXPECT_NE(table.out.find("ErrorMessage: KDC_ERR_S_PRINCIPAL_UNKNOWN"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("ClientName:"), std::string::npos) << "a Kerberos event's empty fields are left out for people";
  auto web = cli({"history", "--format", "json", "--peer", "web.contoso.com"}).json();
  ASSERT_EQ(web.size(), 1u) << "the skew error of the day before";
  EXPECT_EQ(web[0]["class"], "context");
  EXPECT_TRUE(web[0]["incident_id"].is_null()) << "no incident was open near it";
  auto realm = cli({"history", "--format", "json", "--peer", "contoso.com"}).json();
  ASSERT_EQ(realm.size(), 1u);
  EXPECT_EQ(realm[0]["status"], "KDC_ERR_PREAUTH_REQUIRED");
  EXPECT_EQ(realm[0]["class"], "noise") << "LogLevel=1 chatter";
}

TEST_F(ScanEndToEnd, ASecondScanOfTheSameFolderChangesNothing) {
  auto folder = copy_data("scenario", "inbox");
  ASSERT_EQ(cli({"scan", folder.string()}).code, 0);
  auto before_incidents = cli({"incidents", "--format", "json"}).json();
  auto before_history = cli({"history", "--format", "json"}).json();

  auto again = cli({"scan", "--format", "json", folder.string()});
  ASSERT_EQ(again.code, 0) << again.err;
  const auto summary = again.json();
  for (const auto& f : summary["files"]) {
    EXPECT_EQ(f["new_events"], 0) << f["path"];
    EXPECT_EQ(f["fault_signals"], 0) << f["path"];
  }
  EXPECT_EQ(again.json()["incidents_opened"], 0);
  EXPECT_EQ(cli({"incidents", "--format", "json"}).json(), before_incidents);
  EXPECT_EQ(cli({"history", "--format", "json"}).json(), before_history);
}

TEST_F(ScanEndToEnd, TheSameRecordInAnotherFileIsNotCountedTwice) {
  auto folder = copy_data("scenario", "inbox");
  ASSERT_EQ(cli({"scan", folder.string()}).code, 0);
  // An administrator exports the same events again under another name.
  auto copy = copy_data("scenario/ex2-application-wevtutil.xml", "later/ex2-again.xml");
  auto rescan = cli({"scan", "--format", "json", copy.string()});
  ASSERT_EQ(rescan.code, 0) << rescan.err;
  EXPECT_EQ(rescan.json()["files"][0]["records_read"], 6);
  EXPECT_EQ(rescan.json()["files"][0]["new_events"], 0);
  const auto incidents = cli({"incidents", "--format", "json"}).json();
  auto in1 = find_incident(incidents, "inbound", "10.0.0.1");
  ASSERT_TRUE(in1);
  EXPECT_EQ((*in1)["signal_count"], 4);
}

TEST_F(ScanEndToEnd, ShowGivesTheIncidentWithItsEvidence) {
  auto folder = copy_data("scenario", "inbox");
  ASSERT_EQ(cli({"scan", folder.string()}).code, 0);
  auto incidents = cli({"incidents", "--format", "json"}).json();
  auto in1 = find_incident(incidents, "inbound", "10.0.0.1");
  ASSERT_TRUE(in1);
  auto show = cli({"show", "--format", "json", std::to_string((*in1)["id"].get<int>())});
  ASSERT_EQ(show.code, 0) << show.err;
  auto j = show.json();
  ASSERT_EQ(j["signals"].size(), 4u);
  bool saw_session = false;
  for (const auto& s : j["signals"]) {
    EXPECT_EQ(s["peer_ip"], "10.0.0.1");
    if (s["rule"] == "plog-recv-exchangeauth-negotiation") {
      saw_session = true;
      EXPECT_EQ(s["status"], "IllegalMessage");
      EXPECT_GE(s["evidence"]["lines"].size(), 10u) << "the session's lines up to the failure";
    }
  }
  EXPECT_TRUE(saw_session);

  auto table = cli({"show", std::to_string((*in1)["id"].get<int>())});
  EXPECT_NE(table.out.find("Inbound ExchangeAuth negotiation failed because of IllegalMessage"), std::string::npos);
  EXPECT_NE(table.out.find("inbound"), std::string::npos);
}

TEST_F(ScanEndToEnd, HistoryAndShowFitAHundredColumnTerminal) {
  auto folder = copy_data("scenario", "inbox");
  ASSERT_EQ(cli({"scan", folder.string()}).code, 0);
  set_columns("100");
  auto history = cli({"history"});
  auto show = cli({"show", "1"});
  auto incidents = cli({"incidents"});
  set_columns(nullptr);
  for (const auto* run : {&history, &show, &incidents}) {
    ASSERT_EQ(run->code, 0) << run->err;
    std::istringstream in(run->out);
    for (std::string line; std::getline(in, line);) {
      size_t columns = 0;
      for (unsigned char c : line) columns += (c & 0xC0) != 0x80;
      EXPECT_LE(columns, 100u) << line;
    }
  }
  EXPECT_NE(history.out.find("noise"), std::string::npos) << "noise is listed, with why";
  EXPECT_NE(show.out.find("never open one"), std::string::npos) << "show says what noise is";
}

TEST_F(ScanEndToEnd, AnIncidentWhoseEvidenceNamesItsCauseShowsItBeforeAnyProbeRun) {
  auto file = copy_data("realworld/queue-transport-cert-2013-wrapper.json");
  ASSERT_EQ(cli({"scan", file.string()}).code, 0);
  auto shown = cli({"show", "--format", "json", "1"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  const auto j = shown.json();
  EXPECT_TRUE(j["probe_run"].is_null());
  ASSERT_FALSE(j["diagnosis"].is_null()) << j.dump(2);
  ASSERT_EQ(j["diagnosis"]["causes"].size(), 1u);
  EXPECT_EQ(j["diagnosis"]["causes"][0]["cause"], "transport-certificate");
  auto table = cli({"show", "1"});
  EXPECT_NE(table.out.find("from the evidence; no probe run yet"), std::string::npos) << table.out;
}

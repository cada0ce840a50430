// The monitor end to end against the Samba lab: lines of a failing 454 session from the scripted
// Exchange peer (127.0.0.1) are appended to a followed receive log while DC1's clock is 10 minutes
// ahead; the incident opens, its probe run goes to the lab and the peer, and the cause-diagnosed
// alert names DC1's clock. Healthy lines change nothing; the quiet period resolves it with its own alert.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/time.hpp"
#include "lab_env.hpp"
#include "peer_process.hpp"
#include "service/monitor.hpp"
#include "tests/lab/lab_skip.hpp"

namespace fs = std::filesystem;
using namespace authwatch;

namespace {

// The lines of one session, stamped `at` (the monitor's clock: the quiet period is measured on it).
std::string session_lines(const std::string& id, bool failing, TimePoint at) {
  const std::string t = format_iso8601(at);
  const std::string p = t + ",EX2\\Default EX2," + id + ",", e = ",127.0.0.2:2525,127.0.0.1:41234,";
  std::string s = p + "0" + e + "+,,\r\n" + p + "1" + e + "<,EHLO ex1.lab.example,\r\n";
  if (failing)
    s += p + "2" + e + "*,,Inbound ExchangeAuth negotiation failed because of InvalidToken\r\n" + p + "3" + e +
         ">,454 4.7.0 Temporary authentication failure,\r\n" + p + "4" + e + "-,,Local\r\n";
  else
    s += p + "2" + e + ">,235 <authentication response>,\r\n" + p + "3" + e + "-,,Remote(Close)\r\n";
  return s;
}

TEST(MonitorLab, AFailingSessionIsDiagnosedAgainstTheLabAndAlerted) {
  std::string why;
  if (!test::lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
  test::PeerProcess peer;
  ASSERT_TRUE(peer.start(std::string(AUTHWATCH_PEERS_DIR) + "/exchange_smtp_peer.py", {"--port", "0", "--exit-when-stdin-closes"}))
      << peer.why();
  setenv("ADLAB_FAKETIME_DC1", "+10m", 1);
  ASSERT_EQ(test::lab_cmd("restart 1"), 0);
  unsetenv("ADLAB_FAKETIME_DC1");
  struct Restore {
    ~Restore() { test::lab_cmd("restart 1"); }
  } restore;

  std::random_device rd;
  const fs::path dir = fs::temp_directory_path() / ("authwatch-monitor-lab-" + std::to_string(rd()));
  fs::create_directories(dir / "logs");
  const fs::path log = dir / "logs" / "RECV2026112817-1.LOG";
  // The monitor's time moves only when the test says so (the lab's and the probes' is real).
  ManualClock clock{SystemClock{}.now()};
  std::ofstream(log, std::ios::binary) << "#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Receive Protocol Log\r\n"
                                       << "#Date: " << format_iso8601(clock.now()) << "\r\n"
                                       << "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n";
  service::MonitorOptions o;
  o.database = (dir / "authwatch.db").string();
  o.protocol_log_dirs = {(dir / "logs").string()};
  o.alerts_jsonl = (dir / "alerts.jsonl").string();
  o.targets.dcs = {test::dc_ip(1)};
  o.targets.realm = test::realm;
  o.targets.peer_smtp_ports = {peer.port()};
  o.only = {"clock", "ports", "smtp"};
  o.config.incidents.quiet_period = std::chrono::seconds{8};
  service::Monitor monitor(o, clock);
  ASSERT_TRUE(monitor.open().ok());

  std::ofstream(log, std::ios::binary | std::ios::app) << session_lines("08DC44A1B2C30002", false, clock.now());
  auto healthy = monitor.pass();
  EXPECT_EQ(healthy.opened, 0);
  EXPECT_EQ(healthy.probe_runs_started, 0);

  std::ofstream(log, std::ios::binary | std::ios::app) << session_lines("08DC44A1B2C30001", true, clock.now());
  auto pass = monitor.pass();
  EXPECT_EQ(pass.opened, 1);
  EXPECT_EQ(pass.probe_runs_started, 1) << "a fresh incident asks for a diagnosis";
  monitor.wait_for_probes();

  std::vector<nlohmann::json> alerts;
  std::ifstream in(dir / "alerts.jsonl");
  for (std::string line; std::getline(in, line);) alerts.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0]["kind"], "incident-opened");
  EXPECT_EQ(alerts[0]["incident"]["peer"], "127.0.0.1");
  EXPECT_EQ(alerts[1]["kind"], "cause-diagnosed");
  const auto causes = alerts[1]["diagnosis"]["causes"];
  ASSERT_FALSE(causes.empty()) << alerts[1].dump(1);
  EXPECT_EQ(causes[0]["cause"], "clock-skew");
  EXPECT_EQ(causes[0]["target"], test::dc_ip(1));
  EXPECT_EQ(alerts[1]["event_id"], pipeline::cause_event_id("clock-skew"));
  EXPECT_NE(alerts[1]["message"].get<std::string>().find("clock-skew"), std::string::npos) << alerts[1]["message"];

  // Healthy sessions from the same peer change nothing; after the quiet period the incident
  // resolves with its own alert.
  std::ofstream(log, std::ios::binary | std::ios::app) << session_lines("08DC44A1B2C30003", false, clock.now());
  auto after = monitor.pass();
  EXPECT_EQ(after.opened + after.resolved + after.probe_runs_started + after.alerts_delivered, 0);
  clock.advance(o.config.incidents.quiet_period - std::chrono::seconds{1});
  EXPECT_EQ(monitor.pass().resolved, 0) << "still within the quiet period";
  clock.advance(std::chrono::seconds{2});
  auto quiet = monitor.pass();
  EXPECT_EQ(quiet.resolved, 1);
  std::ifstream again(dir / "alerts.jsonl");
  std::vector<nlohmann::json> all;
  for (std::string line; std::getline(again, line);) all.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2]["kind"], "incident-resolved");
  EXPECT_EQ(all[2]["incident_id"], all[0]["incident_id"]);
  fs::remove_all(dir);
}

}  // namespace

// The kerberos-logging probe's verdict (pure), and its answer off Windows. The registry read and
// write themselves are tested under Wine (tests/win/kerberos_logging_registry_test.cpp).
#include <gtest/gtest.h>

#include "probes/engine.hpp"
#include "probes/kerberos_logging.hpp"

using namespace authwatch;
using namespace authwatch::probes;

TEST(KerberosLogging, AbsentMeansOffAndSaysSo) {
  LogLevelLocation where;
  auto f = judge_kerberos_logging("ex1", std::optional<uint32_t>{}, where);
  EXPECT_EQ(f.status, FindingStatus::Ok);
  EXPECT_EQ(f.evidence["log_level"], 0);
  EXPECT_EQ(f.evidence["present"], false);
  EXPECT_EQ(f.evidence["key"], "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa\\Kerberos\\Parameters\\LogLevel");
  EXPECT_NE(f.summary.find("off"), std::string::npos) << f.summary;
  EXPECT_NE(f.summary.find("absent"), std::string::npos) << f.summary;
}

TEST(KerberosLogging, OneMeansOn) {
  auto f = judge_kerberos_logging("ex1", std::optional<uint32_t>{1}, LogLevelLocation{});
  EXPECT_EQ(f.status, FindingStatus::Ok);
  EXPECT_EQ(f.evidence["log_level"], 1);
  EXPECT_EQ(f.evidence["present"], true);
  EXPECT_NE(f.summary.find(" on "), std::string::npos) << f.summary;
}

TEST(KerberosLogging, AnUnreadableKeyIsAnErrorNamingIt) {
  LogLevelLocation test_key{false, "Software\\AuthWatchTest", "LogLevel"};
  auto f = judge_kerberos_logging("ex1", Error{"access denied"}, test_key);
  EXPECT_EQ(f.status, FindingStatus::Error);
  EXPECT_NE(f.summary.find("HKCU\\Software\\AuthWatchTest\\LogLevel"), std::string::npos) << f.summary;
  EXPECT_FALSE(f.evidence.contains("log_level"));
}

#ifndef _WIN32
TEST(KerberosLogging, SkippedOffWindows) {
  std::vector<std::unique_ptr<Probe>> probes;
  probes.push_back(std::make_unique<KerberosLoggingProbe>());
  auto result = run_probes(std::move(probes), {}, {});
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].probe, "kerberos-logging");
  EXPECT_EQ(result.findings[0].status, FindingStatus::Skipped);
  EXPECT_NE(result.findings[0].summary.find("Windows only"), std::string::npos);
}
#endif

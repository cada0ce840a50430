// The Kerberos LogLevel registry value under Wine's registry: written, read back, judged, deleted,
// under a test key of HKEY_CURRENT_USER (never the real HKLM Kerberos key).
#include <gtest/gtest.h>

#include "probes/engine.hpp"
#include "probes/kerberos_logging.hpp"

#include <windows.h>  // after Boost.Asio's winsock2.h

using namespace authwatch;
using namespace authwatch::probes;

namespace {

// ctest runs the two cases as separate processes at the same time: each has a key of its own.
const LogLevelLocation kTestKey{false, "Software\\AuthWatchTest\\Kerberos\\Parameters", "LogLevel"};
const LogLevelLocation kWrongTypeKey{false, "Software\\AuthWatchTestWrongType\\Kerberos\\Parameters", "LogLevel"};

struct RemoveTestKey {
  const wchar_t* root;
  ~RemoveTestKey() { RegDeleteTreeW(HKEY_CURRENT_USER, root); }
};

Finding probe_once(const LogLevelLocation& where = kTestKey) {
  std::vector<std::unique_ptr<Probe>> probes;
  probes.push_back(std::make_unique<KerberosLoggingProbe>(where));
  auto result = run_probes(std::move(probes), {}, {});
  return result.findings.at(0);
}

}  // namespace

TEST(KerberosLoggingRegistry, WriteReadDeleteUnderATestKey) {
  RemoveTestKey cleanup{L"Software\\AuthWatchTest"};
  auto absent = read_log_level(kTestKey);
  ASSERT_TRUE(absent.ok()) << absent.error();
  EXPECT_FALSE(absent.value().has_value()) << "a missing key reads as absent, not as an error";

  ASSERT_TRUE(write_log_level(kTestKey, 1).ok());
  auto one = read_log_level(kTestKey);
  ASSERT_TRUE(one.ok()) << one.error();
  EXPECT_EQ(one.value(), std::optional<uint32_t>{1});
  auto on = probe_once();
  EXPECT_EQ(on.status, FindingStatus::Ok);
  EXPECT_EQ(on.evidence["log_level"], 1);

  ASSERT_TRUE(write_log_level(kTestKey, 0).ok());
  EXPECT_EQ(probe_once().evidence["log_level"], 0);

  ASSERT_TRUE(delete_log_level(kTestKey).ok());
  EXPECT_FALSE(read_log_level(kTestKey).value().has_value());
  EXPECT_TRUE(delete_log_level(kTestKey).ok()) << "deleting an absent value is success";
  EXPECT_EQ(probe_once().evidence["present"], false);
}

TEST(KerberosLoggingRegistry, AValueOfTheWrongTypeIsAnError) {
  RemoveTestKey cleanup{L"Software\\AuthWatchTestWrongType"};
  const wchar_t text[] = L"one";
  ASSERT_EQ(RegSetKeyValueW(HKEY_CURRENT_USER, L"Software\\AuthWatchTestWrongType\\Kerberos\\Parameters", L"LogLevel", REG_SZ, text,
                            sizeof text),
            ERROR_SUCCESS);
  auto read = read_log_level(kWrongTypeKey);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().find("HKCU\\Software\\AuthWatchTestWrongType"), std::string::npos) << read.error();
  EXPECT_EQ(probe_once(kWrongTypeKey).status, FindingStatus::Error);
}

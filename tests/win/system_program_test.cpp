// powershell.exe and cmd.exe named bare (the default queue and ServerWideOffline commands, a
// config's "powershell.exe", --queue-command's shell) run from the system folder
// GetSystemDirectoryW reports, never from a folder earlier in PATH (service/system_program.hpp).
// Under Wine and on Windows; Wine's system32 has both (its powershell.exe prints nothing).
#include <filesystem>
#include <random>

#include <boost/process/search_path.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/config.hpp"
#include "service/command.hpp"
#include "service/system_program.hpp"

#include <windows.h>

namespace fs = std::filesystem;
using namespace authwatch;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace {

std::string system_folder() {
  wchar_t folder[MAX_PATH];
  const UINT n = GetSystemDirectoryW(folder, MAX_PATH);
  return fs::path(std::wstring(folder, n)).string();
}

TEST(SystemProgram, PowerShellAndCmdNamedBareInAnyCaseAreTheSystemFolders) {
  const std::string powershell = system_folder() + "\\WindowsPowerShell\\v1.0\\powershell.exe";
  for (const char* name : {"powershell.exe", "PowerShell.EXE", "powershell", "POWERSHELL"}) EXPECT_EQ(service::system_program(name), powershell) << name;
  for (const char* name : {"cmd.exe", "CMD.EXE", "cmd"}) EXPECT_EQ(service::system_program(name), system_folder() + "\\cmd.exe") << name;
  // Other programs, and any name with a folder in it, are taken as given.
  for (const char* name : {"pwsh.exe", "powershell.exe.bat", "C:\\Tools\\powershell.exe", ".\\powershell.exe", ""})
    EXPECT_EQ(service::system_program(name), std::nullopt) << name;
}

TEST(SystemProgram, TheDefaultQueueAndOfflineCommandsRunTheSystemPowerShell) {
  const Config defaults;
  ASSERT_FALSE(defaults.queue.command.empty());
  EXPECT_EQ(defaults.queue.command[0], "powershell.exe");
  const std::string powershell = system_folder() + "\\WindowsPowerShell\\v1.0\\powershell.exe";
  // Really started (Wine's powershell.exe exits at once; Windows' fails without Exchange): from where.
  auto run = service::run_command(defaults.queue.command, 30s);
  EXPECT_TRUE(run.started) << run.error;
  EXPECT_EQ(run.executable, powershell);
  const auto offline = Config::default_offline_state_command();
  ASSERT_FALSE(offline.empty());
  EXPECT_EQ(service::system_program(offline[0]), powershell);
}

class PlantedInPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("authwatch-path-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir_);
    // A program that is not PowerShell or cmd, under their names: hostname.exe prints this host's name.
    for (const char* name : {"powershell.exe", "cmd.exe"}) fs::copy_file(system_folder() + "\\hostname.exe", dir_ / name);
    wchar_t path[32767];
    const DWORD n = GetEnvironmentVariableW(L"PATH", path, 32767);
    old_path_ = std::wstring(path, n);
    SetEnvironmentVariableW(L"PATH", (dir_.wstring() + L";" + old_path_).c_str());
  }
  void TearDown() override {
    SetEnvironmentVariableW(L"PATH", old_path_.c_str());
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  fs::path dir_;
  std::wstring old_path_;
};

TEST_F(PlantedInPathTest, APowerShellOrCmdEarlierInPathIsNotRun) {
  // A PATH search would find the planted ones first.
  ASSERT_EQ(fs::path(boost::process::search_path("powershell.exe").wstring()), dir_ / "powershell.exe");
  ASSERT_EQ(fs::path(boost::process::search_path("cmd.exe").wstring()), dir_ / "cmd.exe");

  auto shell = service::run_command({"cmd.exe", "/d", "/c", "echo", "the-system-cmd"}, 30s);
  ASSERT_TRUE(shell.ok()) << shell.problem();
  EXPECT_EQ(shell.executable, system_folder() + "\\cmd.exe");
  EXPECT_THAT(shell.out, HasSubstr("the-system-cmd")) << "the planted program ran: " << shell.out;

  auto powershell = service::run_command({"PowerShell.exe", "-NoProfile", "-NonInteractive", "-Command", "exit 0"}, 30s);
  EXPECT_TRUE(powershell.started) << powershell.error;
  EXPECT_EQ(powershell.executable, system_folder() + "\\WindowsPowerShell\\v1.0\\powershell.exe");

  // A program the system does not ship is still looked up in PATH: the config names it.
  auto other = service::run_command({"hostname.exe"}, 30s);
  EXPECT_TRUE(other.ok()) << other.problem();
}

}  // namespace

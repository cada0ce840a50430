// The config file as both executables read it (app/config_file.hpp): problems name the file and
// the key; a file that cannot be read, or is too large to be a config, is one problem naming it.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "app/config_file.hpp"

using namespace authwatch;
namespace fs = std::filesystem;

namespace {

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("authwatch-config-file-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  fs::path dir_;
};

TEST_F(ConfigFile, AValidFileGivesItsSettings) {
  const auto path = write("authwatch.json", R"({"database": {"path": "/srv/aw.db"}, "incidents": {"quiet_period_minutes": 45}})");
  auto text = app::read_config_text(path);
  ASSERT_TRUE(text) << text.error();
  auto loaded = app::parse_config_file(path, text.value());
  ASSERT_TRUE(loaded.ok()) << loaded.problems.front();
  EXPECT_EQ(loaded.config.database.path, "/srv/aw.db");
  EXPECT_EQ(loaded.config.incidents.quiet_period, std::chrono::minutes(45));
}

TEST_F(ConfigFile, EachProblemNamesTheFileAndTheKey) {
  const auto path = write("bad.json", R"({"incidents": {"quiet_period_minutes": "soon"}})");
  auto loaded = app::parse_config_file(path, app::read_config_text(path).value());
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(loaded.problems.size(), 1u);
  EXPECT_EQ(loaded.problems[0].rfind(path + ": incidents.quiet_period_minutes: ", 0), 0u) << loaded.problems[0];
}

TEST_F(ConfigFile, TextThatIsNotJsonIsAProblemNamingTheFile) {
  const auto path = write("broken.json", "{ not json");
  auto loaded = app::parse_config_file(path, app::read_config_text(path).value());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.problems[0].rfind(path + ": ", 0), 0u) << loaded.problems[0];
}

TEST_F(ConfigFile, AMissingFileIsOneErrorNamingIt) {
  const auto path = (dir_ / "missing.json").string();
  auto text = app::read_config_text(path);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error(), path + ": cannot read the config file");
}

TEST_F(ConfigFile, AFileLargerThanAConfigIsRefused) {
  const auto path = write("huge.json", std::string(app::kMostConfigBytes + 1, ' '));
  auto text = app::read_config_text(path);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error(), path + ": cannot read the config file: larger than 4 MiB");
  // Exactly the bound is still read.
  const auto at_bound = write("at-bound.json", std::string(app::kMostConfigBytes - 2, ' ') + "{}");
  auto read = app::read_config_text(at_bound);
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(read.value().size(), app::kMostConfigBytes);
  EXPECT_TRUE(app::parse_config_file(at_bound, read.value()).ok());
}

}  // namespace

// Files are opened the way a follower of Exchange's logs must (sources/shared_file.hpp): while
// AuthWatch holds a log open, the writer can still append to it, rename it and delete it. On
// Linux that is the file system's nature; under Wine (the Windows build) it checks the share
// modes, which msvcrt's fopen and std::ifstream get wrong (no FILE_SHARE_DELETE).
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "sources/shared_file.hpp"

namespace fs = std::filesystem;
using authwatch::sources::open_shared;
using authwatch::sources::SharedInputFile;

namespace {

class SharedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("authwatch-shared-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "RECV1.LOG", std::ios::binary) << "line 1\r\nline 2\r\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(SharedFileTest, TheWriterCanAppendRenameAndDeleteWhileItIsRead) {
  SharedInputFile in(path("RECV1.LOG"));
  ASSERT_TRUE(in) << "cannot open";
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "line 1\r");

  {
    std::ofstream writer(path("RECV1.LOG"), std::ios::binary | std::ios::app);
    writer << "line 3\r\n";
    EXPECT_TRUE(writer.flush()) << "Exchange could not append while we read";
  }
  std::error_code ec;
  fs::rename(path("RECV1.LOG"), path("RECV1.OLD"), ec);
  EXPECT_FALSE(ec) << "Exchange could not rename the log while we read it: " << ec.message();
  fs::remove(path("RECV1.OLD"), ec);
  EXPECT_FALSE(ec) << "Exchange's retention could not delete the log while we read it: " << ec.message();

  // What was opened is still readable to its end, appended line included.
  std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rest, "line 2\r\nline 3\r\n");
}

TEST_F(SharedFileTest, SeekingWorksAsOnAnIfstream) {
  SharedInputFile in(path("RECV1.LOG"));
  ASSERT_TRUE(in);
  in.seekg(8);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "line 2\r");
  EXPECT_EQ(in.tellg(), 16);
}

TEST_F(SharedFileTest, AMissingFileIsAFailedStreamAndANullFile) {
  SharedInputFile in(path("nothing-here.log"));
  EXPECT_FALSE(in);
  EXPECT_EQ(open_shared(path("nothing-here.log")), nullptr);
  auto file = open_shared(path("RECV1.LOG"));
  ASSERT_NE(file, nullptr);
  char buffer[6];
  EXPECT_EQ(std::fread(buffer, 1, sizeof buffer, file.get()), 6u);
  EXPECT_EQ(std::string(buffer, 6), "line 1");
}

}  // namespace

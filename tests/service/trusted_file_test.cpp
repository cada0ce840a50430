// The files the service takes orders from or hands to itself (service/trusted_file.hpp), on Linux
// and under Wine: its own file is read; a folder, a link, an oversized file, a file someone else
// owns or may write are refused with the reason; the snapshot's file is created exclusively and a
// leftover at its path (a file, a link to a file of someone else's, a FIFO) is removed without
// being followed, or the write is refused. What Wine cannot show (a file another Windows account
// owns or may write) is in tests/win/lockdown_test.sh (Unix ownership and modes, which Wine maps)
// and tests/win/file_security_test.cpp (descriptors built in memory).
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "service/trusted_file.hpp"

#ifdef _WIN32
#include <windows.h>
#else
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace fs = std::filesystem;
using namespace authwatch;
using ::testing::HasSubstr;

namespace {

class TrustedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("authwatch-trusted-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  void write(const fs::path& file, const std::string& content) { std::ofstream(file, std::ios::binary | std::ios::trunc) << content; }
  std::string read(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  fs::path dir_;
};

TEST_F(TrustedFileTest, ItsOwnFileIsRead) {
  write(dir_ / "authwatch.json", "{\"queue\": {}}\n");
  auto text = service::read_trusted_file((dir_ / "authwatch.json").string(), 1 << 20);
  ASSERT_TRUE(text.ok()) << text.error();
  EXPECT_EQ(text.value(), "{\"queue\": {}}\n");
}

TEST_F(TrustedFileTest, AFolderAMissingFileAndAnOversizedFileAreRefusedByName) {
  fs::create_directories(dir_ / "folder.json");
  auto folder = service::read_trusted_file((dir_ / "folder.json").string(), 1 << 20);
  ASSERT_FALSE(folder.ok());
  EXPECT_THAT(folder.error(), HasSubstr((dir_ / "folder.json").string()));
  EXPECT_THAT(folder.error(), HasSubstr("refused: it is a folder"));

  auto missing = service::read_trusted_file((dir_ / "none.json").string(), 1 << 20);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error(), HasSubstr("none.json: cannot open it"));

  write(dir_ / "big.json", std::string(5000, ' '));
  auto big = service::read_trusted_file((dir_ / "big.json").string(), 4096);
  ASSERT_FALSE(big.ok());
  EXPECT_THAT(big.error(), HasSubstr("more than the 4096 bytes"));
  EXPECT_TRUE(service::read_trusted_file((dir_ / "big.json").string(), 5000).ok()) << "exactly the cap is not over it";
}

TEST_F(TrustedFileTest, TheSnapshotFileIsCreatedAnewOverALeftover) {
  const fs::path partial = dir_ / "authwatch.db-queue.json.partial";
  ASSERT_TRUE(service::write_new_file(partial.string(), "[1]").ok());
  EXPECT_EQ(read(partial), "[1]");
  // A leftover (a crash between write and rename) is replaced, never appended to or merged.
  write(partial, "a much longer leftover from before");
  auto written = service::write_new_file(partial.string(), "[2]");
  ASSERT_TRUE(written.ok()) << written.error();
  EXPECT_EQ(read(partial), "[2]");
  // An empty snapshot is a file too.
  ASSERT_TRUE(service::write_new_file(partial.string(), "").ok());
  EXPECT_EQ(fs::file_size(partial), 0u);
}

TEST_F(TrustedFileTest, AFolderPlantedAtTheSnapshotPathIsRefusedAndLeftAlone) {
  const fs::path partial = dir_ / "authwatch.db-queue.json.partial";
  fs::create_directories(partial / "inside");
  auto written = service::write_new_file(partial.string(), "[1]");
  ASSERT_FALSE(written.ok());
  EXPECT_THAT(written.error(), HasSubstr(partial.string() + ": refused: "));
  EXPECT_TRUE(fs::is_directory(partial / "inside"));
}

#ifdef _WIN32

TEST_F(TrustedFileTest, ALeftoverSomeoneHoldsOpenIsRefusedAndNotWrittenTo) {
  const fs::path partial = dir_ / "authwatch.db-queue.json.partial";
  write(partial, "planted");
  // Held as a user would to keep it: no delete sharing, so it cannot be removed.
  HANDLE held = CreateFileW(partial.wstring().c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING, 0, nullptr);
  ASSERT_NE(held, INVALID_HANDLE_VALUE);
  auto written = service::write_new_file(partial.string(), "[1]");
  CloseHandle(held);
  ASSERT_FALSE(written.ok());
  EXPECT_THAT(written.error(), HasSubstr(partial.string() + ": refused: a file is already there and cannot be removed"));
  EXPECT_EQ(read(partial), "planted");
  // Once let go, it is removed and the snapshot written.
  ASSERT_TRUE(service::write_new_file(partial.string(), "[1]").ok());
  EXPECT_EQ(read(partial), "[1]");
}

TEST_F(TrustedFileTest, AHeldFileCannotBeWrittenReplacedOrDeletedUntilLetGo) {
  const fs::path spool = dir_ / "authwatch.db-queue.json";
  write(spool, "[\"the service's\"]");
  write(dir_ / "other.json", "[\"someone else's\"]");
  {
    auto held = service::TrustedFile::open(spool.string());
    ASSERT_TRUE(held.ok()) << held.error();
    HANDLE writer = CreateFileW(spool.wstring().c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                OPEN_EXISTING, 0, nullptr);
    EXPECT_EQ(writer, INVALID_HANDLE_VALUE) << "opened for writing while held";
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SHARING_VIOLATION));
    if (writer != INVALID_HANDLE_VALUE) CloseHandle(writer);
    EXPECT_FALSE(MoveFileExW((dir_ / "other.json").wstring().c_str(), spool.wstring().c_str(), MOVEFILE_REPLACE_EXISTING)) << "replaced while held";
    EXPECT_FALSE(DeleteFileW(spool.wstring().c_str())) << "deleted while held";
    // A reader that shares as Ingest's does (read, write, delete) still reads it.
    HANDLE reader = CreateFileW(spool.wstring().c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                OPEN_EXISTING, 0, nullptr);
    EXPECT_NE(reader, INVALID_HANDLE_VALUE) << "a reader is shut out: " << GetLastError();
    if (reader != INVALID_HANDLE_VALUE) CloseHandle(reader);
    auto text = held.value().read(1 << 20);
    ASSERT_TRUE(text.ok()) << text.error();
    EXPECT_EQ(text.value(), "[\"the service's\"]");
  }
  EXPECT_TRUE(MoveFileExW((dir_ / "other.json").wstring().c_str(), spool.wstring().c_str(), MOVEFILE_REPLACE_EXISTING)) << GetLastError();
}

#else

TEST_F(TrustedFileTest, ALinkAFifoOrAWorldWritableFileIsRefused) {
  write(dir_ / "real.json", "{}");
  fs::create_symlink(dir_ / "real.json", dir_ / "link.json");
  auto link = service::read_trusted_file((dir_ / "link.json").string(), 1 << 20);
  ASSERT_FALSE(link.ok());
  EXPECT_THAT(link.error(), HasSubstr("link.json: refused: it is a symbolic link"));

  ASSERT_EQ(mkfifo((dir_ / "fifo.json").c_str(), 0600), 0);
  auto fifo = service::read_trusted_file((dir_ / "fifo.json").string(), 1 << 20);  // would block for a writer if opened blocking
  ASSERT_FALSE(fifo.ok());
  EXPECT_THAT(fifo.error(), HasSubstr("fifo.json: refused: it is not a regular file"));

  write(dir_ / "open.json", "{}");
  fs::permissions(dir_ / "open.json", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read |
                                          fs::perms::others_write);
  auto open = service::read_trusted_file((dir_ / "open.json").string(), 1 << 20);
  ASSERT_FALSE(open.ok());
  EXPECT_THAT(open.error(), HasSubstr("open.json: refused: anyone may write to it (mode 0646)"));

  // Writable by its own group (root's, or the service's own): not someone else.
  fs::permissions(dir_ / "open.json", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::group_write);
  EXPECT_TRUE(service::read_trusted_file((dir_ / "open.json").string(), 1 << 20).ok());
}

TEST_F(TrustedFileTest, AFileOwnedByAnotherAccountOrWritableByItsGroupIsRefusedWhenRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "giving a file to another account needs root (the CI runs as root)";
  const passwd* nobody = getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  write(dir_ / "theirs.json", "{}");
  ASSERT_EQ(chown((dir_ / "theirs.json").c_str(), nobody->pw_uid, 0), 0);
  auto theirs = service::read_trusted_file((dir_ / "theirs.json").string(), 1 << 20);
  ASSERT_FALSE(theirs.ok());
  EXPECT_THAT(theirs.error(), HasSubstr("theirs.json: refused: it is owned by uid " + std::to_string(nobody->pw_uid) + ", neither root"));

  write(dir_ / "group.json", "{}");
  ASSERT_EQ(chown((dir_ / "group.json").c_str(), 0, nobody->pw_gid), 0);
  ASSERT_EQ(chmod((dir_ / "group.json").c_str(), 0664), 0);
  auto group = service::read_trusted_file((dir_ / "group.json").string(), 1 << 20);
  ASSERT_FALSE(group.ok());
  EXPECT_THAT(group.error(), HasSubstr("the members of group " + std::to_string(nobody->pw_gid) + " may write to it"));
  ASSERT_EQ(chmod((dir_ / "group.json").c_str(), 0644), 0);
  EXPECT_TRUE(service::read_trusted_file((dir_ / "group.json").string(), 1 << 20).ok()) << "their group may read it";
}

TEST_F(TrustedFileTest, ALinkPlantedAtTheSnapshotPathIsRemovedNotFollowed) {
  const fs::path partial = dir_ / "authwatch.db-queue.json.partial";
  write(dir_ / "victim", "someone else's file");
  fs::create_symlink(dir_ / "victim", partial);
  auto written = service::write_new_file(partial.string(), "[1]");
  ASSERT_TRUE(written.ok()) << written.error();
  EXPECT_EQ(read(dir_ / "victim"), "someone else's file") << "the write went through the link";
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(partial)));
  EXPECT_EQ(read(partial), "[1]");
  EXPECT_EQ(fs::status(partial).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write) << "not 0600";

  // A FIFO there (whose open would block) is removed the same way.
  fs::remove(partial);
  ASSERT_EQ(mkfifo(partial.c_str(), 0666), 0);
  ASSERT_TRUE(service::write_new_file(partial.string(), "[2]").ok());
  EXPECT_EQ(read(partial), "[2]");
}

#endif

}  // namespace

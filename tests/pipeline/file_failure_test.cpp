// A file that is not read says why by its code (pipeline/ingest_errors.hpp), which `authwatch scan`
// and the monitor's folder act on: a file that cannot be opened is an error even inside a folder, an
// unrecognised one inside a folder is skipped quietly.
#include <cerrno>
#include <memory>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "pipeline/ingest.hpp"
#include "storage/database.hpp"
#include "tests/sources/temp_dir.hpp"

using namespace authwatch;

namespace {

class FileFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = storage::Database::open(dir_.file("authwatch.db"), storage::Database::Mode::ReadWrite);
    ASSERT_TRUE(db) << db.error();
    db_ = std::move(db).value();
    ingest_ = std::make_unique<pipeline::Ingest>(*db_, config_, clock_);
  }
  authwatch::testing::TempDir dir_;
  SystemClock clock_;
  Config config_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<pipeline::Ingest> ingest_;
};

TEST_F(FileFailureTest, AFileThatCannotBeOpenedHasTheCodeAndTheSystemsNumber) {
  const auto r = ingest_->ingest_file(dir_.file("no-such.log"));
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->code, pipeline::IngestErrc::cannot_open);
  EXPECT_EQ(r.failure->os, std::errc::no_such_file_or_directory);
  EXPECT_NE(r.failure->message.find("no-such.log: cannot be read: "), std::string::npos) << r.failure->message;
}

TEST_F(FileFailureTest, AFileNoReaderKnowsIsAnUnknownFormat) {
  const auto r = ingest_->ingest_file(dir_.write("README.txt", "notes about the outage\n"));
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->code, pipeline::IngestErrc::unknown_format);
  EXPECT_FALSE(r.failure->os);
  EXPECT_EQ(r.format, sources::FileFormat::Unknown);
}

TEST_F(FileFailureTest, AFileItsReaderGivesUpOnIsAReadFailure) {
  // An .evtx signature with a header cut short: recognised, then refused by the reader.
  const auto r = ingest_->ingest_file(dir_.write("cut.evtx", std::string("ElfFile\0", 8) + std::string(92, '\0')));
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->code, pipeline::IngestErrc::read_failed) << r.failure->message;
  EXPECT_EQ(r.format, sources::FileFormat::Evtx);
#ifndef _WIN32  // the native reader's words; on Windows the file goes to wevtapi (EvtQuery), which says its own
  EXPECT_NE(r.failure->message.find("header is cut short"), std::string::npos) << r.failure->message;
#endif
}

TEST_F(FileFailureTest, AReadableLogHasNoFailure) {
  const auto r = ingest_->ingest_file(std::string(AUTHWATCH_TEST_DATA) + "/scenario/ex2-application-wevtutil.xml");
  EXPECT_FALSE(r.failure) << r.failure->message;
  EXPECT_GT(r.records_read, 0u);
}

}  // namespace

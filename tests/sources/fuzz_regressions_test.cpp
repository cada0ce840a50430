// The inputs the fuzz targets found problems with (tests/data/fuzz-regressions/, README there),
// read through the real file readers as the scan and the monitor read them: no exception, a
// position storage can write, messages that JSON output can show. Each also has a test of its
// own next to its reader's others; this one keeps every saved input passing in the normal suite.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/utf8.hpp"
#include "core/text.hpp"
#include "sources/readers.hpp"
#include "tests/sources/temp_dir.hpp"

namespace authwatch::sources {
namespace {

namespace fs = std::filesystem;
const fs::path kRegressions = fs::path(AUTHWATCH_TEST_DATA) / "fuzz-regressions";

// Reads every saved input of `target` as a file of `format` (`prefix` first: the UTF-16LE
// target's inputs are the text after the BOM); returns how many were read.
int read_all(const std::string& target, FileFormat format, std::string_view prefix = {}) {
  testing::TempDir dir;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kRegressions / target)) {
    SCOPED_TRACE(entry.path().string());
    const auto path = dir.write(entry.path().filename().string(), std::string(prefix) + testing::read_bytes(entry.path().string()));
    auto source = make_file_source(path, format);
    std::vector<std::string> messages;
    Result<ReadSummary> read = Error{"not read"};
    EXPECT_NO_THROW(read = source->read({}, [](TransportEvent&&) {}, [&](ReadError&& e) { messages.push_back(e.message()); }));
    EXPECT_TRUE(read.ok()) << (read.ok() ? "" : read.error());
    if (read.ok()) {
      EXPECT_NO_THROW((void)read.value().position.to_json());
    }
    for (const auto& message : messages) EXPECT_EQ(to_valid_utf8(message), message) << "a message is UTF-8";
    ++count;
  }
  return count;
}

TEST(FuzzRegressions, SavedInputsAreReadAsTheReadersReadFiles) {
  EXPECT_GE(read_all("protocol_log", FileFormat::ProtocolLog), 1);
  EXPECT_GE(read_all("event_xml", FileFormat::EventXml), 1);
  EXPECT_GE(read_all("queue_json", FileFormat::QueueJson), 1);
  EXPECT_GE(read_all("queue_json_utf16", FileFormat::QueueJson, "\xFF\xFE"), 1);
}

}  // namespace
}  // namespace authwatch::sources

#include <gtest/gtest.h>

#include <filesystem>

#include "core/text.hpp"
#include "sources/file_source.hpp"
#include "sources/text_encoding.hpp"
#include "tests/sources/temp_dir.hpp"
#include "tests/sources/test_inputs.hpp"

namespace authwatch::sources {
namespace {

using testing::read_bytes;
using testing::TempDir;

// --- names ----------------------------------------------------------------------------------

TEST(FileFormat, NamesAndSourceKinds) {
  EXPECT_EQ(to_string(FileFormat::EventXml), "event-xml");
  EXPECT_EQ(to_string(FileFormat::Evtx), "evtx");
  EXPECT_EQ(to_string(FileFormat::ProtocolLog), "protocol-log");
  EXPECT_EQ(to_string(FileFormat::QueueJson), "queue-json");
  EXPECT_EQ(to_string(FileFormat::Unknown), "unknown");
  EXPECT_EQ(source_kind_of(FileFormat::EventXml), SourceKind::EventXml);
  EXPECT_EQ(source_kind_of(FileFormat::Evtx), SourceKind::Evtx);
  EXPECT_EQ(source_kind_of(FileFormat::ProtocolLog), SourceKind::ProtocolLog);
  EXPECT_EQ(source_kind_of(FileFormat::QueueJson), SourceKind::QueueSnapshot);
}

// --- byte strings ---------------------------------------------------------------------------

TEST(DetectFormat, EvtxByItsMagic) {
  EXPECT_EQ(detect_format(std::string_view("ElfFile\0\0\0\0\0", 12)), FileFormat::Evtx);
  EXPECT_EQ(detect_format("ElfFile"), FileFormat::Unknown);  // truncated magic
  EXPECT_EQ(detect_format(std::string_view("ElfChnk\0", 8)), FileFormat::Unknown);  // a chunk, not a file
}

TEST(DetectFormat, ProtocolLogByItsDirectives) {
  EXPECT_EQ(detect_format("#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n"), FileFormat::ProtocolLog);
  EXPECT_EQ(detect_format("\xEF\xBB\xBF#Software: Microsoft Exchange Server\r\n"), FileFormat::ProtocolLog);
  EXPECT_EQ(detect_format("\r\n  #Fields: date-time,connector-id\r\n"), FileFormat::ProtocolLog);
  EXPECT_EQ(detect_format("#Version: 15.0.0.0\n"), FileFormat::ProtocolLog);
  EXPECT_EQ(detect_format("#Log-type: SMTP Send Protocol Log\n"), FileFormat::ProtocolLog);
  EXPECT_EQ(detect_format("#TYPE Selected.Microsoft.Exchange.Data.QueueViewer.ExtensibleQueueInfo\n"), FileFormat::Unknown);
  EXPECT_EQ(detect_format("date-time,connector-id,session-id\n"), FileFormat::Unknown);
}

TEST(DetectFormat, QueueJsonByItsFirstCharacter) {
  EXPECT_EQ(detect_format("[\r\n    {\r\n        \"Identity\":  \"EX1\\\\3\""), FileFormat::QueueJson);
  EXPECT_EQ(detect_format("\xEF\xBB\xBF  {\"Identity\":\"EX1\\\\3\"}"), FileFormat::QueueJson);
}

TEST(DetectFormat, EventXmlOnlyWithAnEventElement) {
  EXPECT_EQ(detect_format("<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System>"), FileFormat::EventXml);
  EXPECT_EQ(detect_format("<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<Events>\r\n<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"),
            FileFormat::EventXml);
  EXPECT_EQ(detect_format("<?xml version=\"1.0\"?><html><body>"), FileFormat::Unknown);
  EXPECT_EQ(detect_format("Event 1035 <Event>"), FileFormat::Unknown);  // must start with markup
}

TEST(DetectFormat, EmptyAndBlankAreUnknown) {
  EXPECT_EQ(detect_format(""), FileFormat::Unknown);
  EXPECT_EQ(detect_format(" \r\n\t"), FileFormat::Unknown);
  EXPECT_EQ(detect_format("\xEF\xBB\xBF"), FileFormat::Unknown);
  EXPECT_EQ(detect_format("\xFF\xFE"), FileFormat::Unknown);
}

TEST(DetectFormat, Utf16leTextAsPowerShell51WritesIt) {
  EXPECT_EQ(detect_format(as_utf16le("[\r\n    {")), FileFormat::QueueJson);
  EXPECT_EQ(detect_format(as_utf16le("<Events><Event xmlns='x'>")), FileFormat::EventXml);
  EXPECT_EQ(detect_format(as_utf16le("#Software: Microsoft Exchange Server")), FileFormat::ProtocolLog);
  // A head cut inside a code unit or a surrogate pair is still recognised.
  EXPECT_EQ(detect_format(as_utf16le("<Event xmlns='x'>").substr(0, 17)), FileFormat::EventXml);
  EXPECT_EQ(detect_format(as_utf16le("[{\"LastError\":\"") + "\x3D\xD8"), FileFormat::QueueJson);
  // Without a BOM only the first byte can still be recognised; "<" alone is not enough for XML.
  EXPECT_EQ(detect_format(as_utf16le("[{", false)), FileFormat::QueueJson);
  EXPECT_EQ(detect_format(as_utf16le("<Event>", false)), FileFormat::Unknown);
}

// --- files ----------------------------------------------------------------------------------

FileFormat expected_by_extension(const std::filesystem::path& file) {
  // tests/data/ldap holds captured directory attributes (repsFrom, DS_REPL_NEIGHBOR XML), not
  // exports: scanning must not mistake them for anything it reads.
  if (file.parent_path().filename() == "ldap") return FileFormat::Unknown;
  std::string extension = to_lower(file.extension().string());
  if (extension == ".evtx") return FileFormat::Evtx;
  if (extension == ".log") return FileFormat::ProtocolLog;
  if (extension == ".json" || extension == ".jsonl") return FileFormat::QueueJson;
  if (extension == ".xml") return FileFormat::EventXml;
  return FileFormat::Unknown;  // README.md, PROVENANCE.tsv
}

TEST(DetectFileFormat, EveryFileInTheTestData) {
  size_t checked = 0;
  std::map<FileFormat, size_t> seen;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kTestData)) {
    if (!entry.is_regular_file()) continue;
    // Fuzz inputs, one parser's each (fuzz-regressions/README.md): some look like exports, some not.
    if (entry.path().parent_path().parent_path().filename() == "fuzz-regressions") continue;
    auto expected = expected_by_extension(entry.path());
    EXPECT_EQ(detect_file_format(entry.path().string()), expected) << entry.path();
    ++seen[expected];
    ++checked;
  }
  EXPECT_GE(seen[FileFormat::Evtx], 9u);
  EXPECT_GE(seen[FileFormat::ProtocolLog], 3u);
  EXPECT_GE(seen[FileFormat::QueueJson], 3u);
  EXPECT_GE(seen[FileFormat::Unknown], 2u);
  EXPECT_GT(checked, 17u);
}

TEST(DetectFileFormat, Utf16leCopiesOfTheTestData) {
  TempDir dir;
  auto json = dir.write("queues.json", as_utf16le(read_bytes(kTestData + "/exchange/queues-2010.json")));
  EXPECT_EQ(detect_file_format(json), FileFormat::QueueJson);
  auto xml = dir.write("events.xml", as_utf16le("<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<Events>\r\n<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System/></Event></Events>\r\n"));
  EXPECT_EQ(detect_file_format(xml), FileFormat::EventXml);
}

TEST(DetectFileFormat, ContentDecidesNotTheName) {
  TempDir dir;
  auto log_named_json = dir.write("snapshot.json", read_bytes(kTestData + "/exchange/RECV2023011116-1.LOG"));
  EXPECT_EQ(detect_file_format(log_named_json), FileFormat::ProtocolLog);
  EXPECT_EQ(detect_file_format(dir.file("missing.LOG")), FileFormat::Unknown);
  EXPECT_EQ(detect_file_format(dir.write("empty.LOG", "")), FileFormat::Unknown);
}

// --- text encodings -------------------------------------------------------------------------

TEST(TextEncoding, Utf16leToUtf8) {
  // "Aé€😀": one, two, three and four UTF-8 bytes; the emoji is a surrogate pair.
  const std::string utf16("A\0\xE9\0\xAC\x20\x3D\xD8\x00\xDE", 10);
  EXPECT_EQ(utf16le_to_utf8(utf16), "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  EXPECT_EQ(utf16le_to_utf8("\xFF\xFE" + utf16), utf16le_to_utf8(utf16));  // the BOM is dropped
  EXPECT_EQ(utf16le_to_utf8(""), "");
}

TEST(TextEncoding, MalformedUtf16leIsRejected) {
  EXPECT_EQ(utf16le_to_utf8(std::string("A\0B", 3)), std::nullopt);           // odd length
  EXPECT_EQ(utf16le_to_utf8(std::string("\x3D\xD8", 2)), std::nullopt);       // high surrogate at the end
  EXPECT_EQ(utf16le_to_utf8(std::string("\x3D\xD8\x41\x00", 4)), std::nullopt);  // high without low
  EXPECT_EQ(utf16le_to_utf8(std::string("\x00\xDE", 2)), std::nullopt);       // lone low surrogate
}

TEST(TextEncoding, DecodeToUtf8ByBom) {
  EXPECT_EQ(decode_to_utf8(as_utf16le("<Event/>")), "<Event/>");
  EXPECT_EQ(decode_to_utf8("\xEF\xBB\xBF<Event/>"), "<Event/>");
  EXPECT_EQ(decode_to_utf8("<Event/>"), "<Event/>");
  EXPECT_EQ(decode_to_utf8(std::string("\xFF\xFE<", 3)), std::nullopt);
}

}  // namespace
}  // namespace authwatch::sources

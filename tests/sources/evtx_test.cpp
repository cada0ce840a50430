// .evtx through libevtx on the real files in tests/data/evtx (PROVENANCE.tsv). Expected values
// were checked with `evtxexport -f xml` (libevtx-utils 20181227). Damaged copies are made in a
// temporary folder; the originals are never edited.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "sources/event_xml.hpp"
#include "sources/file_source.hpp"
#include "sources/fingerprint.hpp"
#include "sources/readers.hpp"
#include "tests/sources/temp_dir.hpp"

namespace authwatch::sources {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using authwatch::testing::read_bytes;
using authwatch::testing::TempDir;

const std::string kEvtx = std::string(AUTHWATCH_TEST_DATA) + "/evtx/";
const std::string kSystem = kEvtx + "python-evtx-system.evtx";  // 1601 records, 12049..13649, 9 chunks of 17
constexpr size_t kFileHeader = 4096;
constexpr size_t kChunk = 65536;
constexpr std::string_view kCorrupted = "file is flagged corrupted; some records may be missing";

TimePoint utc(int y, unsigned mo, unsigned d, int h, int mi, int s, long long us = 0) {
  using namespace std::chrono;
  return time_point_cast<microseconds>(sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} +
                                       microseconds{us});
}

struct Reading {
  std::vector<TransportEvent> events;
  std::vector<ReadError> errors;
  ReadSummary summary;
  std::string failure;  // the Error when the file could not be read at all
};

Reading read_evtx(const std::string& path, const SourcePosition& from = {}) {
  Reading out;
  auto result = make_evtx_file(path)->read(
      from, [&](TransportEvent&& e) { out.events.push_back(std::move(e)); },
      [&](ReadError&& e) { out.errors.push_back(std::move(e)); });
  if (result.ok()) out.summary = result.value();
  else out.failure = result.error();
  return out;
}

std::vector<std::string> locators(const Reading& reading) {
  std::vector<std::string> out;
  for (const auto& error : reading.errors) out.push_back(error.locator);
  return out;
}

const TransportEvent* find_record(const Reading& reading, uint64_t record_id) {
  for (const auto& event : reading.events)
    if (event.record_id == record_id) return &event;
  return nullptr;
}

std::string flipped(std::string bytes, size_t offset, size_t count) {
  for (size_t i = offset; i < offset + count && i < bytes.size(); ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0xFF);
  return bytes;
}

// --- sound files ----------------------------------------------------------------------------

TEST(EvtxFile, ReadsEveryRecordOfASystemLog) {
  auto reading = read_evtx(kSystem);
  ASSERT_EQ(reading.failure, "");
  EXPECT_TRUE(reading.errors.empty());
  ASSERT_EQ(reading.events.size(), 1601u);
  EXPECT_EQ(reading.summary.records_read, 1601u);
  EXPECT_EQ(reading.summary.bad_records, 0u);
  EXPECT_FALSE(reading.summary.resumed);
  uint64_t expected_record = 12049;
  for (const auto& e : reading.events) {
    EXPECT_EQ(e.channel, "System");
    EXPECT_EQ(e.source_kind, SourceKind::Evtx);
    EXPECT_EQ(e.location, kSystem);
    EXPECT_EQ(e.record_id, expected_record);
    EXPECT_EQ(e.locator, "record " + std::to_string(expected_record));
    ++expected_record;
  }
  EXPECT_EQ(reading.summary.position.record, 13649u);
  EXPECT_EQ(reading.summary.position.identity, file_fingerprint(kSystem));
}

TEST(EvtxFile, KnownRecordsAsEvtxexportShowsThem) {
  auto reading = read_evtx(kSystem);
  const auto* backup = find_record(reading, 12049);
  ASSERT_NE(backup, nullptr);
  EXPECT_EQ(backup->provider, "Microsoft-Windows-Eventlog");
  EXPECT_EQ(backup->event_id, 105u);
  EXPECT_EQ(backup->level, 4);
  EXPECT_EQ(backup->computer, "WKS-WIN764BITB.shieldbase.local");
  EXPECT_EQ(backup->time, utc(2012, 3, 14, 4, 17, 43, 354562)) << "SystemTime 2012-03-14T04:17:43.354562700Z";
  EXPECT_EQ(backup->key, "evt:wks-win764bitb.shieldbase.local|System|12049");
  EXPECT_EQ(backup->field("Channel"), "System") << "<UserData><AutoBackup><Channel>";
  EXPECT_EQ(backup->field("BackupPath"), "C:\\Windows\\System32\\Winevt\\Logs\\Archive-System-2012-03-14-04-17-39-932.evtx");

  const auto* service = find_record(reading, 12050);
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->provider, "Service Control Manager");
  EXPECT_EQ(service->event_id, 7036u);
  EXPECT_EQ(service->field("Qualifiers"), "16384");
  EXPECT_EQ(service->field("param1"), "Windows Modules Installer");
  EXPECT_EQ(service->field("param2"), "stopped");
  EXPECT_EQ(service->field("Binary"), "540072007500730074006500640049006E007300740061006C006C00650072002F0031000000");
  EXPECT_EQ(service->time, utc(2012, 3, 14, 4, 17, 38, 276340));
}

TEST(EvtxFile, KeyMatchesTheSameRecordExportedAsXml) {
  auto reading = read_evtx(kSystem);
  const auto* from_evtx = find_record(reading, 12050);
  ASSERT_NE(from_evtx, nullptr);
  // Record 12050 as `wevtutil qe System /f:xml` writes it.
  std::string xml =
      "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Service Control "
      "Manager' Guid='{555908d1-a6d7-4695-8e1e-26931d2012f4}' EventSourceName='Service Control Manager'/><EventID "
      "Qualifiers='16384'>7036</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode>"
      "<Keywords>0x8080000000000000</Keywords><TimeCreated SystemTime='2012-03-14T04:17:38.2763402Z'/>"
      "<EventRecordID>12050</EventRecordID><Correlation/><Execution ProcessID='548' ThreadID='1340'/>"
      "<Channel>System</Channel><Computer>WKS-WIN764BITB.shieldbase.local</Computer><Security/></System><EventData>"
      "<Data Name='param1'>Windows Modules Installer</Data><Data Name='param2'>stopped</Data>"
      "<Binary>540072007500730074006500640049006E007300740061006C006C00650072002F0031000000</Binary></EventData></Event>";
  auto from_xml = parse_event_xml(xml, SourceKind::EventXml, "System.xml", "event 1 (line 1)");
  ASSERT_TRUE(from_xml.ok()) << from_xml.error();
  EXPECT_EQ(from_xml.value().key, from_evtx->key);
  EXPECT_EQ(from_xml.value().fields, from_evtx->fields);
  EXPECT_EQ(from_xml.value().time, from_evtx->time);
}

TEST(EvtxFile, ExportedLogsKeepTheirEventRecordIdsInTheKey) {
  // `wevtutil epl` renumbers the record headers from 1; EventRecordID keeps the live log's number.
  auto reading = read_evtx(kEvtx + "new-user-security.evtx");
  EXPECT_TRUE(reading.errors.empty());
  std::vector<std::string> seen;
  for (const auto& e : reading.events) seen.push_back(e.locator + ": " + std::to_string(e.event_id) + " " + e.key);
  EXPECT_THAT(seen, ElementsAre("record 1: 4728 evt:ie8win7|Security|111", "record 2: 4720 evt:ie8win7|Security|112",
                                "record 3: 4732 evt:ie8win7|Security|113", "record 4: 4732 evt:ie8win7|Security|116"));
  EXPECT_EQ(reading.summary.position.record, 4u) << "positions count libevtx's record numbers";
}

TEST(EvtxFile, DnsAnalyticalLog) {
  auto reading = read_evtx(kEvtx + "dns_log_malformed.evtx");
  EXPECT_TRUE(reading.errors.empty());
  ASSERT_EQ(reading.events.size(), 5u);
  EXPECT_EQ(reading.events[0].channel, "Microsoft-Windows-DNSServer/Analytical");
  EXPECT_EQ(reading.events[0].record_id, 101982u);
  EXPECT_EQ(reading.events[0].field("QNAME"), "appexneuprodweather.blob.core.windows.net.");
  EXPECT_EQ(reading.events[4].record_id, 101986u);
}

// --- damaged originals ----------------------------------------------------------------------

TEST(EvtxFile, ARecordLibevtxCannotDecodeIsNamed) {
  auto path = kEvtx + "MSExchange_Management_wec.evtx";
  auto reading = read_evtx(path);
  ASSERT_EQ(reading.failure, "");
  EXPECT_TRUE(reading.events.empty());
  ASSERT_EQ(reading.errors.size(), 1u);
  EXPECT_EQ(reading.errors[0].location, path);
  EXPECT_EQ(reading.errors[0].locator, "record index 0");
  EXPECT_THAT(reading.errors[0].reason, HasSubstr("invalid binary XML token - unsupported type: 0x05"));
  EXPECT_EQ(reading.summary.records_read, 1u);
  EXPECT_EQ(reading.summary.bad_records, 1u);

  auto again = read_evtx(path, reading.summary.position);
  EXPECT_TRUE(again.summary.resumed);
  EXPECT_TRUE(again.errors.empty()) << "reported once, not on every resumed read";
  EXPECT_EQ(again.summary.bad_records, 0u);
}

TEST(EvtxFile, AFileWithoutChecksumsIsReadAndFlagged) {
  auto path = kEvtx + "Application_no_crc32.evtx";
  auto reading = read_evtx(path);
  ASSERT_EQ(reading.events.size(), 17u);
  EXPECT_EQ(reading.events.front().record_id, 426u);
  EXPECT_EQ(reading.events.front().provider, "SecurityCenter");
  EXPECT_EQ(reading.events.back().record_id, 442u);
  ASSERT_EQ(reading.errors.size(), 1u);
  EXPECT_EQ(reading.errors[0].message(), path + ": file: " + std::string(kCorrupted));
  EXPECT_EQ(reading.summary.bad_records, 0u) << "the flag is about the file, not a record";
}

TEST(EvtxFile, ABadChunkMagicCostsItsRecordsAndTheGapsAreNamed) {
  auto reading = read_evtx(kEvtx + "sample_with_a_bad_chunk_magic.evtx");
  EXPECT_EQ(reading.events.size(), 267u);
  EXPECT_THAT(locators(reading), ElementsAre("records 45933-46727", "records 46741-47627", "file"));
  EXPECT_THAT(reading.errors[0].reason, HasSubstr("missing"));
  EXPECT_EQ(reading.summary.bad_records, 0u);
  EXPECT_EQ(reading.summary.position.record, 47639u);
}

TEST(EvtxFile, ABadStringCacheStillYieldsEveryRecord) {
  auto reading = read_evtx(kEvtx + "security_bad_string_cache.evtx");
  ASSERT_EQ(reading.events.size(), 2261u);
  for (const auto& e : reading.events) EXPECT_EQ(e.channel, "Security");
  EXPECT_THAT(locators(reading), ElementsAre("file"));
}

// --- damaged copies -------------------------------------------------------------------------

TEST(EvtxFile, TruncatedCopiesGiveTheirWholeChunks) {
  TempDir dir;
  auto system = read_bytes(kSystem);
  // Half the file: chunks 0-7 whole, chunk 8 (records 13473-13649) cut.
  auto half = read_evtx(dir.write("half.evtx", system.substr(0, system.size() / 2)));
  ASSERT_EQ(half.events.size(), 1424u);
  EXPECT_EQ(half.events.back().record_id, 13472u);
  EXPECT_THAT(locators(half), ElementsAre("file"));
  EXPECT_EQ(half.errors[0].reason, kCorrupted);

  // 70%: only unused chunks are lost, so nothing is missing and nothing is reported.
  auto most = read_evtx(dir.write("most.evtx", system.substr(0, system.size() * 7 / 10)));
  EXPECT_EQ(most.events.size(), 1601u);
  EXPECT_TRUE(most.errors.empty());

  auto security = read_bytes(kEvtx + "security_bad_string_cache.evtx");
  auto security_cut = read_evtx(dir.write("security.evtx", security.substr(0, security.size() * 7 / 10)));
  ASSERT_EQ(security_cut.events.size(), 2027u);
  EXPECT_EQ(security_cut.events.back().record_id, 2027u);
  EXPECT_THAT(locators(security_cut), ElementsAre("file"));
}

TEST(EvtxFile, ACopyCutInsideTheFirstChunkHasNoRecordsButSaysSo) {
  TempDir dir;
  auto path = dir.write("cut.evtx", read_bytes(kSystem).substr(0, 5000));
  auto reading = read_evtx(path);
  ASSERT_EQ(reading.failure, "");
  EXPECT_TRUE(reading.events.empty());
  ASSERT_EQ(reading.errors.size(), 1u);
  EXPECT_EQ(reading.errors[0].message(), path + ": file: " + std::string(kCorrupted));
}

TEST(EvtxFile, ACopyCutInsideTheFileHeaderCannotBeOpened) {
  TempDir dir;
  auto path = dir.write("header.evtx", read_bytes(kSystem).substr(0, 100));
  auto reading = read_evtx(path);
  EXPECT_THAT(reading.failure, HasSubstr(path + ": cannot open as .evtx: "));
  EXPECT_THAT(reading.failure, HasSubstr("unable to read file header"));
}

TEST(EvtxFile, BitFlipsInAChunkCostTheRecordsAfterThem) {
  TempDir dir;
  auto system = read_bytes(kSystem);
  // 64 bytes in the middle of chunk 2 (records 12385-12574).
  auto middle = read_evtx(dir.write("middle.evtx", flipped(system, kFileHeader + 2 * kChunk + 30000, 64)));
  EXPECT_EQ(middle.events.size(), 1489u);
  EXPECT_THAT(locators(middle), ElementsAre("records 12463-12574", "file"));
  EXPECT_EQ(find_record(middle, 12463), nullptr);
  EXPECT_NE(find_record(middle, 12462), nullptr);
  EXPECT_NE(find_record(middle, 12575), nullptr);

  // Inside one record of chunk 1: libevtx lists it but cannot decode it. Its neighbours are
  // 12342 and 12344, so the error can name it.
  auto one_record = read_evtx(dir.write("record.evtx", flipped(system, 120128, 32)));
  EXPECT_EQ(one_record.events.size(), 1600u);
  EXPECT_THAT(locators(one_record), ElementsAre("record 12343 (index 294)", "file"));
  EXPECT_THAT(one_record.errors[0].reason, HasSubstr("libevtx cannot read it: libfwevt_"));
  EXPECT_EQ(one_record.summary.records_read, 1601u);
  EXPECT_EQ(one_record.summary.bad_records, 1u);

  // Just after chunk 0's header: the whole chunk (records 12049-12201) is dropped.
  auto first_chunk = read_evtx(dir.write("first.evtx", flipped(system, kFileHeader + 0x200, 0x200)));
  ASSERT_EQ(first_chunk.events.size(), 1448u);
  EXPECT_EQ(first_chunk.events.front().record_id, 12202u);
  EXPECT_THAT(locators(first_chunk), ElementsAre("file"));
}

TEST(EvtxFile, FlipsAnywhereNeverStopTheRead) {
  TempDir dir;
  auto system = read_bytes(kSystem);
  for (size_t offset = 0x80; offset < kFileHeader + 9 * kChunk; offset += 40000) {
    auto reading = read_evtx(dir.write("flip.evtx", flipped(system, offset, 32)));
    if (!reading.failure.empty()) {
      EXPECT_THAT(reading.failure, HasSubstr("flip.evtx")) << "offset " << offset;
      continue;
    }
    EXPECT_GT(reading.events.size() + reading.errors.size(), 0u) << "offset " << offset;
    for (const auto& error : reading.errors) EXPECT_THAT(error.message(), HasSubstr("flip.evtx: "));
  }
}

// --- positions ------------------------------------------------------------------------------

TEST(EvtxFile, ResumingFromTheReturnedPositionReadsNothingNew) {
  auto first = read_evtx(kSystem);
  auto again = read_evtx(kSystem, first.summary.position);
  ASSERT_EQ(again.failure, "");
  EXPECT_TRUE(again.summary.resumed);
  EXPECT_TRUE(again.events.empty());
  EXPECT_TRUE(again.errors.empty());
  EXPECT_EQ(again.summary.records_read, 0u);
  EXPECT_EQ(again.summary.position, first.summary.position);

  auto flagged = read_evtx(kEvtx + "Application_no_crc32.evtx");
  auto flagged_again = read_evtx(kEvtx + "Application_no_crc32.evtx", flagged.summary.position);
  EXPECT_TRUE(flagged_again.errors.empty()) << "the corrupted flag is reported by the first read only";
}

TEST(EvtxFile, ResumingSkipsRecordsUpToThePositionsRecord) {
  auto first = read_evtx(kSystem);
  auto from = first.summary.position;
  from.record = 13600;
  auto rest = read_evtx(kSystem, from);
  ASSERT_EQ(rest.events.size(), 49u);
  EXPECT_EQ(rest.events.front().record_id, 13601u);
  EXPECT_EQ(rest.summary.records_read, 49u);
  EXPECT_EQ(rest.summary.position.record, 13649u);
}

TEST(EvtxFile, APositionOfAnotherFileReadsFromTheStart) {
  SourcePosition foreign{"fnv1a64:1024:0123456789abcdef", 0, 99999, "records-listed:5000"};
  auto reading = read_evtx(kSystem, foreign);
  EXPECT_FALSE(reading.summary.resumed);
  EXPECT_EQ(reading.events.size(), 1601u);
  EXPECT_EQ(reading.summary.position.record, 13649u);
}

// --- not an .evtx -------------------------------------------------------------------------

TEST(EvtxFile, AFileThatIsNoEvtxIsAnError) {
  TempDir dir;
  auto text = dir.write("notes.evtx", std::string(8192, 'x'));
  EXPECT_EQ(read_evtx(text).failure, text + ": not an .evtx file (no ElfFile signature)");
  auto missing = dir.file("missing.evtx");
  auto reading = read_evtx(missing);
  EXPECT_THAT(reading.failure, HasSubstr(missing + ": cannot open: "));
  EXPECT_THAT(reading.failure, HasSubstr("no such file"));
}

TEST(EvtxFile, ChosenByContent) {
  TempDir dir;
  auto path = dir.write("renamed.log", read_bytes(kEvtx + "new-user-security.evtx"));
  auto source = make_file_source(path, detect_file_format(path));
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->format(), FileFormat::Evtx);
  EXPECT_EQ(source->path(), path);
}

}  // namespace
}  // namespace authwatch::sources

// The .evtx FileSource (sources/evtx/evtx_file.cpp, the native reader) on the real files in
// tests/data/evtx (PROVENANCE.tsv): sound logs, the deliberately damaged originals, and damaged
// copies made in a temporary folder (the originals are never edited). Expected values were
// checked with `evtxexport -f xml` (libevtx-utils 20181227) and the chunk and record headers as
// the files hold them; tests/sources/evtx_oracle_test.cpp holds every record against libevtx.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "core/detector.hpp"
#include "sources/event_xml.hpp"
#include "sources/file_source.hpp"
#include "sources/fingerprint.hpp"
#include "sources/readers.hpp"
#include "tests/sources/temp_dir.hpp"
#include "tests/sources/test_inputs.hpp"

namespace authwatch::sources {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using authwatch::testing::read_bytes;
using authwatch::testing::TempDir;

const std::string kEvtx = std::string(AUTHWATCH_TEST_DATA) + "/evtx/";
// 1601 records, identifiers 12049..13649, in 9 chunks of 153-190 records; 8 empty chunk slots follow.
const std::string kSystem = kEvtx + "python-evtx-system.evtx";
constexpr size_t kFileHeader = 4096;
constexpr size_t kChunk = 65536;

struct Reading {
  std::vector<TransportEvent> events;
  std::vector<ReadError> errors;
  ReadSummary summary;
  std::string failure;  // the Error when the file could not be read at all
};

Reading read_evtx(const std::string& path, const SourcePosition& from = {}, const EventSelection& selection = {}) {
  Reading out;
  auto result = make_evtx_file(path, selection)->read(
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

std::vector<std::string> messages(const Reading& reading) {
  std::vector<std::string> out;
  for (const auto& error : reading.errors) out.push_back(error.locator + ": " + error.reason);
  return out;
}

const TransportEvent* find_locator(const Reading& reading, const std::string& locator) {
  for (const auto& event : reading.events)
    if (event.locator == locator) return &event;
  return nullptr;
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
  EXPECT_TRUE(reading.errors.empty()) << ::testing::PrintToString(messages(reading));
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
  EXPECT_EQ(reading.summary.position.bookmark, "chunks-read:17") << "9 chunks and 8 unused slots";
}

TEST(EvtxFile, KnownRecordsAsEvtxexportShowsThem) {
  auto reading = read_evtx(kSystem);
  const auto* backup = find_record(reading, 12049);
  ASSERT_NE(backup, nullptr);
  EXPECT_EQ(backup->provider, "Microsoft-Windows-Eventlog");
  EXPECT_EQ(backup->event_id, 105u);
  EXPECT_EQ(backup->level, 4);
  EXPECT_EQ(backup->computer, "WKS-WIN764BITB.shieldbase.local");
  EXPECT_EQ(backup->time, utc(2012, 3, 14, 4, 17, 43, 354562)) << "SystemTime 2012-03-14T04:17:43.3545627Z";
  EXPECT_EQ(backup->key, "evt:wks-win764bitb.shieldbase.local|System|12049");
  EXPECT_THAT(backup->fields, UnorderedElementsAre(Pair("Channel", "System"),
                                                   Pair("BackupPath", "C:\\Windows\\System32\\Winevt\\Logs\\Archive-System-2012-03-14-04-17-39-932.evtx")))
      << "<UserData><AutoBackup>: a BinXml value inside the record";

  const auto* service = find_record(reading, 12050);
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->provider, "Service Control Manager");
  EXPECT_EQ(service->event_id, 7036u);
  EXPECT_THAT(service->fields,
              UnorderedElementsAre(Pair("Qualifiers", "16384"), Pair("param1", "Windows Modules Installer"), Pair("param2", "stopped"),
                                   Pair("Binary", "540072007500730074006500640049006E007300740061006C006C00650072002F0031000000")));
  EXPECT_EQ(service->time, utc(2012, 3, 14, 4, 17, 38, 276340));
}

TEST(EvtxFile, KeyAndFieldsMatchTheSameRecordExportedAsXml) {
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
  EXPECT_EQ(from_xml.value().level, from_evtx->level);
}

TEST(EvtxFile, ExportedLogsKeepTheirEventRecordIdsInTheKey) {
  // `wevtutil epl` renumbers the record headers from 1; EventRecordID keeps the live log's number.
  auto reading = read_evtx(kEvtx + "new-user-security.evtx");
  EXPECT_TRUE(reading.errors.empty());
  std::vector<std::string> seen;
  for (const auto& e : reading.events) seen.push_back(e.locator + ": " + std::to_string(e.event_id) + " " + e.key);
  EXPECT_THAT(seen, ElementsAre("record 1: 4728 evt:ie8win7|Security|111", "record 2: 4720 evt:ie8win7|Security|112",
                                "record 3: 4732 evt:ie8win7|Security|113", "record 4: 4732 evt:ie8win7|Security|116"));
  EXPECT_EQ(reading.summary.position.record, 4u) << "positions count the record headers' numbers";
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

TEST(EvtxFile, ValueTypesAsWindowsWritesThem) {
  // size_t, HexInt64 and GUID values of a Security log (libevtx writes "4", "0x00000000000003e7").
  auto security = read_evtx(kEvtx + "Security_with_size_t.evtx");
  EXPECT_TRUE(security.errors.empty());
  const auto* logon = find_record(security, 2);
  ASSERT_NE(logon, nullptr);
  EXPECT_EQ(logon->event_id, 4624u);
  EXPECT_EQ(logon->field("ProcessId"), "0x4");
  EXPECT_EQ(logon->field("TargetLogonId"), "0x3e7");
  EXPECT_EQ(logon->field("SubjectLogonId"), "0x0");
  EXPECT_EQ(logon->field("TargetUserSid"), "S-1-5-18");
  EXPECT_EQ(logon->field("LogonGuid"), "{00000000-0000-0000-0000-000000000000}");
  EXPECT_EQ(logon->field("ProcessName"), "");
  // A negative Int32 (libevtx 20181227 writes -295007 for this one).
  auto live_id = read_evtx(kEvtx + "python-evtx-issue_39.evtx");
  EXPECT_TRUE(live_id.errors.empty());
  const auto* failure = find_record(live_id, 3);
  ASSERT_NE(failure, nullptr);
  EXPECT_EQ(failure->field("ErrorCode"), "-2147188641");
}

TEST(EvtxFile, AStringArrayGivesOneDataElementPerItem) {
  // EventLog 6009 ("Microsoft (R) Windows (R) %1 %2 %3 %4"): one array substitution, four items.
  auto reading = read_evtx(kEvtx + "evtx-rs-system.evtx");
  EXPECT_TRUE(reading.errors.empty());
  const auto* boot = find_record(reading, 1);
  ASSERT_NE(boot, nullptr);
  EXPECT_EQ(boot->provider, "EventLog");
  EXPECT_EQ(boot->event_id, 6009u);
  EXPECT_EQ(boot->field("1"), "10.00.");
  EXPECT_EQ(boot->field("2"), "15063");
  EXPECT_EQ(boot->field("3"), "");
  EXPECT_EQ(boot->field("4"), "Multiprocessor Free");
  EXPECT_EQ(boot->field("5"), "0");
  EXPECT_FALSE(boot->fields.count("Binary")) << "<Binary> is an optional substitution of a Null: left out";
}

// --- damaged originals ----------------------------------------------------------------------

TEST(EvtxFile, TheForwardedEventLibevtxRejectsIsRead) {
  // A Windows Event Collector record: the event's XML without a template, with value tokens
  // (0x05) inside attributes. libevtx 20181227: "invalid binary XML token - unsupported type: 0x05".
  auto path = kEvtx + "MSExchange_Management_wec.evtx";
  auto reading = read_evtx(path);
  ASSERT_EQ(reading.failure, "");
  EXPECT_TRUE(reading.errors.empty()) << ::testing::PrintToString(messages(reading));
  ASSERT_EQ(reading.events.size(), 1u);
  const auto& e = reading.events[0];
  EXPECT_EQ(e.locator, "record 1");
  EXPECT_EQ(e.provider, "MSExchange CmdletLogs");
  EXPECT_EQ(e.event_id, 1u);
  EXPECT_EQ(e.level, 4);
  EXPECT_EQ(e.channel, "MSExchange Management");
  EXPECT_EQ(e.computer, "WEC.ave.local");
  EXPECT_EQ(e.record_id, 3229u);
  EXPECT_EQ(e.time, utc(2021, 11, 19, 16, 52, 33, 833733));
  EXPECT_EQ(e.key, "evt:wec.ave.local|MSExchange Management|3229");
  EXPECT_EQ(e.field("Qualifiers"), "16384");
  EXPECT_EQ(e.field("1"), "Set-Mailbox");
  EXPECT_EQ(e.field("2"), "-Identity \"Administrateur\" -DeliverToMailboxAndForward \"False\" -ForwardingSmtpAddress \"smtp:test2@example.com\"");
  EXPECT_EQ(e.field("3"), "ave.local/Users/Administrateur");
  EXPECT_EQ(e.field("27"), "fr-FR");
  EXPECT_EQ(e.fields.size(), 28u) << "27 unnamed <Data> and the Qualifiers";
  EXPECT_EQ(reading.summary.records_read, 1u);
  EXPECT_EQ(reading.summary.bad_records, 0u);
}

TEST(EvtxFile, AFileWithoutChecksumsIsReadAndEachChecksumReported) {
  auto path = kEvtx + "Application_no_crc32.evtx";
  auto reading = read_evtx(path);
  ASSERT_EQ(reading.events.size(), 17u);
  EXPECT_EQ(reading.events.front().record_id, 426u);
  EXPECT_EQ(reading.events.front().provider, "SecurityCenter");
  EXPECT_EQ(reading.events.back().record_id, 442u);
  EXPECT_THAT(messages(reading),
              ElementsAre("file header: checksum 0x00000000 does not match its bytes (0x86592513); read on",
                          "chunk 0 (byte 4096): header checksum 0x00000000 does not match its bytes (0x9811019d); read anyway",
                          "chunk 0 (byte 4096): records checksum 0x00000000 does not match their bytes (0xa850554e); read anyway"));
  for (const auto& error : reading.errors) EXPECT_EQ(error.location, path);
  EXPECT_EQ(reading.summary.bad_records, 0u) << "checksums are about the file, not a record";
}

TEST(EvtxFile, ABadStringCacheStillYieldsEveryRecord) {
  auto reading = read_evtx(kEvtx + "security_bad_string_cache.evtx");
  ASSERT_EQ(reading.events.size(), 2261u);
  for (const auto& e : reading.events) EXPECT_EQ(e.channel, "Security");
  EXPECT_THAT(messages(reading),
              ElementsAre("chunk 0 (byte 4096): header checksum 0x3a57641e does not match its bytes (0x685abe41); read anyway"));
}

TEST(EvtxFile, WipedAndDamagedChunksAreNamedAndTheRestRead) {
  // Chunks 6 and 10 have their first bytes zeroed (header, templates); 0, 7 and 9 end in a torn
  // record. libevtx reads 267 records and says nothing but "corrupted".
  auto reading = read_evtx(kEvtx + "sample_with_a_bad_chunk_magic.evtx");
  EXPECT_EQ(reading.events.size(), 298u) << "267, and 31 after the torn record of chunk 7";
  EXPECT_THAT(locators(reading),
              ElementsAre("chunk 0 (byte 4096)", "record 46741", "chunk 6 (byte 397312)", "records 47613-47627",
                          "chunk 6 (byte 397312)", "chunk 7 (byte 462848)", "record 47640", "chunk 9 (byte 593920)",
                          "record 45933", "chunk 10 (byte 659456)", "records 45963-46029", "record 46030",
                          "records 45934-45962", "records 46031-46727", "records 46742-47612", "records 47641-47674"));
  EXPECT_EQ(reading.errors[2].reason,
            "its header is zeroed, yet records follow from chunk byte 57608: read as far as their templates are intact");
  EXPECT_EQ(reading.errors[3].reason,
            "found past the damage at chunk byte 57608 of chunk 6: template at chunk byte 550: it holds no element (15 records)");
  EXPECT_EQ(reading.errors[6].reason,
            "chunk 7 (byte 462848), chunk byte 7784: its size 504 and the copy at its end (0) differ; bytes 7784-25039 skipped, "
            "reading goes on at the next record");
  EXPECT_EQ(reading.errors[12].reason, "missing: no readable record carries these numbers (lost to the damage reported above)");
  EXPECT_EQ(reading.summary.records_read, 298u + 15 + 67 + 5);
  EXPECT_EQ(reading.summary.bad_records, 15u + 67 + 5) << "the zeroed chunks' records and the five torn ones";
  EXPECT_EQ(reading.summary.position.record, 47705u);
}

TEST(EvtxFile, AShadowCopyMixingTwoVersionsOfAChunkIsReadRecordByRecord) {
  // Chunk 15 of this volume shadow copy holds records 352106-352135, then 462726-462791 written
  // over them, then 352202-352210: numbers that do not only go up within a chunk (and record
  // 352135 carries EventRecordID 462725: it was being overwritten too).
  auto reading = read_evtx(kEvtx + "2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx");
  EXPECT_EQ(reading.events.size(), 1795u);
  ASSERT_NE(find_locator(reading, "record 352135"), nullptr);
  EXPECT_EQ(find_locator(reading, "record 352135")->record_id, 462725u);
  EXPECT_NE(find_locator(reading, "record 462726"), nullptr);
  EXPECT_NE(find_locator(reading, "record 352210"), nullptr);
  EXPECT_EQ(find_locator(reading, "record 352136"), nullptr);
  EXPECT_THAT(messages(reading), ::testing::Contains("records 352136-352201: missing: no readable record carries these "
                                                     "numbers (lost to the damage reported above)"));
}

// --- damaged copies -------------------------------------------------------------------------

TEST(EvtxFile, ATruncatedCopyGivesEveryRecordBeforeTheCut) {
  TempDir dir;
  auto system = read_bytes(kSystem);
  // Half the file: chunks 0-7 whole (records 12049-13472), chunk 8 cut 30720 bytes in.
  auto half = read_evtx(dir.write("half.evtx", system.substr(0, system.size() / 2)));
  ASSERT_EQ(half.failure, "");
  EXPECT_EQ(half.events.size(), 1498u) << "1424 in the whole chunks and 74 of chunk 8's before the cut";
  EXPECT_EQ(half.events.back().record_id, 13546u);
  ASSERT_EQ(half.errors.size(), 2u);
  EXPECT_EQ(half.errors[0].message(), half.errors[0].location + ": chunk 8 (byte 528384): the file ends 30720 bytes into this chunk: records after that are lost");
  EXPECT_EQ(half.errors[1].locator, "record 13547");
  EXPECT_THAT(half.errors[1].reason, HasSubstr("does not fit the chunk's records (they end at chunk byte 30720)"));
  EXPECT_EQ(half.summary.bad_records, 1u);
  EXPECT_EQ(half.summary.position.record, 13547u);

  // 70%: only unused chunk slots are lost, so nothing is missing and nothing is reported.
  auto most = read_evtx(dir.write("most.evtx", system.substr(0, system.size() * 7 / 10)));
  EXPECT_EQ(most.events.size(), 1601u);
  EXPECT_TRUE(most.errors.empty()) << ::testing::PrintToString(messages(most));
}

TEST(EvtxFile, ACopyCutInsideTheFirstChunk) {
  TempDir dir;
  auto path = dir.write("cut.evtx", read_bytes(kSystem).substr(0, 5000));
  auto reading = read_evtx(path);
  ASSERT_EQ(reading.failure, "");
  EXPECT_TRUE(reading.events.empty()) << "the first record (2176 bytes from chunk byte 512) is cut";
  EXPECT_THAT(messages(reading),
              ElementsAre("chunk 0 (byte 4096): the file ends 904 bytes into this chunk: records after that are lost",
                          "record 12049: chunk 0 (byte 4096), chunk byte 512: its size 2176 does not fit the chunk's records "
                          "(they end at chunk byte 904); bytes 512-903 skipped (the rest of the records)",
                          "file: truncated: the header lists 9 chunks, the file holds 1"));
  EXPECT_EQ(reading.summary.records_read, 1u);
  EXPECT_EQ(reading.summary.bad_records, 1u);
}

TEST(EvtxFile, ACopyCutInsideTheFileHeaderCannotBeOpened) {
  TempDir dir;
  auto path = dir.write("header.evtx", read_bytes(kSystem).substr(0, 100));
  auto reading = read_evtx(path);
  EXPECT_EQ(reading.failure, path + ": cannot open as .evtx: the file header is cut short (100 of its 128 bytes)");
}

TEST(EvtxFile, BitFlipsCostTheRecordsTheyHit) {
  TempDir dir;
  auto system = read_bytes(kSystem);
  // 64 bytes in the middle of chunk 2 (records 12385-12574): the record they hit is lost, the
  // search for the next record header goes on from there.
  auto middle = read_evtx(dir.write("middle.evtx", flipped(system, kFileHeader + 2 * kChunk + 30000, 64)));
  EXPECT_GE(middle.events.size(), 1598u);
  EXPECT_LE(middle.events.size(), 1600u);
  EXPECT_THAT(locators(middle), ::testing::Contains("chunk 2 (byte 135168)")) << "the records checksum";
  EXPECT_NE(find_record(middle, 12462), nullptr);
  EXPECT_NE(find_record(middle, 12575), nullptr);
  EXPECT_EQ(middle.summary.records_read - middle.summary.bad_records, middle.events.size());

  // Inside one record of chunk 1: its BinXML is damaged, the record is named and counted bad.
  auto one_record = read_evtx(dir.write("record.evtx", flipped(system, 120128, 32)));
  EXPECT_EQ(one_record.events.size(), 1600u);
  ASSERT_THAT(locators(one_record), ElementsAre("chunk 1 (byte 69632)", "record 12343"));
  EXPECT_EQ(one_record.summary.records_read, 1601u);
  EXPECT_EQ(one_record.summary.bad_records, 1u);

  // Just after chunk 0's header: the first record is hit, and with it the names and templates
  // the chunk's other records use. Those are found again but cannot be decoded: one problem.
  auto first_chunk = read_evtx(dir.write("first.evtx", flipped(system, kFileHeader + 0x200, 0x200)));
  EXPECT_EQ(first_chunk.events.size(), 1448u);
  EXPECT_EQ(first_chunk.events.front().record_id, 12202u);
  ASSERT_THAT(locators(first_chunk), ElementsAre("chunk 0 (byte 4096)", "chunk 0 (byte 4096)", "records 12050-12201"));
  EXPECT_THAT(first_chunk.errors[1].reason, StartsWith("chunk byte 512: no record starts here"));
  EXPECT_THAT(first_chunk.errors[2].reason, StartsWith("found past the damage at chunk byte 512 of chunk 0: template at chunk byte 2726: "));
  EXPECT_THAT(first_chunk.errors[2].reason, ::testing::EndsWith(" (152 records; the first one's reason)"));
  EXPECT_EQ(first_chunk.summary.bad_records, 153u);
}

TEST(EvtxFile, FlipsAnywhereNeverStopTheRead) {
  TempDir dir;
  auto system = read_bytes(kSystem);
  for (size_t offset = 0x80; offset < kFileHeader + 9 * kChunk; offset += 40000) {
    auto reading = read_evtx(dir.write("flip.evtx", flipped(system, offset, 32)));
    ASSERT_EQ(reading.failure, "") << "offset " << offset << ": only a missing signature or a cut header stops a read";
    EXPECT_GT(reading.events.size(), 1400u) << "offset " << offset;
    for (const auto& error : reading.errors) EXPECT_THAT(error.message(), HasSubstr("flip.evtx: "));
  }
}

// --- selection ------------------------------------------------------------------------------

TEST(EvtxFile, OnlySelectedEventsAreDeliveredAndEveryRecordIsCounted) {
  auto all = read_evtx(kSystem);
  EventSelection scm;
  scm.add("Service Control Manager", 7036);
  auto selected = read_evtx(kSystem, {}, scm);
  EXPECT_EQ(selected.summary.records_read, 1601u);
  EXPECT_EQ(selected.summary.position, all.summary.position);
  size_t expected = 0;
  for (const auto& e : all.events) {
    if (e.provider != "Service Control Manager" || e.event_id != 7036) continue;
    ASSERT_LT(expected, selected.events.size());
    const auto& s = selected.events[expected++];
    EXPECT_EQ(s.key, e.key);
    EXPECT_EQ(s.fields, e.fields);
    EXPECT_EQ(s.time, e.time);
  }
  EXPECT_EQ(selected.events.size(), expected);
  EXPECT_GT(expected, 500u);

  auto rules = read_evtx(kSystem, {}, EventSelection::of(default_rules()));
  EXPECT_TRUE(rules.events.empty()) << "no Exchange or Kerberos events in this System log";
  EXPECT_EQ(rules.summary.records_read, 1601u);
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

  auto damaged = read_evtx(kEvtx + "sample_with_a_bad_chunk_magic.evtx");
  auto damaged_again = read_evtx(kEvtx + "sample_with_a_bad_chunk_magic.evtx", damaged.summary.position);
  EXPECT_TRUE(damaged_again.errors.empty()) << "damage is reported by the first read only: "
                                            << ::testing::PrintToString(messages(damaged_again));
  EXPECT_EQ(damaged_again.summary.bad_records, 0u);
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
  SourcePosition foreign{"fnv1a64:1024:0123456789abcdef", 0, 99999, "chunks-read:5"};
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
  EXPECT_EQ(reading.failure, missing + ": cannot open: No such file or directory");
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

#include "sources/protocol_log.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "core/text.hpp"
#include "sources/readers.hpp"
#include "tests/sources/temp_dir.hpp"
#include "tests/sources/test_inputs.hpp"

namespace authwatch::sources {
namespace {

// "plog:<file name>:<hash of the header's #Date>:" — the #Date of RECV2023011116-1.LOG.
const std::string kRealLogKeyPrefix =
    "plog:recv2023011116-1.log:" + hex64(fnv1a64("2023-01-11T16:00:04.113Z")).substr(0, 8) + ":";

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::append_bytes;
using testing::read_bytes;
using testing::TempDir;

const std::string kRealReceiveLog = kTestData + "/exchange/RECV2023011116-1.LOG";
const std::string kSendLog = kTestData + "/exchange/SEND2024031510-1.LOG";
const std::string kReceiveLog = kTestData + "/exchange/RECV2024031510-1.LOG";

constexpr std::string_view kHeader =
    "#Software: Microsoft Exchange Server\r\n"
    "#Version: 15.0.0.0\r\n"
    "#Log-type: SMTP Receive Protocol Log\r\n"
    "#Date: 2024-03-15T10:00:01.873Z\r\n"
    "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n";

ReadOutcome read_log(const std::string& path, const SourcePosition& from = {}, uint64_t max_line = kDefaultMaxLineBytes) {
  ReadOutcome outcome;
  auto source = make_protocol_log_file(path, max_line);
  auto result = source->read(
      from, [&](TransportEvent&& e) { outcome.events.push_back(std::move(e)); },
      [&](ReadError&& e) { outcome.errors.push_back(std::move(e)); });
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error());
  if (result.ok()) outcome.summary = result.value();
  return outcome;
}

std::vector<std::string> split(std::string_view line) {
  std::vector<std::string> columns;
  EXPECT_TRUE(split_csv_line(line, columns)) << line;
  return columns;
}

// Byte offset where physical line `number` (1-based) starts.
uint64_t line_start(const std::string& bytes, int number) {
  size_t offset = 0;
  for (int line = 1; line < number; ++line) offset = bytes.find('\n', offset) + 1;
  return offset;
}

const TransportEvent* find_event(const std::vector<TransportEvent>& events, std::string_view field,
                                 std::string_view value) {
  auto it = std::find_if(events.begin(), events.end(), [&](const auto& e) { return e.field(field) == value; });
  return it == events.end() ? nullptr : &*it;
}

// --- the CSV splitter -----------------------------------------------------------------------

TEST(CsvLine, SplitsPlainFields) { EXPECT_THAT(split("a,b,c"), ElementsAre("a", "b", "c")); }

TEST(CsvLine, KeepsCommasInsideQuotes) {
  EXPECT_THAT(split(R"(>,"220 ex2 ready at Fri, 15 Mar 2024",x)"), ElementsAre(">", "220 ex2 ready at Fri, 15 Mar 2024", "x"));
}

TEST(CsvLine, DoubledQuotesStandForOneQuote) {
  EXPECT_THAT(split(R"(*,"said ""hello"", twice",)"), ElementsAre("*", R"(said "hello", twice)", ""));
  EXPECT_THAT(split(R"("""")"), ElementsAre("\""));
}

TEST(CsvLine, EmptyFieldsAndTrailingComma) {
  EXPECT_THAT(split("+,,"), ElementsAre("+", "", ""));
  EXPECT_THAT(split(",a,,b,"), ElementsAre("", "a", "", "b", ""));
  EXPECT_THAT(split(R"("",x)"), ElementsAre("", "x"));
  EXPECT_THAT(split(""), ElementsAre(""));
}

TEST(CsvLine, KeepsLeadingSpacesAndLiteralEscapes) {
  EXPECT_THAT(split(R"(*, CN=EX2 CN=EX2,line1\r\nline2)"), ElementsAre("*", " CN=EX2 CN=EX2", R"(line1\r\nline2)"));
}

TEST(CsvLine, UnterminatedQuoteIsRejected) {
  std::vector<std::string> columns;
  EXPECT_FALSE(split_csv_line(R"(a,"never closed, at all)", columns));
  EXPECT_FALSE(split_csv_line(R"(a,"ends with a doubled quote"")", columns));
}

TEST(CsvLine, ReusedVectorHoldsOnlyTheNewLine) {
  std::vector<std::string> columns;
  ASSERT_TRUE(split_csv_line("1,2,3,4,5", columns));
  ASSERT_TRUE(split_csv_line("x,y", columns));
  EXPECT_THAT(columns, ElementsAre("x", "y"));
}

// --- the real receive log -------------------------------------------------------------------

TEST(ProtocolLog, ReadsEveryRecordOfTheRealReceiveLog) {
  auto outcome = read_log(kRealReceiveLog);
  EXPECT_TRUE(outcome.errors.empty());
  ASSERT_EQ(outcome.events.size(), 16u);
  EXPECT_EQ(outcome.summary.records_read, 16u);
  EXPECT_EQ(outcome.summary.bad_records, 0u);
  EXPECT_FALSE(outcome.summary.resumed);
  EXPECT_EQ(outcome.summary.position.offset, read_bytes(kRealReceiveLog).size());
  EXPECT_EQ(outcome.summary.position.record, 21u);
  EXPECT_EQ(outcome.events.back().locator, "line 21");
  EXPECT_EQ(outcome.events.back().field("data"), "");
  EXPECT_EQ(outcome.events.back().field("context"), "User Name: username@domain.com");
}

TEST(ProtocolLog, NamesTheColumnsOfLineSixByTheFieldsHeader) {
  const std::string bytes = read_bytes(kRealReceiveLog);
  auto outcome = read_log(kRealReceiveLog);
  ASSERT_FALSE(outcome.events.empty());
  const TransportEvent& first = outcome.events.front();
  EXPECT_EQ(first.source_kind, SourceKind::ProtocolLog);
  EXPECT_EQ(first.location, kRealReceiveLog);
  EXPECT_EQ(first.locator, "line 6");
  EXPECT_EQ(first.key, kRealLogKeyPrefix + std::to_string(line_start(bytes, 6)));
  EXPECT_EQ(format_iso8601(first.time), "2023-01-11T15:59:51.433Z");
  EXPECT_EQ(first.field("connector-id"), R"(SERVER-HOSTNAME\Default Frontend SERVER-HOSTNAME)");
  EXPECT_EQ(first.field("session-id"), "123453EC62278461");
  EXPECT_EQ(first.field("sequence-number"), "1");
  EXPECT_EQ(first.field("local-endpoint"), "10.10.10.10:25");
  EXPECT_EQ(first.field("remote-endpoint"), "95.10.20.33:56026");
  EXPECT_EQ(first.field("event"), ">");
  EXPECT_EQ(first.field("data"),
            "220 SERVER-HOSTNAME.DOMAIN.TEST Microsoft ESMTP MAIL Service ready at Wed, 11 Jan 2023 16:59:51 +0100");
  EXPECT_EQ(first.field("context"), "");
  EXPECT_EQ(first.field("log-type"), "SMTP Receive Protocol Log");
  EXPECT_EQ(first.fields.size(), 10u);  // nine #Fields columns + log-type
  const size_t line_end = bytes.find('\n', line_start(bytes, 6));
  EXPECT_EQ(first.text, bytes.substr(line_start(bytes, 6), line_end - line_start(bytes, 6)));
}

TEST(ProtocolLog, QuotedContextKeepsItsCommas) {
  auto outcome = read_log(kRealReceiveLog);
  const TransportEvent* tls = find_event(outcome.events, "sequence-number", "7");
  ASSERT_NE(tls, nullptr);
  EXPECT_EQ(tls->locator, "line 12");
  EXPECT_THAT(std::string(tls->field("context")), HasSubstr("strength 128 bits, MAC hash algorithm"));
  const TransportEvent* certificate = find_event(outcome.events, "sequence-number", "6");
  ASSERT_NE(certificate, nullptr);
  EXPECT_TRUE(certificate->field("data").starts_with(" CN=SERVER-HOSTNAME"));
  EXPECT_TRUE(certificate->field("context").starts_with("Sending certificate Subject"));
}

TEST(ProtocolLog, KeysAreStableAcrossReadsAndUniqueWithinTheFile) {
  auto first = read_log(kRealReceiveLog);
  auto second = read_log(kRealReceiveLog);
  ASSERT_EQ(first.events.size(), second.events.size());
  std::set<std::string> keys;
  for (size_t i = 0; i < first.events.size(); ++i) {
    EXPECT_EQ(first.events[i].key, second.events[i].key);
    keys.insert(first.events[i].key);
  }
  EXPECT_EQ(keys.size(), first.events.size());  // lines 15 and 16 are identical text: offsets tell them apart
}

TEST(ProtocolLog, ResumingAtTheEndYieldsNothing) {
  auto first = read_log(kRealReceiveLog);
  auto again = read_log(kRealReceiveLog, first.summary.position);
  EXPECT_TRUE(again.summary.resumed);
  EXPECT_TRUE(again.events.empty());
  EXPECT_TRUE(again.errors.empty());
  EXPECT_EQ(again.summary.records_read, 0u);
  EXPECT_EQ(again.summary.position, first.summary.position);
}

// --- the logs written from docs/domain.md (UTF-8 BOM, CRLF) -------------------------------------

TEST(ProtocolLog, SendLogWithBomAndCrlf) {
  auto outcome = read_log(kSendLog);
  EXPECT_TRUE(outcome.errors.empty());
  ASSERT_EQ(outcome.events.size(), 122u);
  for (const auto& event : outcome.events) {
    ASSERT_EQ(event.field("log-type"), "SMTP Send Protocol Log");
    ASSERT_FALSE(event.text.ends_with('\r')) << event.locator;
    ASSERT_FALSE(event.field("context").ends_with('\r')) << event.locator;
  }
  EXPECT_EQ(outcome.events.front().locator, "line 6");
  EXPECT_EQ(outcome.events.front().field("context"), "attempting to connect");
  EXPECT_EQ(outcome.events.front().field("local-endpoint"), "");

  const TransportEvent* rejected = find_event(outcome.events, "data", "454 4.7.0 Temporary authentication failure");
  ASSERT_NE(rejected, nullptr);
  EXPECT_EQ(rejected->field("event"), "<");
  EXPECT_EQ(rejected->field("remote-endpoint"), "10.0.0.2:2525");
  EXPECT_EQ(format_iso8601(rejected->time), "2024-03-15T10:14:02.156Z");

  const TransportEvent* banner = find_event(outcome.events, "sequence-number", "2");
  ASSERT_NE(banner, nullptr);
  EXPECT_EQ(banner->field("data"), "220 ex2.contoso.com Microsoft ESMTP MAIL Service ready at Fri, 15 Mar 2024 10:14:02 +0000");

  const TransportEvent* no_ticket =
      find_event(outcome.events, "context", "Outbound Exchange Authentication failed with TargetUnknown");
  ASSERT_NE(no_ticket, nullptr);
  EXPECT_EQ(no_ticket->field("remote-endpoint"), "10.0.0.3:2525");
  EXPECT_NE(find_event(outcome.events, "context", "Flushed Kerberos ticket cache"), nullptr);
  EXPECT_NE(find_event(outcome.events, "data", "235 <authentication response>"), nullptr);
}

TEST(ProtocolLog, ReceiveLogHasBothPlacesOfTheInformationText) {
  auto outcome = read_log(kReceiveLog);
  EXPECT_TRUE(outcome.errors.empty());
  ASSERT_EQ(outcome.events.size(), 74u);
  const std::string failure = "Inbound ExchangeAuth negotiation failed because of IllegalMessage";
  const TransportEvent* in_context = find_event(outcome.events, "context", failure);
  const TransportEvent* in_data = find_event(outcome.events, "data", failure);
  ASSERT_NE(in_context, nullptr);
  ASSERT_NE(in_data, nullptr);
  EXPECT_EQ(in_context->field("session-id"), "08DC44B69F0E1A2B");
  EXPECT_EQ(in_data->field("session-id"), "08DC44B69F0E1A31");
  EXPECT_EQ(in_data->field("connector-id"), R"(EX2\Default EX2)");
  EXPECT_NE(find_event(outcome.events, "data", "235 2.7.0 Authentication successful"), nullptr);
  const TransportEvent* user = find_event(outcome.events, "context", "Inbound AUTH LOGIN failed because of LogonDenied");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->field("connector-id"), R"(EX2\Client Frontend EX2)");
  EXPECT_EQ(user->field("local-endpoint"), "10.0.0.2:587");
}

// --- layout variations --------------------------------------------------------------------

TEST(ProtocolLog, ColumnsFollowAReorderedFieldsHeader) {
  TempDir dir;
  auto path = dir.write("RECV2024031511-1.LOG",
                        "#Log-type: SMTP Receive Protocol Log\n"
                        "#Fields: session-id,event,date-time,data,context,connector-id\n"
                        "08DC44B69F0E1A2B,*,2024-03-15T11:00:00.5Z,,Inbound ExchangeAuth negotiation failed because of TimeSkew,EX2\\Default EX2\n");
  auto outcome = read_log(path);
  ASSERT_TRUE(outcome.errors.empty()) << outcome.errors.front().message();
  ASSERT_EQ(outcome.events.size(), 1u);
  const auto& event = outcome.events.front();
  EXPECT_EQ(event.field("session-id"), "08DC44B69F0E1A2B");
  EXPECT_EQ(event.field("event"), "*");
  EXPECT_EQ(event.field("context"), "Inbound ExchangeAuth negotiation failed because of TimeSkew");
  EXPECT_EQ(event.field("connector-id"), R"(EX2\Default EX2)");
  EXPECT_EQ(format_iso8601(event.time), "2024-03-15T11:00:00.500Z");
  EXPECT_EQ(event.field("remote-endpoint"), "");  // not a column of this file
  EXPECT_EQ(event.fields.count("remote-endpoint"), 0u);
}

TEST(ProtocolLog, MissingTrailingColumnsAreEmpty) {
  TempDir dir;
  auto path = dir.write("RECV2024031510-1.LOG", std::string(kHeader) +
                                                    "2024-03-15T10:14:02.159Z,EX2\\Default EX2,08DC44B69F0E1A2B,14,10.0.0.2:2525,10.0.0.1:27114,-\r\n");
  auto outcome = read_log(path);
  ASSERT_TRUE(outcome.errors.empty());
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events.front().field("event"), "-");
  EXPECT_EQ(outcome.events.front().field("data"), "");
  EXPECT_EQ(outcome.events.front().fields.count("context"), 1u);
}

TEST(ProtocolLog, ANewHeaderMidFileRenamesTheColumnsAlsoAfterResuming) {
  TempDir dir;
  const std::string restart =
      "#Software: Microsoft Exchange Server\r\n"
      "#Log-type: SMTP Send Protocol Log\r\n"
      "#Fields: date-time,session-id,event,data\r\n";
  auto path = dir.write("SEND2024031510-2.LOG",
                        std::string(kHeader) +
                            "2024-03-15T10:14:02.106Z,EX2\\Default EX2,08DC44B69F0E1A2B,0,10.0.0.2:2525,10.0.0.1:27114,+,,\r\n" +
                            restart + "2024-03-15T10:20:00.000Z,08DC44B7A1F3C2D9,>,EHLO ex2.contoso.com\r\n");
  auto first = read_log(path);
  ASSERT_TRUE(first.errors.empty());
  ASSERT_EQ(first.events.size(), 2u);
  EXPECT_EQ(first.events[0].field("log-type"), "SMTP Receive Protocol Log");
  EXPECT_EQ(first.events[0].field("connector-id"), R"(EX2\Default EX2)");
  EXPECT_EQ(first.events[1].field("log-type"), "SMTP Send Protocol Log");
  EXPECT_EQ(first.events[1].field("session-id"), "08DC44B7A1F3C2D9");
  EXPECT_EQ(first.events[1].field("data"), "EHLO ex2.contoso.com");
  EXPECT_EQ(first.events[1].locator, "line 10");

  append_bytes(path, "2024-03-15T10:20:00.004Z,08DC44B7A1F3C2D9,<,250 ex3.contoso.com Hello\r\n");
  auto resumed = read_log(path, first.summary.position);
  EXPECT_TRUE(resumed.summary.resumed);
  ASSERT_TRUE(resumed.errors.empty()) << resumed.errors.front().message();
  ASSERT_EQ(resumed.events.size(), 1u);
  EXPECT_EQ(resumed.events[0].locator, "line 11");
  EXPECT_EQ(resumed.events[0].field("data"), "250 ex3.contoso.com Hello");
  EXPECT_EQ(resumed.events[0].field("event"), "<");
  EXPECT_EQ(resumed.events[0].field("log-type"), "SMTP Send Protocol Log");
}

// Found by fuzz_protocol_log (tests/data/fuzz-regressions/protocol_log/): a header that changed
// mid-file goes into the position's bookmark, which storage writes as JSON; a byte that is not
// UTF-8 in its names made nlohmann throw there, and the whole file's transaction was lost on
// every pass. Names are kept as UTF-8 (such a byte shown as \xHH, core/utf8.hpp), the same before
// and after a resume.
TEST(ProtocolLog, AHeaderThatIsNotUtf8IsStoredAndResumedWithItsNamesMadeUtf8) {
  TempDir dir;
  auto path = dir.write("RECV2024031510-3.LOG", std::string(kHeader) +
                                                     "2024-03-15T10:14:02.106Z,EX2\\Default EX2,08DC44B69F0E1A2B,0,,,+,,\r\n"
                                                     "#Log-type: SMTP \xA5Receive\r\n"
                                                     "#Fields: date-time,sess\xA5ion-id,data\r\n"
                                                     "2024-03-15T10:20:00.000Z,08DC44B7A1F3C2D9,EHLO ex2.contoso.com\r\n");
  auto first = read_log(path);
  ASSERT_TRUE(first.errors.empty());
  ASSERT_EQ(first.events.size(), 2u);
  EXPECT_EQ(first.events[1].field("sess\\xA5ion-id"), "08DC44B7A1F3C2D9");
  EXPECT_EQ(first.events[1].field("log-type"), "SMTP \\xA5Receive");
  std::string stored;
  ASSERT_NO_THROW(stored = first.summary.position.to_json());
  auto position = SourcePosition::from_json(stored);
  ASSERT_TRUE(position.has_value());
  EXPECT_EQ(*position, first.summary.position);

  append_bytes(path, "2024-03-15T10:20:00.004Z,08DC44B7A1F3C2D9,250 ex3.contoso.com Hello\r\n");
  auto resumed = read_log(path, *position);
  ASSERT_TRUE(resumed.summary.resumed);
  ASSERT_EQ(resumed.events.size(), 1u);
  EXPECT_EQ(resumed.events[0].field("sess\\xA5ion-id"), "08DC44B7A1F3C2D9");
  EXPECT_EQ(resumed.events[0].field("data"), "250 ex3.contoso.com Hello");
}

// Found by fuzz_protocol_log (tests/data/fuzz-regressions/protocol_log/): the bookmark wrote a
// mid-file header's names joined by commas, unquoted, so a name holding a comma (quoted in the
// header) came back as two after a resume, and an empty first name vanished: the columns of every
// later line were named differently than in one uninterrupted read.
TEST(ProtocolLog, AResumedHeaderHasExactlyTheNamesOfTheHeaderItStoodFor) {
  TempDir dir;
  const std::string names = R"(#Fields: ,date-time,session-id,"ready at Fri, 15 Mar","say ""hi""",data)";
  auto path = dir.write("RECV2024031510-4.LOG", std::string(kHeader) +
                                                     "2024-03-15T10:14:02.106Z,EX2\\Default EX2,08DC44B69F0E1A2B,0,,,+,,\r\n" + names +
                                                     "\r\n,2024-03-15T10:20:00.000Z,08DC44B7A1F3C2D9,a,b,EHLO ex2.contoso.com\r\n");
  auto first = read_log(path);
  ASSERT_TRUE(first.errors.empty()) << first.errors.front().message();
  ASSERT_EQ(first.events.size(), 2u);
  auto position = SourcePosition::from_json(first.summary.position.to_json());
  ASSERT_TRUE(position.has_value());

  append_bytes(path, ",2024-03-15T10:20:00.004Z,08DC44B7A1F3C2D9,c,d,250 ex3.contoso.com Hello\r\n");
  auto resumed = read_log(path, *position);
  ASSERT_TRUE(resumed.errors.empty()) << resumed.errors.front().message();
  ASSERT_EQ(resumed.events.size(), 1u);
  const auto& fields = resumed.events[0].fields;
  std::vector<std::string> keys;
  for (const auto& [name, value] : fields) keys.push_back(name);
  EXPECT_THAT(keys, ElementsAre("", "data", "date-time", "log-type", "ready at Fri, 15 Mar", "say \"hi\"", "session-id"));
  EXPECT_EQ(resumed.events[0].field("ready at Fri, 15 Mar"), "c");
  EXPECT_EQ(resumed.events[0].field("say \"hi\""), "d");
  EXPECT_EQ(resumed.events[0].field("data"), "250 ex3.contoso.com Hello");
}

// --- growing files and resuming -------------------------------------------------------------

TEST(ProtocolLog, PartialLastLineIsLeftUntilItIsComplete) {
  TempDir dir;
  const std::string original = read_bytes(kRealReceiveLog);
  const std::string next_line =
      "2023-01-11T16:00:10.645Z,SERVER-HOSTNAME\\Default Frontend SERVER-HOSTNAME,123453EC62278461,16,"
      "10.10.10.10:25,95.10.20.33:56026,>,535 5.7.3 Authentication unsuccessful,";
  auto path = dir.write("RECV2023011116-1.LOG", original + next_line.substr(0, 60));

  auto first = read_log(path);
  EXPECT_TRUE(first.errors.empty());
  EXPECT_EQ(first.events.size(), 16u);
  EXPECT_EQ(first.summary.position.offset, original.size());

  append_bytes(path, next_line.substr(60) + "\n");
  auto second = read_log(path, first.summary.position);
  EXPECT_TRUE(second.summary.resumed);
  EXPECT_TRUE(second.errors.empty());
  ASSERT_EQ(second.events.size(), 1u);
  EXPECT_EQ(second.events[0].locator, "line 22");
  EXPECT_EQ(second.events[0].key, kRealLogKeyPrefix + std::to_string(original.size()));
  EXPECT_EQ(second.events[0].field("data"), "535 5.7.3 Authentication unsuccessful");
  EXPECT_EQ(second.events[0].field("log-type"), "SMTP Receive Protocol Log");
  EXPECT_EQ(second.summary.position.offset, original.size() + next_line.size() + 1);

  auto third = read_log(path, second.summary.position);
  EXPECT_TRUE(third.events.empty());
}

TEST(ProtocolLog, RewrittenFileIsReadFromTheStart) {
  TempDir dir;
  auto path = dir.write("RECV2023011116-1.LOG", read_bytes(kRealReceiveLog));
  auto first = read_log(path);
  dir.write("RECV2023011116-1.LOG", read_bytes(kReceiveLog));  // same name, other content
  auto second = read_log(path, first.summary.position);
  EXPECT_FALSE(second.summary.resumed);
  EXPECT_EQ(second.events.size(), 74u);
  EXPECT_EQ(second.events.front().locator, "line 6");
}

TEST(ProtocolLog, LinesAcrossBlockBoundariesAndLongerThanABlock) {
  TempDir dir;
  std::string content(kHeader);
  const int records = 20000;  // about 3 MB: several read blocks
  for (int i = 0; i < records; ++i) {
    content += "2024-03-15T10:14:02.106Z,EX2\\Default EX2,08DC44B69F0E1A2B," + std::to_string(i) +
               ",10.0.0.2:2525,10.0.0.1:27114,*,,\"filler, to make the line longer than the header lines are\"\r\n";
  }
  const std::string huge(2'500'000, 'x');
  content += "2024-03-15T10:14:03.000Z,EX2\\Default EX2,08DC44B69F0E1A2B,20000,10.0.0.2:2525,10.0.0.1:27114,<," + huge + ",\r\n";
  auto path = dir.write("RECV2024031510-9.LOG", content);
  auto outcome = read_log(path, {}, 4 << 20);  // within a limit raised above the 1 MiB default
  EXPECT_TRUE(outcome.errors.empty());
  ASSERT_EQ(outcome.events.size(), records + 1u);
  for (int i = 0; i < records; ++i) ASSERT_EQ(outcome.events[static_cast<size_t>(i)].field("sequence-number"), std::to_string(i));
  EXPECT_EQ(outcome.events.back().field("data").size(), huge.size());
  EXPECT_EQ(outcome.events.back().locator, "line " + std::to_string(records + 6));
  EXPECT_EQ(outcome.summary.position.offset, content.size());
}

// The column split reads 16 bytes at a time and lets its last block run into the bytes after the
// line (its CR/LF and the next line, already in the buffer): a comma or quote there must not count.
// Each line A ends at another place in a block and is followed by a line B that starts with a
// comma and holds a quoted comma.
TEST(ProtocolLog, CommasAndQuotesJustAfterALineDoNotBelongToIt) {
  TempDir dir;
  std::string content =
      "#Software: Microsoft Exchange Server\r\n#Log-type: SMTP Receive Protocol Log\r\n"
      "#Date: 2024-03-15T10:00:01.873Z\r\n#Fields: data,date-time,context\r\n";
  constexpr size_t kLengths = 48;
  for (size_t length = 0; length < kLengths; ++length) {
    content += std::string(length, 'x') + ",2024-03-15T10:14:02.106Z\r\n";  // A: no context column
    content += ",2024-03-15T10:14:02.107Z,\"q,\"\"q\"\"\"\r\n";         // B
  }
  auto outcome = read_log(dir.write("RECV2024031510-1.LOG", content));
  EXPECT_TRUE(outcome.errors.empty()) << outcome.errors.front().message();
  ASSERT_EQ(outcome.events.size(), 2 * kLengths);
  for (size_t length = 0; length < kLengths; ++length) {
    const TransportEvent& a = outcome.events[2 * length];
    const TransportEvent& b = outcome.events[2 * length + 1];
    EXPECT_EQ(a.field("data"), std::string(length, 'x'));
    EXPECT_EQ(a.field("date-time"), "2024-03-15T10:14:02.106Z") << length;
    EXPECT_EQ(a.field("context"), "") << length;
    EXPECT_EQ(a.text, std::string(length, 'x') + ",2024-03-15T10:14:02.106Z");
    EXPECT_EQ(b.field("data"), "") << length;
    EXPECT_EQ(b.field("context"), "q,\"q\"") << length;
  }
  // The same text from memory (the fuzz entry point) gives the same events.
  std::vector<TransportEvent> from_text;
  read_protocol_log_text(content, "RECV2024031510-1.LOG", {}, [&](TransportEvent&& e) { from_text.push_back(std::move(e)); },
                         [](ReadError&&) { ADD_FAILURE(); });
  ASSERT_EQ(from_text.size(), outcome.events.size());
  for (size_t i = 0; i < from_text.size(); ++i) EXPECT_EQ(from_text[i].fields, outcome.events[i].fields) << i;
}

// --- bad input ------------------------------------------------------------------------------

TEST(ProtocolLog, GarbageLinesAreNamedAndTheRestIsRead) {
  TempDir dir;
  std::string content = read_bytes(kRealReceiveLog);
  // After line 8: binary junk (becomes line 9); after line 12 (then 13): a record with extra columns.
  content.insert(line_start(content, 9), std::string("\x00\x01\xfe\xff junk\x7f\r\n", 12));
  content.insert(line_start(content, 14),
                 "2023-01-11T16:00:01.500Z,SERVER-HOSTNAME\\Default Frontend SERVER-HOSTNAME,123453EC62278461,7,"
                 "10.10.10.10:25,95.10.20.33:56026,*,,TLS,extra,columns\n"
                 "2023-13-45T99:00:00.000Z,SERVER-HOSTNAME\\Default Frontend SERVER-HOSTNAME,123453EC62278461,7,"
                 "10.10.10.10:25,95.10.20.33:56026,*,,bad time\n"
                 "2023-01-11T16:00:01.600Z,X,123453EC62278461,7,10.10.10.10:25,95.10.20.33:56026,*,,\"unterminated\n");
  auto path = dir.write("RECV2023011116-1.LOG", content);
  auto outcome = read_log(path);
  EXPECT_EQ(outcome.events.size(), 16u);
  EXPECT_EQ(outcome.summary.records_read, 20u);
  EXPECT_EQ(outcome.summary.bad_records, 4u);
  ASSERT_EQ(outcome.errors.size(), 4u);
  EXPECT_EQ(outcome.errors[0].location, path);
  EXPECT_EQ(outcome.errors[0].locator, "line 9");
  EXPECT_THAT(outcome.errors[0].reason, HasSubstr("not an ISO 8601 time"));
  EXPECT_EQ(outcome.errors[0].reason.find('\x01'), std::string::npos);  // junk bytes are not echoed raw
  EXPECT_EQ(outcome.errors[1].locator, "line 14");
  EXPECT_EQ(outcome.errors[1].reason, "11 columns, but #Fields names 9");
  EXPECT_EQ(outcome.errors[2].locator, "line 15");
  EXPECT_THAT(outcome.errors[2].reason, HasSubstr("2023-13-45T99:00:00.000Z"));
  EXPECT_EQ(outcome.errors[3].locator, "line 16");
  EXPECT_EQ(outcome.errors[3].reason, "unterminated quoted field");
  EXPECT_EQ(outcome.errors[1].message(), path + ": line 14: 11 columns, but #Fields names 9");
  // The good records keep their own line numbers around the bad ones.
  EXPECT_EQ(outcome.events[2].locator, "line 8");
  EXPECT_EQ(outcome.events[3].locator, "line 10");
  EXPECT_EQ(outcome.events[7].locator, "line 17");
}

TEST(ProtocolLog, DataBeforeAnyFieldsHeaderIsAnError) {
  TempDir dir;
  auto path = dir.write("SEND2024031510-1.LOG",
                        "2024-03-15T10:14:02.101Z,Intra-Organization SMTP Send Connector,08DC44B7A1F3C2D1,0,,10.0.0.2:2525,*,,attempting to connect\n"
                        "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\n"
                        "2024-03-15T10:14:02.104Z,Intra-Organization SMTP Send Connector,08DC44B7A1F3C2D1,1,10.0.0.1:27114,10.0.0.2:2525,+,,\n");
  auto outcome = read_log(path);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].locator, "line 1");
  EXPECT_EQ(outcome.errors[0].reason, "data line before any #Fields header");
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].field("log-type"), "");
  EXPECT_EQ(outcome.events[0].field("event"), "+");
}

TEST(ProtocolLog, MissingFileIsAnError) {
  auto source = make_protocol_log_file(kTestData + "/exchange/no-such-file.LOG");
  auto result = source->read({}, [](TransportEvent&&) {}, [](ReadError&&) {});
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error(), HasSubstr("no-such-file.LOG"));
  EXPECT_EQ(source->format(), FileFormat::ProtocolLog);
}

TEST(ProtocolLog, SameFileNameOnTwoServersGivesDistinctKeys) {
  // Every server writes RECV<date>-1.LOG: the name alone must not make two servers' lines one.
  TempDir dir;
  const std::string original = read_bytes(kRealReceiveLog);
  std::string other = original;
  auto date = other.find("2023-01-11T16:00:04.113Z");
  ASSERT_NE(date, std::string::npos);
  other.replace(date, 24, "2023-01-11T16:00:09.871Z");
  auto a = read_log(dir.write("a/RECV2023011116-1.LOG", original));
  auto b = read_log(dir.write("b/RECV2023011116-1.LOG", other));
  auto copy = read_log(dir.write("c/RECV2023011116-1.LOG", original));
  ASSERT_EQ(a.events.size(), b.events.size());
  EXPECT_NE(a.events[0].key, b.events[0].key);
  EXPECT_EQ(a.events[0].key, copy.events[0].key) << "a copy of the same file keeps its keys";
}

// --- the reader reuses one event for every line: each line's event is complete on its own ------

using Fields = std::map<std::string, std::string, std::less<>>;

// Reads `path` calling `touch` on every event (after recording its fields and key): what a
// handler may do to the event it is handed.
std::vector<std::pair<std::string, Fields>> read_touching(const std::string& path,
                                                          const std::function<void(TransportEvent&)>& touch) {
  std::vector<std::pair<std::string, Fields>> seen;
  auto result = make_protocol_log_file(path)->read(
      {},
      [&](TransportEvent&& e) {
        seen.emplace_back(e.key, e.fields);
        touch(e);
      },
      [](ReadError&& e) { ADD_FAILURE() << e.message(); });
  EXPECT_TRUE(result.ok());
  return seen;
}

const std::string kFourLines = std::string(kHeader) +
    "2024-03-15T10:14:02.106Z,EX2\\Default EX2,08DC44B69F0E1A2B,0,10.0.0.2:2525,10.0.0.1:27114,*,X-EXPS,\"a, b\"\r\n"
    "2024-03-15T10:14:02.159Z,EX2\\Default EX2,08DC44B69F0E1A2C,14,10.0.0.2:2525,10.0.0.1:27115,-\r\n"
    "2024-03-15T10:14:03.000Z,EX1\\Default EX1,08DC44B69F0E1A2D,2,10.0.0.3:2525,10.0.0.4:27116,<,EHLO ex4,\r\n"
    "2024-03-15T10:14:04.000Z,EX1\\Default EX1,08DC44B69F0E1A2D,3,10.0.0.3:2525,10.0.0.4:27116,>,250 OK,\r\n";

TEST(ProtocolLog, AHandlerThatOnlyReadsSeesEachLineAsItIs) {
  TempDir dir;
  auto seen = read_touching(dir.write("RECV2024031510-1.LOG", kFourLines), [](TransportEvent&) {});
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].second.at("context"), "a, b");
  EXPECT_EQ(seen[1].second.at("data"), "") << "not line 1's X-EXPS: a missing trailing column is empty";
  EXPECT_EQ(seen[1].second.at("context"), "");
  EXPECT_EQ(seen[1].second.at("event"), "-");
  EXPECT_EQ(seen[2].second.at("connector-id"), "EX1\\Default EX1");
  EXPECT_EQ(seen[2].second.at("data"), "EHLO ex4");
  EXPECT_EQ(seen[2].second.at("log-type"), "SMTP Receive Protocol Log");
  for (const auto& [key, fields] : seen) EXPECT_EQ(fields.size(), 10u) << key;
  EXPECT_NE(seen[0].first, seen[1].first);
  EXPECT_NE(seen[1].first, seen[2].first);
  EXPECT_EQ(seen[3].second.at("data"), "250 OK");
  EXPECT_EQ(seen[3].second.at("sequence-number"), "3");
}

TEST(ProtocolLog, AHandlerThatTakesOrChangesTheFieldsDoesNotChangeTheNextLine) {
  TempDir dir;
  const auto path = dir.write("RECV2024031510-1.LOG", kFourLines);
  const auto untouched = read_touching(path, [](TransportEvent&) {});
  int line = 0;
  const auto touched = read_touching(path, [&](TransportEvent& e) {
    switch (line++) {
      case 0: { auto taken = std::move(e.fields); break; }
      case 1: e.fields.erase("data"); e.fields["extra"] = "x"; break;  // same size, other names
      case 2: { auto copy = e.fields; e.fields = std::move(copy); break; }  // same names, other nodes
      default: e.fields.clear(); break;
    }
    e.text.clear();
  });
  EXPECT_EQ(touched, untouched);
}

TEST(ProtocolLog, RepeatedNamesKeepTheFirstColumnAndALogTypeColumnWins) {
  TempDir dir;
  auto path = dir.write("RECV2024031512-1.LOG",
                        "#Log-type: SMTP Receive Protocol Log\n"
                        "#Fields: date-time,data,log-type,data,event\n"
                        "2024-03-15T12:00:00Z,first,from the column,second,<\n"
                        "2024-03-15T12:00:01Z,third,again,fourth,>\n");
  auto seen = read_touching(path, [](TransportEvent&) {});
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].second, (Fields{{"data", "first"}, {"date-time", "2024-03-15T12:00:00Z"}, {"event", "<"},
                                    {"log-type", "from the column"}}));
  EXPECT_EQ(seen[1].second.at("data"), "third");
  EXPECT_EQ(seen[1].second.at("log-type"), "again");
}

// A line longer than the limit is a bad record naming its line and length, skipped to the next
// newline (its bytes are let go of as they are read: the buffer stays at the limit), and the
// lines after it are read. Cut across several blocks (kBlockSize is 1 MiB) and within one.
TEST(ProtocolLog, ALineOverTheLimitIsNamedAndSkippedToTheNextNewline) {
  TempDir dir;
  const std::string good = "2024-03-15T10:02:11.301Z,EX2\\Default EX2,08DC44A1B2C30001,0,10.0.0.2:2525,10.0.0.1:41234,+,,\r\n";
  const std::string huge(3 * 1024 * 1024 + 5, 'x');  // 3 MiB: longer than a block
  const std::string longish(5000, 'y');
  const auto path = dir.write("RECV2024031510-1.LOG", std::string(kHeader) + good + huge + "\r\n" + good + longish + "\n" + good);
  ReadOutcome outcome;
  auto result = make_protocol_log_file(path, 4096)->read(
      {}, [&](TransportEvent&& e) { outcome.events.push_back(std::move(e)); }, [&](ReadError&& e) { outcome.errors.push_back(std::move(e)); });
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(outcome.errors.size(), 2u);
  EXPECT_EQ(outcome.errors[0].locator, "line 7");
  EXPECT_EQ(outcome.errors[0].reason, "line of " + std::to_string(huge.size() + 1) + " bytes, longer than the limit of 4096 (limits.line_bytes): skipped");
  EXPECT_EQ(outcome.errors[1].locator, "line 9");
  EXPECT_THAT(outcome.errors[1].reason, HasSubstr("line of 5000 bytes"));
  EXPECT_EQ(outcome.events.size(), 3u) << "the lines around them are read";
  EXPECT_EQ(result.value().bad_records, 2u);
  EXPECT_EQ(result.value().position.record, 10u);
  EXPECT_EQ(result.value().pending_bytes, 0u);
}

// An overlong line still being written (no newline yet) is pending: the position stays before
// it, so it is named once, when it is complete.
TEST(ProtocolLog, AnUnterminatedLineOverTheLimitStaysPending) {
  TempDir dir;
  const std::string good = "2024-03-15T10:02:11.301Z,EX2\\Default EX2,08DC44A1B2C30001,0,10.0.0.2:2525,10.0.0.1:41234,+,,\r\n";
  const std::string tail(2 * 1024 * 1024, 'z');
  const auto path = dir.write("RECV2024031510-1.LOG", std::string(kHeader) + good + tail);
  ReadOutcome first;
  auto result = make_protocol_log_file(path, 4096)->read(
      {}, [&](TransportEvent&& e) { first.events.push_back(std::move(e)); }, [&](ReadError&& e) { first.errors.push_back(std::move(e)); });
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(first.errors.empty());
  EXPECT_EQ(first.events.size(), 1u);
  EXPECT_EQ(result.value().position.offset, kHeader.size() + good.size());
  EXPECT_EQ(result.value().pending_bytes, tail.size());
  append_bytes(path, "\r\n" + good);
  ReadOutcome second;
  auto again = make_protocol_log_file(path, 4096)->read(
      result.value().position, [&](TransportEvent&& e) { second.events.push_back(std::move(e)); },
      [&](ReadError&& e) { second.errors.push_back(std::move(e)); });
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(second.errors.size(), 1u);
  EXPECT_EQ(second.errors[0].locator, "line 7");
  EXPECT_EQ(second.events.size(), 1u);
}

// An unterminated last line of normal length is pending too, with its byte count.
TEST(ProtocolLog, AnUnterminatedLastLineIsPendingWithItsSize) {
  TempDir dir;
  const auto path = dir.write("RECV2024031510-1.LOG", std::string(kHeader) + "2024-03-15T10:02:11.301Z,EX2");
  auto outcome = read_log(path);
  EXPECT_TRUE(outcome.events.empty());
  EXPECT_EQ(outcome.summary.pending_bytes, 28u);
  EXPECT_EQ(outcome.summary.position.offset, kHeader.size());
}

}  // namespace
}  // namespace authwatch::sources

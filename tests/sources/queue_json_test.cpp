#include "sources/queue_json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "sources/readers.hpp"
#include "tests/sources/temp_dir.hpp"
#include "tests/sources/test_inputs.hpp"

namespace authwatch::sources {
namespace {

using ::testing::HasSubstr;
using testing::append_bytes;
using testing::read_bytes;
using testing::TempDir;

const std::string kQueues2010 = kTestData + "/exchange/queues-2010.json";
const std::string kQueue2016 = kTestData + "/exchange/queue-2016-single.json";
const std::string kQueueLines = kTestData + "/exchange/queues.jsonl";

const std::string kExchangeAuthLastError =
    "451 4.4.0 Primary target IP address responded with: \"454 4.7.0 Temporary authentication failure.\" "
    "Attempted failover to alternate host, but that did not succeed. Either there are no alternate hosts, "
    "or delivery failed to all alternate hosts.";

ReadOutcome read_queues(const std::string& path, const SourcePosition& from = {}) {
  ReadOutcome outcome;
  auto source = make_queue_json_file(path);
  auto result = source->read(
      from, [&](TransportEvent&& e) { outcome.events.push_back(std::move(e)); },
      [&](ReadError&& e) { outcome.errors.push_back(std::move(e)); });
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error());
  if (result.ok()) outcome.summary = result.value();
  return outcome;
}

TimePoint file_time(const std::string& path) {
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::file_clock::to_sys(std::filesystem::last_write_time(path)));
}

// --- property values ------------------------------------------------------------------------

TEST(QueuePropertyText, RendersValuesAsGetQueueShowsThem) {
  using nlohmann::json;
  EXPECT_EQ(queue_property_text(json("EX1\\3")), "EX1\\3");
  EXPECT_EQ(queue_property_text(json(3)), "3");
  EXPECT_EQ(queue_property_text(json(-2)), "-2");
  EXPECT_EQ(queue_property_text(json(18446744073709551615ULL)), "18446744073709551615");
  EXPECT_EQ(queue_property_text(json(0.6)), "0.6");
  EXPECT_EQ(queue_property_text(json(true)), "True");
  EXPECT_EQ(queue_property_text(json(false)), "False");
  EXPECT_EQ(queue_property_text(json(nullptr)), "");
  EXPECT_EQ(queue_property_text(json("/Date(1710497643000)/")), "2024-03-15T10:14:03.000Z");
  EXPECT_EQ(queue_property_text(json("/Date(1710497643123+0100)/")), "2024-03-15T10:14:03.123Z");
  EXPECT_EQ(queue_property_text(json("2024-03-15T10:14:03.0000000Z")), "2024-03-15T10:14:03.0000000Z");
  EXPECT_EQ(queue_property_text(json("/Date(not a number)/")), "/Date(not a number)/");
}

TEST(QueuePropertyText, NestedObjectsByValueOrAsCompactJson) {
  auto with_value = nlohmann::json::parse(R"({"Value":"EX1\\3","IsDefault":false})");
  EXPECT_EQ(queue_property_text(with_value), "EX1\\3");
  auto without_value = nlohmann::json::parse(R"({ "Server": "EX1", "RowId": 3 })");
  EXPECT_EQ(queue_property_text(without_value), R"({"RowId":3,"Server":"EX1"})");
  EXPECT_EQ(queue_property_text(nlohmann::json::parse(R"([ "a", 1 ])")), R"(["a",1])");
}

TEST(QueueEventKey, CombinesIdentityTimeAndErrorHash) {
  auto time = *parse_iso8601("2024-03-15T10:14:03Z");
  EXPECT_EQ(queue_event_key("EX1\\3", time, "boom"), "queue:EX1\\3|2024-03-15T10:14:03.000Z|" + hex64(fnv1a64("boom")));
  EXPECT_NE(queue_event_key("EX1\\3", time, "boom"), queue_event_key("EX1\\3", time, "bang"));
}

// --- the three layouts ----------------------------------------------------------------------

TEST(QueueJson, ReadsAPowerShell51Array) {
  auto outcome = read_queues(kQueues2010);
  EXPECT_TRUE(outcome.errors.empty());
  ASSERT_EQ(outcome.events.size(), 3u);
  EXPECT_EQ(outcome.summary.records_read, 3u);

  const auto& retrying = outcome.events[0];
  EXPECT_EQ(retrying.source_kind, SourceKind::QueueSnapshot);
  EXPECT_EQ(retrying.location, kQueues2010);
  EXPECT_EQ(retrying.locator, "item 1");
  EXPECT_EQ(retrying.field("Identity"), "EX1\\3");
  EXPECT_EQ(retrying.field("Status"), "3");
  EXPECT_EQ(retrying.field("DeliveryType"), "6");
  EXPECT_EQ(retrying.field("MessageCount"), "17");
  EXPECT_EQ(retrying.field("Velocity"), "-0.35");
  EXPECT_EQ(retrying.field("OutgoingRate"), "0");
  EXPECT_EQ(retrying.field("IsValid"), "True");
  EXPECT_EQ(retrying.field("LastRetryTime"), "2024-03-15T10:14:03.000Z");
  EXPECT_EQ(retrying.field("FirstRetryTime"), "2024-03-15T09:52:41.000Z");
  EXPECT_EQ(retrying.field("LastError"), kExchangeAuthLastError);
  EXPECT_EQ(retrying.text, kExchangeAuthLastError);
  EXPECT_EQ(format_iso8601(retrying.time), "2024-03-15T10:14:03.000Z");
  EXPECT_EQ(retrying.key, "queue:EX1\\3|2024-03-15T10:14:03.000Z|" + hex64(fnv1a64(kExchangeAuthLastError)));

  const auto& dns = outcome.events[1];
  EXPECT_EQ(dns.locator, "item 2");
  EXPECT_THAT(dns.text, HasSubstr("SMTPSEND.DNS.NonExistentDomain"));
  EXPECT_EQ(format_iso8601(dns.time), "2024-03-15T10:11:37.000Z");

  const auto& healthy = outcome.events[2];
  EXPECT_EQ(healthy.field("Identity"), "EX1\\Submission");
  EXPECT_EQ(healthy.fields.count("LastError"), 1u);
  EXPECT_EQ(healthy.field("LastError"), "");
  EXPECT_EQ(healthy.text, "");
  EXPECT_EQ(healthy.field("LastRetryTime"), "");
  // A healthy queue has no retry time and needs none (nothing is kept of it); it is never dated with
  // the file's time.
  EXPECT_EQ(healthy.time, TimePoint{});
  EXPECT_NE(healthy.time, file_time(kQueues2010));
  EXPECT_EQ(healthy.key, "queue:EX1\\Submission|1970-01-01T00:00:00.000Z|" + hex64(fnv1a64("")));
}

TEST(QueueJson, ReadsASingleObjectWithWrappedLastError) {
  auto outcome = read_queues(kQueue2016);
  EXPECT_TRUE(outcome.errors.empty());
  ASSERT_EQ(outcome.events.size(), 1u);
  const auto& queue = outcome.events[0];
  EXPECT_EQ(queue.locator, "item 1");
  EXPECT_EQ(queue.field("Identity"), "EX1\\12");
  EXPECT_EQ(queue.field("Status"), "Retry");
  EXPECT_EQ(queue.field("LastRetryTime"), "2024-03-15T10:14:03.0000000Z");
  EXPECT_EQ(format_iso8601(queue.time), "2024-03-15T10:14:03.000Z");
  EXPECT_TRUE(queue.text.starts_with("[{LRT=3/15/2024 10:14:03 AM};{LED=451 4.4.0 Primary target IP address responded with: \"454 4.7.0"));
  EXPECT_TRUE(queue.text.ends_with("{FQDN=ex2.contoso.com};{IP=10.0.0.2}]"));
}

TEST(QueueJson, ReadsJsonLines) {
  auto outcome = read_queues(kQueueLines);
  EXPECT_TRUE(outcome.errors.empty());
  ASSERT_EQ(outcome.events.size(), 4u);
  EXPECT_EQ(outcome.events[0].locator, "line 1 item 1");
  EXPECT_EQ(outcome.events[1].locator, "line 1 item 2");
  EXPECT_EQ(outcome.events[3].locator, "line 2 item 2");
  EXPECT_EQ(format_iso8601(outcome.events[0].time), "2024-03-15T10:14:03.000Z");
  EXPECT_EQ(format_iso8601(outcome.events[2].time), "2024-03-15T10:24:03.000Z");
  EXPECT_NE(outcome.events[0].key, outcome.events[2].key);  // the same queue, observed twice
  EXPECT_EQ(outcome.events[3].field("Identity"), "EX1\\13");
  EXPECT_EQ(outcome.summary.position.offset, read_bytes(kQueueLines).size());
  EXPECT_EQ(outcome.summary.position.record, 2u);
}

TEST(QueueJson, Utf16leAndUtf8BomCopiesReadLikeTheOriginal) {
  TempDir dir;
  auto original = read_queues(kQueues2010);
  for (const auto& path : {dir.write("queues-utf16.json", as_utf16le(read_bytes(kQueues2010))),
                           dir.write("queues-bom.json", "\xEF\xBB\xBF" + read_bytes(kQueues2010))}) {
    auto copy = read_queues(path);
    EXPECT_TRUE(copy.errors.empty()) << path;
    ASSERT_EQ(copy.events.size(), original.events.size()) << path;
    for (size_t i = 0; i < copy.events.size(); ++i) {
      EXPECT_EQ(copy.events[i].fields, original.events[i].fields) << path;
      EXPECT_EQ(copy.events[i].text, original.events[i].text) << path;
      if (!copy.events[i].field("LastRetryTime").empty()) {
        EXPECT_EQ(copy.events[i].key, original.events[i].key) << path;
      }
    }
  }
}

TEST(QueueJson, Utf16leJsonLinesResumeAfterAppend) {
  TempDir dir;
  const std::string lines = read_bytes(kQueueLines);
  const size_t first_line_end = lines.find('\n') + 1;
  auto path = dir.write("queues.jsonl", as_utf16le(lines.substr(0, first_line_end)));
  auto first = read_queues(path);
  EXPECT_TRUE(first.errors.empty());
  ASSERT_EQ(first.events.size(), 2u);
  EXPECT_EQ(first.events[0].field("Identity"), "EX1\\12");

  append_bytes(path, as_utf16le(lines.substr(first_line_end)).substr(2));  // no second BOM
  auto second = read_queues(path, first.summary.position);
  EXPECT_TRUE(second.summary.resumed);
  EXPECT_TRUE(second.errors.empty());
  ASSERT_EQ(second.events.size(), 2u);
  EXPECT_EQ(second.events[0].locator, "line 2 item 1");
  EXPECT_EQ(second.events[1].field("Identity"), "EX1\\13");
}

// --- positions ------------------------------------------------------------------------------

TEST(QueueJson, UnchangedDocumentIsNotReadAgain) {
  auto first = read_queues(kQueues2010);
  EXPECT_THAT(first.summary.position.identity, ::testing::StartsWith("sha:"));
  auto again = read_queues(kQueues2010, first.summary.position);
  EXPECT_TRUE(again.summary.resumed);
  EXPECT_EQ(again.summary.records_read, 0u);
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(again.summary.position, first.summary.position);
}

TEST(QueueJson, ChangedDocumentIsReadAgain) {
  TempDir dir;
  auto path = dir.write("queue.json", read_bytes(kQueue2016));
  auto first = read_queues(path);
  std::string changed = read_bytes(kQueue2016);
  changed.replace(changed.find("\"MessageCount\":  23"), 19, "\"MessageCount\":  24");
  dir.write("queue.json", changed);
  auto second = read_queues(path, first.summary.position);
  EXPECT_FALSE(second.summary.resumed);
  ASSERT_EQ(second.events.size(), 1u);
  EXPECT_EQ(second.events[0].field("MessageCount"), "24");
  EXPECT_EQ(second.events[0].key, first.events[0].key);  // same observation: storage keeps one
}

TEST(QueueJson, AppendedLinesAreReadOnceAndPartialLinesWait) {
  TempDir dir;
  auto path = dir.write("queues.jsonl", read_bytes(kQueueLines));
  auto first = read_queues(path);
  ASSERT_EQ(first.events.size(), 4u);

  const std::string third =
      R"([{"Identity":"EX1\\12","Status":"Retry","LastError":"451 4.4.0 DNS query failed.","LastRetryTime":"2024-03-15T10:34:03.0000000Z"}])";
  append_bytes(path, third.substr(0, 40));
  auto partial = read_queues(path, first.summary.position);
  EXPECT_TRUE(partial.summary.resumed);
  EXPECT_TRUE(partial.events.empty());
  EXPECT_TRUE(partial.errors.empty());
  EXPECT_EQ(partial.summary.position.offset, first.summary.position.offset);

  append_bytes(path, third.substr(40) + "\r\n");
  auto complete = read_queues(path, partial.summary.position);
  EXPECT_TRUE(complete.errors.empty());
  ASSERT_EQ(complete.events.size(), 1u);
  EXPECT_EQ(complete.events[0].locator, "line 3 item 1");
  EXPECT_EQ(format_iso8601(complete.events[0].time), "2024-03-15T10:34:03.000Z");

  auto nothing_new = read_queues(path, complete.summary.position);
  EXPECT_TRUE(nothing_new.events.empty());
  EXPECT_EQ(nothing_new.summary.records_read, 0u);
}

// --- bad input ------------------------------------------------------------------------------

TEST(QueueJson, InvalidDocumentIsOneErrorWithLineAndColumn) {
  TempDir dir;
  auto path = dir.write("broken.json",
                        "[\r\n"
                        "    {\r\n"
                        "        \"Identity\":  \"EX1\\\\3\",\r\n"
                        "        \"Status\":  3,,\r\n"
                        "    }\r\n"
                        "]\r\n");
  ReadOutcome outcome;
  ASSERT_NO_THROW(outcome = read_queues(path));
  EXPECT_TRUE(outcome.events.empty());
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].location, path);
  EXPECT_EQ(outcome.errors[0].locator, "line 4, column 22");
  EXPECT_THAT(outcome.errors[0].reason, HasSubstr("invalid JSON"));
  EXPECT_THAT(outcome.errors[0].reason, HasSubstr("syntax error"));
  EXPECT_THAT(outcome.errors[0].reason, ::testing::Not(HasSubstr("[json.exception")));
  EXPECT_EQ(outcome.summary.bad_records, 1u);
}

TEST(QueueJson, TruncatedDocumentIsAnError) {
  TempDir dir;
  std::string content = read_bytes(kQueues2010);
  auto path = dir.write("truncated.json", content.substr(0, content.size() / 2));
  auto outcome = read_queues(path);
  EXPECT_TRUE(outcome.events.empty());
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_THAT(outcome.errors[0].reason, HasSubstr("nothing in the file was read"));
}

TEST(QueueJson, BadJsonLineLosesOnlyThatLine) {
  TempDir dir;
  const std::string lines = read_bytes(kQueueLines);
  const size_t first_line_end = lines.find('\n') + 1;
  auto path = dir.write("queues.jsonl", lines.substr(0, first_line_end) + "[{\"Identity\":\"EX1\\\\12\",\"Status\":}]\r\n" +
                                           lines.substr(first_line_end));
  auto outcome = read_queues(path);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].locator, "line 2, column 33");
  EXPECT_THAT(outcome.errors[0].reason, HasSubstr("invalid JSON"));
  ASSERT_EQ(outcome.events.size(), 4u);
  EXPECT_EQ(outcome.events[0].locator, "line 1 item 1");
  EXPECT_EQ(outcome.events[2].locator, "line 3 item 1");
}

// The issue's case: nlohmann throws out_of_range, not parse_error, for a number beyond a double,
// and that escaped the reader: the whole file was lost with an exception instead of one line.
TEST(QueueJson, ANumberBeyondADoubleLosesOnlyItsLine) {
  TempDir dir;
  const std::string lines = read_bytes(kQueueLines);
  const size_t first_line_end = lines.find('\n') + 1;
  auto path = dir.write("queues.jsonl", lines.substr(0, first_line_end) + "[{\"Identity\":\"EX1\\\\12\",\"MessageCount\":1e400}]\r\n" +
                                           lines.substr(first_line_end));
  ReadOutcome outcome;
  ASSERT_NO_THROW(outcome = read_queues(path));
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].locator, "line 2, column 43") << "the place of the number's last digit";
  EXPECT_EQ(outcome.errors[0].reason, "invalid JSON: number overflow parsing '1e400'");
  ASSERT_EQ(outcome.events.size(), 4u);
  EXPECT_EQ(outcome.events[2].locator, "line 3 item 1");
}

TEST(QueueJson, ANumberBeyondADoubleInADocumentIsOneErrorNotAnException) {
  TempDir dir;
  auto path = dir.write("queues.json", "[\n  {\"Identity\": \"EX1\\\\3\", \"MessageCount\": -1e999}\n]\n");
  ReadOutcome outcome;
  ASSERT_NO_THROW(outcome = read_queues(path));
  EXPECT_TRUE(outcome.events.empty());
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].locator, "line 2, column 47");
  EXPECT_EQ(outcome.errors[0].reason, "invalid JSON, nothing in the file was read: number overflow parsing '-1e999'");
}

// The issue's case: nlohmann parses any depth, but writing a value (a property shown as compact
// JSON) recursed once per level and a deep one overflowed the stack. Nesting is refused while
// parsing, past 64 levels; the other lines are read.
TEST(QueueJson, NestingDeeperThan64LevelsIsAnErrorNotAStackOverflow) {
  TempDir dir;
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string lines = read_bytes(kQueueLines);
  const size_t first_line_end = lines.find('\n') + 1;
  auto path = dir.write("queues.jsonl", lines.substr(0, first_line_end) + "[{\"Identity\":\"EX1\\\\12\",\"LastError\":" + deep +
                                           "}]\r\n" + lines.substr(first_line_end));
  ReadOutcome outcome;
  ASSERT_NO_THROW(outcome = read_queues(path));
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].locator, "line 2, column 98") << "the first '[' beyond 64 levels (two are the queue's own)";
  EXPECT_EQ(outcome.errors[0].reason, "invalid JSON: arrays and objects nested deeper than 64 levels");
  EXPECT_EQ(outcome.events.size(), 4u);

  auto document = dir.write("deep.json", deep);
  ASSERT_NO_THROW(outcome = read_queues(document));
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_THAT(outcome.errors[0].reason, HasSubstr("nested deeper than 64 levels"));
}

// Found by fuzz_queue_json and fuzz_queue_json_utf16 (tests/data/fuzz-regressions/): nlohmann's
// message quotes the bytes it read last, which may be no UTF-8 or half a character; a source's last
// error is shown as JSON by `authwatch status`, whose writer throws on them.
TEST(QueueJson, ParserMessagesQuoteTheFileAsUtf8) {
  TempDir dir;
  auto path = dir.write("bad.json", "[{\"Identity\": \xC3}]");
  auto outcome = read_queues(path);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].reason,
            "invalid JSON, nothing in the file was read: syntax error while parsing value - invalid literal; last read: "
            "'\"Identity\": \\xC3'") << "the byte shown visibly (core/utf8.hpp), never dropped";
}

TEST(QueueJson, ItemsThatAreNotQueuesAreNamed) {
  TempDir dir;
  auto path = dir.write("mixed.json", R"([{"Identity":"EX1\\3","Status":3}, 42, {"Status":3}, {"Identity":null}])");
  auto outcome = read_queues(path);
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].field("Identity"), "EX1\\3");
  ASSERT_EQ(outcome.errors.size(), 3u);
  EXPECT_EQ(outcome.errors[0].locator, "item 2");
  EXPECT_EQ(outcome.errors[0].reason, "not a queue object but a JSON number");
  EXPECT_EQ(outcome.errors[1].locator, "item 3");
  EXPECT_EQ(outcome.errors[1].reason, "queue has no Identity");
  EXPECT_EQ(outcome.errors[2].locator, "item 4");
  EXPECT_EQ(outcome.errors[1].message(), path + ": item 3: queue has no Identity");
  EXPECT_EQ(outcome.summary.records_read, 4u);
  EXPECT_EQ(outcome.summary.bad_records, 3u);
}

TEST(QueueJson, MalformedUtf16IsAnErrorNotAnException) {
  TempDir dir;
  auto path = dir.write("odd.json", std::string("\xFF\xFE[\0{\0}\0]", 9));
  ReadOutcome outcome;
  ASSERT_NO_THROW(outcome = read_queues(path));
  EXPECT_TRUE(outcome.events.empty());
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_THAT(outcome.errors[0].reason, HasSubstr("UTF-16LE"));
}

TEST(QueueJson, MissingFileIsAnError) {
  auto source = make_queue_json_file(kTestData + "/exchange/no-such.json");
  auto result = source->read({}, [](TransportEvent&&) {}, [](ReadError&&) {});
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error(), HasSubstr("no-such.json"));
}

// JSON lines: a line over the limit is a bad record with its length; the others are read. An
// unterminated last line that does not parse yet is pending, with its size.
TEST(QueueJson, AJsonLineOverTheLimitIsNamedAndSkipped) {
  TempDir dir;
  const std::string line = R"([{"Identity":"EX1\\3","Status":"Retry","LastError":"454 4.7.0 Temporary authentication failure","LastRetryTime":"2024-03-15T10:14:03Z"}])";
  const std::string big = R"([{"Identity":"EX1\\4","LastError":")" + std::string(6000, 'a') + R"("}])";
  const auto path = dir.write("queues.jsonl", line + "\n" + big + "\n" + line + "\n[{\"Identity\":");
  ReadOutcome outcome;
  auto result = make_queue_json_file(path, {}, 4096)->read(
      {}, [&](TransportEvent&& e) { outcome.events.push_back(std::move(e)); }, [&](ReadError&& e) { outcome.errors.push_back(std::move(e)); });
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].locator, "line 2");
  EXPECT_EQ(outcome.errors[0].reason, "line of " + std::to_string(big.size()) + " bytes, longer than the limit of 4096 (limits.line_bytes): skipped");
  EXPECT_EQ(outcome.events.size(), 2u);
  EXPECT_EQ(result.value().pending_bytes, 13u);
  EXPECT_EQ(result.value().position.record, 3u);
}

}  // namespace
}  // namespace authwatch::sources

// Event XML exports: wevtutil (no root, single quotes), Get-WinEvent ToXml (one per line, with
// RenderingInfo), <Events> documents; damaged copies are made in a temporary folder.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "core/text.hpp"
#include "sources/event_xml.hpp"
#include "sources/file_source.hpp"
#include "sources/readers.hpp"
#include "tests/sources/temp_dir.hpp"
#include "tests/sources/test_inputs.hpp"

namespace authwatch::sources {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using authwatch::testing::read_bytes;
using authwatch::testing::TempDir;

const std::string kExchange = std::string(AUTHWATCH_TEST_DATA) + "/exchange/";
const std::string kWevtutil = kExchange + "wevtutil-1035.xml";
const std::string kGetWinEvent = kExchange + "get-winevent-1035.xml";
const std::string kEventsRoot = kExchange + "events-root-1035.xml";

EventXmlParse parse_file(const std::string& path) {
  return parse_event_xml_stream(read_bytes(path), SourceKind::EventXml, path);
}

const TransportEvent* find_record(const EventXmlParse& parse, uint64_t record_id) {
  for (const auto& event : parse.events)
    if (event.record_id == record_id) return &event;
  return nullptr;
}

std::vector<std::string> locators(const std::vector<ReadError>& errors) {
  std::vector<std::string> out;
  for (const auto& error : errors) out.push_back(error.locator);
  return out;
}

// A one-event document in wevtutil's shape with `system_tail` after <EventID> and `payload` after </System>.
std::string wevtutil_event(std::string_view provider, std::string_view system_tail, std::string_view payload) {
  return "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>" + std::string(provider) +
         "<EventID Qualifiers='32772'>1035</EventID>" + std::string(system_tail) + "</System>" + std::string(payload) +
         "</Event>";
}

constexpr std::string_view kSystemTail =
    "<Level>3</Level><TimeCreated SystemTime='2024-05-06T08:15:02.1234567Z'/><Channel>Application</Channel>"
    "<Computer>EX2.contoso.com</Computer>";
constexpr std::string_view kTransportProvider = "<Provider Name='MSExchangeTransport'/>";
constexpr std::string_view kPayload =
    "<EventData><Data>IllegalMessage</Data><Data>Default EX2</Data><Data>ExchangeAuth</Data><Data>10.0.0.1</Data></EventData>";

// --- wevtutil qe /f:xml ---------------------------------------------------------------------

TEST(EventXmlStream, WevtutilExportReadsEveryEventInFileOrder) {
  auto parse = parse_file(kWevtutil);
  EXPECT_TRUE(parse.errors.empty());
  std::vector<std::string> seen;
  for (const auto& e : parse.events) seen.push_back(e.provider + " " + std::to_string(e.event_id) + " " + e.computer);
  EXPECT_THAT(seen, ElementsAre("MSExchangeTransport 1035 ex2.contoso.com", "MSExchangeTransport 2017 ex1.contoso.com",
                                "MSExchangeTransport 2003 ex1.contoso.com", "MSExchangeTransport 1035 ex2.contoso.com",
                                "MSExchangeTransport 1035 ex2.contoso.com",
                                "MSExchangeFrontEndTransport 1035 ex2.contoso.com",
                                "MSExchangeTransport 7010 ex2.contoso.com"));
}

TEST(EventXmlStream, MapsTheSystemSection) {
  auto parse = parse_file(kWevtutil);
  ASSERT_FALSE(parse.events.empty());
  const auto& e = parse.events.front();
  EXPECT_EQ(e.source_kind, SourceKind::EventXml);
  EXPECT_EQ(e.location, kWevtutil);
  EXPECT_EQ(e.locator, "event 1 (line 1)");
  EXPECT_EQ(e.provider, "MSExchangeTransport");
  EXPECT_EQ(e.event_id, 1035u);
  EXPECT_EQ(e.level, 3);
  EXPECT_EQ(e.channel, "Application");
  EXPECT_EQ(e.computer, "ex2.contoso.com");
  EXPECT_EQ(e.record_id, 51001u);
  EXPECT_EQ(e.time, utc(2024, 5, 6, 8, 15, 2, 123456)) << "7 fractional digits, cut to microseconds";
  EXPECT_EQ(e.field("Qualifiers"), "32772");
  EXPECT_EQ(e.key, "evt:ex2.contoso.com|Application|51001");
  EXPECT_EQ(e.text, "") << "no RenderingInfo, no message";
  EXPECT_EQ(e.fields.count("Message"), 0u);
}

TEST(EventXmlStream, UnnamedDataAreNumberedInOrder) {
  auto parse = parse_file(kWevtutil);
  const auto* inbound = find_record(parse, 51005);
  ASSERT_NE(inbound, nullptr);
  EXPECT_EQ(inbound->field("1"), "UnexpectedExchangeAuthBlobCheckForClockSkew");
  EXPECT_EQ(inbound->field("2"), "Default EX2");
  EXPECT_EQ(inbound->field("3"), "ExchangeAuth");
  EXPECT_EQ(inbound->field("4"), "10.0.0.7");
  EXPECT_EQ(inbound->fields.size(), 5u) << "four data and Qualifiers";

  const auto* send_failure = find_record(parse, 73121);
  ASSERT_NE(send_failure, nullptr);
  EXPECT_EQ(send_failure->event_id, 2003u);
  EXPECT_EQ(send_failure->field("1"), "Intra-Organization SMTP Send Connector");
  EXPECT_EQ(send_failure->field("2"), "ex2.contoso.com");
  EXPECT_EQ(send_failure->field("3"), "454 4.7.0 Temporary authentication failure");
  EXPECT_EQ(send_failure->fields.count("4"), 0u);

  const auto* outbound = find_record(parse, 73120);
  ASSERT_NE(outbound, nullptr);
  EXPECT_EQ(outbound->level, 2);
  EXPECT_EQ(outbound->field("Qualifiers"), "49156");
  EXPECT_EQ(outbound->field("4"), "SMTPSVC/ex2.contoso.com");
  EXPECT_EQ(outbound->key, "evt:ex1.contoso.com|Application|73120");

  const auto* client_noise = find_record(parse, 51006);
  ASSERT_NE(client_noise, nullptr);
  EXPECT_EQ(client_noise->provider, "MSExchangeFrontEndTransport");
  EXPECT_EQ(client_noise->field("1"), "LogonDenied");
  EXPECT_EQ(client_noise->field("2"), "Client Frontend EX2");
  EXPECT_EQ(client_noise->field("3"), "Login");
  EXPECT_EQ(client_noise->field("4"), "192.0.2.44");
}

// --- Get-WinEvent ToXml, <Events> documents -------------------------------------------------

TEST(EventXmlStream, GetWinEventLinesWithRenderedMessages) {
  auto parse = parse_file(kGetWinEvent);
  EXPECT_TRUE(parse.errors.empty());
  ASSERT_EQ(parse.events.size(), 2u);
  EXPECT_EQ(parse.events[0].locator, "event 1 (line 1)");
  EXPECT_EQ(parse.events[1].locator, "event 2 (line 3)") << "a blank line separates the two";
  const auto& e = parse.events[1];
  EXPECT_EQ(e.record_id, 51010u);
  EXPECT_EQ(e.time, utc(2024, 5, 6, 9, 2, 13, 4000));
  EXPECT_EQ(e.text,
            "Inbound authentication failed with error IllegalMessage for Receive connector Default EX2. The "
            "authentication mechanism is ExchangeAuth. The source IP address of the client who tried to authenticate "
            "to Microsoft Exchange is [10.0.0.1].");
  EXPECT_EQ(e.field("Message"), e.text);
  EXPECT_EQ(e.field("4"), "10.0.0.1");
  EXPECT_EQ(e.fields.count("5"), 0u) << "RenderingInfo's elements are not event data";
}

TEST(EventXmlStream, TheSameRecordHasTheSameKeyInEveryRendering) {
  auto wevtutil = parse_file(kWevtutil);
  auto get_winevent = parse_file(kGetWinEvent);
  auto events_root = parse_file(kEventsRoot);
  const auto* plain = find_record(wevtutil, 51001);
  const auto* rendered = find_record(get_winevent, 51001);
  ASSERT_TRUE(plain && rendered);
  EXPECT_EQ(plain->key, rendered->key);
  EXPECT_EQ(plain->time, rendered->time);
  auto without_message = rendered->fields;
  without_message.erase("Message");
  EXPECT_EQ(plain->fields, without_message);

  const auto* single_quoted = find_record(wevtutil, 51004);
  const auto* pretty = find_record(events_root, 51004);
  ASSERT_TRUE(single_quoted && pretty);
  EXPECT_EQ(single_quoted->key, pretty->key);
  EXPECT_EQ(single_quoted->key, "evt:ex2.contoso.com|Application|51004");
  EXPECT_NE(plain->key, single_quoted->key);
}

TEST(EventXmlStream, EventsRootWithDeclarationAndComment) {
  auto parse = parse_file(kEventsRoot);
  EXPECT_TRUE(parse.errors.empty()) << (parse.errors.empty() ? "" : parse.errors[0].message());
  ASSERT_EQ(parse.events.size(), 3u);
  EXPECT_EQ(parse.events[0].locator, "event 1 (line 5)");
  EXPECT_EQ(parse.events[1].locator, "event 2 (line 25)");
  EXPECT_EQ(parse.events[2].locator, "event 3 (line 83)");

  const auto& exchange_2010 = parse.events[0];  // docs/domain.md §1.3: no <Version>/<Opcode>, 9 digits
  EXPECT_EQ(exchange_2010.record_id, 10489441u);
  EXPECT_EQ(exchange_2010.time, utc(2024, 2, 12, 17, 21, 43, 123456));
  EXPECT_EQ(format_iso8601(exchange_2010.time), "2024-02-12T17:21:43.123Z");
  EXPECT_EQ(exchange_2010.field("1"), "UnexpectedExchangeAuthBlob");
}

TEST(EventXmlStream, NamedDataKeepTheirNames) {
  auto parse = parse_file(kEventsRoot);
  const auto* kerberos = find_record(parse, 2210);
  ASSERT_NE(kerberos, nullptr);
  EXPECT_EQ(kerberos->provider, "Microsoft-Windows-Security-Kerberos") << "Name wins over EventSourceName";
  EXPECT_EQ(kerberos->event_id, 3u);
  EXPECT_EQ(kerberos->channel, "System");
  EXPECT_EQ(kerberos->computer, "EX2.contoso.com") << "kept as written";
  EXPECT_EQ(kerberos->key, "evt:ex2.contoso.com|System|2210") << "the key lower-cases the computer";
  EXPECT_EQ(kerberos->field("ErrorCode"), "0x25");
  EXPECT_EQ(kerberos->field("ErrorMessage"), "KRB_AP_ERR_SKEW");
  EXPECT_EQ(kerberos->field("ServerTime"), "17:27:2.0000 2/12/2024 Z");
  EXPECT_EQ(kerberos->field("TargetName"), "SMTPSVC/ex2.contoso.com@CONTOSO.COM");
  ASSERT_EQ(kerberos->fields.count("ClientTime"), 1u) << "an empty <Data Name> is still a field";
  EXPECT_EQ(kerberos->field("ClientTime"), "");
  EXPECT_EQ(kerberos->fields.count("Binary"), 1u);
  EXPECT_EQ(kerberos->fields.count("1"), 0u) << "named data are not numbered";
  EXPECT_THAT(kerberos->text, StartsWith("A Kerberos error message was received:\n on logon session"));
  EXPECT_THAT(kerberos->text, HasSubstr("\n Error Code: 0x25 KRB_AP_ERR_SKEW\n"));
}

TEST(EventXmlStream, Utf8BomBeforeTheDeclaration) {
  auto plain = parse_file(kEventsRoot);
  auto with_bom = parse_event_xml_stream("\xEF\xBB\xBF" + read_bytes(kEventsRoot), SourceKind::EventXml, "bom.xml");
  EXPECT_TRUE(with_bom.errors.empty());
  ASSERT_EQ(with_bom.events.size(), plain.events.size());
  for (size_t i = 0; i < plain.events.size(); ++i) {
    EXPECT_EQ(with_bom.events[i].key, plain.events[i].key);
    EXPECT_EQ(with_bom.events[i].locator, plain.events[i].locator);
  }
}

TEST(EventXmlStream, EventLookalikesInsideCdataAndCommentsAreNotBoundaries) {
  std::string text = "<!-- <Event> in a comment -->\n" +
                     wevtutil_event(kTransportProvider, "<EventRecordID>7</EventRecordID>" + std::string(kSystemTail),
                                    "<EventData><Data><![CDATA[<Event><EventData></Event>]]></Data>"
                                    "<Data>a &amp; b &lt;c&gt;</Data></EventData>");
  auto parse = parse_event_xml_stream(text, SourceKind::EventXml, "x.xml");
  EXPECT_TRUE(parse.errors.empty()) << (parse.errors.empty() ? "" : parse.errors[0].message());
  ASSERT_EQ(parse.events.size(), 1u);
  EXPECT_EQ(parse.events[0].field("1"), "<Event><EventData></Event>");
  EXPECT_EQ(parse.events[0].field("2"), "a & b <c>");
  EXPECT_EQ(parse.events[0].locator, "event 1 (line 2)");
}

// --- damaged exports ----------------------------------------------------------------------

TEST(EventXmlStream, ABrokenEventCostsOnlyItselfAndATruncatedTailIsReported) {
  std::string text = read_bytes(kWevtutil);
  // Event 3 (the 2003) loses a closing tag; the copy also ends with half of another event.
  auto data_close = text.find("</Data>", text.find("<EventRecordID>73121<"));
  ASSERT_NE(data_close, std::string::npos);
  text.erase(data_close, 7);
  text += text.substr(0, 300);
  auto parse = parse_event_xml_stream(text, SourceKind::EventXml, "cut.xml");

  ASSERT_EQ(parse.errors.size(), 2u);
  EXPECT_EQ(parse.errors[0].location, "cut.xml");
  EXPECT_EQ(parse.errors[0].locator, "event 3 (line 1)");
  EXPECT_THAT(parse.errors[0].reason, HasSubstr("malformed XML: Start-end tags mismatch"));
  EXPECT_EQ(parse.errors[1].locator, "event 8 (line 2)");
  EXPECT_THAT(parse.errors[1].reason, HasSubstr("not closed"));
  EXPECT_EQ(parse.errors[1].message(), "cut.xml: event 8 (line 2): <Event> is not closed: the file ends first (truncated?)");
  std::vector<uint64_t> records;
  for (const auto& e : parse.events) records.push_back(e.record_id);
  EXPECT_THAT(records, ElementsAre(51001u, 73120u, 51004u, 51005u, 51006u, 51007u));
}

TEST(EventXmlStream, ErrorsNameTheLineOfTheEventAndOfTheFault) {
  std::string text = read_bytes(kEventsRoot);
  // In event 2 (lines 25-82) line 47's <Data ...> loses its '>'; event 3 loses its </Event>.
  auto fault = text.find("<Data Name=\"ErrorMessage\">");
  ASSERT_NE(fault, std::string::npos);
  text.replace(fault, 26, "<Data Name=\"ErrorMessage\"");
  auto last_close = text.rfind("</Event>");
  text.erase(last_close, 8);
  auto parse = parse_event_xml_stream(text, SourceKind::EventXml, "root.xml");

  EXPECT_THAT(locators(parse.errors), ElementsAre("event 2 (line 25)", "event 3 (line 83)"));
  ASSERT_EQ(parse.errors.size(), 2u);
  EXPECT_THAT(parse.errors[0].reason, HasSubstr("malformed XML: "));
  EXPECT_THAT(parse.errors[0].reason, HasSubstr("(at line 47)"));
  ASSERT_EQ(parse.events.size(), 1u);
  EXPECT_EQ(parse.events[0].record_id, 10489441u);
}

TEST(EventXmlStream, StrayTextAndACutTagAreErrorsWithTheirLine) {
  std::string one = wevtutil_event(kTransportProvider, std::string(kSystemTail), std::string(kPayload));
  auto parse = parse_event_xml_stream(one + "\nWevtUtil failed: The parameter is incorrect.\n" + one + "\n<Eve",
                                      SourceKind::EventXml, "x.xml");
  EXPECT_EQ(parse.events.size(), 2u);
  ASSERT_EQ(parse.errors.size(), 2u);
  EXPECT_EQ(parse.errors[0].locator, "line 1") << "the stray text starts right after the first event";
  EXPECT_THAT(parse.errors[0].reason, HasSubstr("WevtUtil failed: The parameter is incorrect."));
  EXPECT_EQ(parse.errors[1].locator, "line 4");
  EXPECT_THAT(parse.errors[1].reason, HasSubstr("the file ends inside \"<Eve\""));
}

// Found by fuzz_event_xml (tests/data/fuzz-regressions/event_xml/): messages quoted the file's
// bytes as they were, and a source's last error is shown as JSON (`authwatch status`), whose
// writer throws on bytes that are not UTF-8. Quoted text is UTF-8 now, such a byte shown as \xHH
// (core/utf8.hpp), and a quote is never cut in the middle of a character.
TEST(EventXmlStream, MessagesQuoteTheFileAsUtf8) {
  auto parse = parse_event_xml_stream("454 4.7.0 Tempo\xFFrary\n" +
                                          wevtutil_event(kTransportProvider, "<EventRecordID>4\xE2\x82</EventRecordID>" +
                                                                                 std::string(kSystemTail), "") +
                                          std::string(57, 'x') + "\xC3\xA9\xC3\xA9",
                                      SourceKind::EventXml, "x.xml");
  EXPECT_TRUE(parse.events.empty());
  ASSERT_EQ(parse.errors.size(), 3u);
  EXPECT_EQ(parse.errors[0].reason, "text outside any <Event>: \"454 4.7.0 Tempo\\xFFrary\"");
  EXPECT_EQ(parse.errors[1].reason, "EventRecordID '4\\xE2\\x82' is not a number");
  EXPECT_EQ(parse.errors[2].reason, "text outside any <Event>: \"" + std::string(57, 'x') + "\xC3\xA9...\"")
      << "60 bytes end inside the second 'é': the cut steps back before it";
}

// Not found by the fuzzer (its inputs stay far smaller), but the pattern the issue names: an
// <Event> followed by a long run of '<'. Each '<' inside an event used to be scanned on to the
// next delimiter, so this input took hours; it must come back with one error, at once (if this
// test hangs until ctest's timeout, the splitter is quadratic again).
TEST(EventXmlStream, AnEventFollowedByMillionsOfLessThanSignsIsSplitInLinearTime) {
  const std::string text = "<Event>" + std::string(4 << 20, '<');
  auto parse = parse_event_xml_stream(text, SourceKind::EventXml, "x.xml");
  EXPECT_TRUE(parse.events.empty());
  ASSERT_EQ(parse.errors.size(), 1u);
  EXPECT_EQ(parse.errors[0].reason, "<Event> is not closed: the file ends first (truncated?)");
}

// --- one event ------------------------------------------------------------------------------

TEST(EventXml, ASingleEventWithTheCallersLocator) {
  auto parsed = parse_event_xml(wevtutil_event(kTransportProvider, "<EventRecordID>42</EventRecordID>" + std::string(kSystemTail),
                                               std::string(kPayload)),
                                SourceKind::EventLog, "Application", "record 42");
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed.value().source_kind, SourceKind::EventLog);
  EXPECT_EQ(parsed.value().location, "Application");
  EXPECT_EQ(parsed.value().locator, "record 42");
  EXPECT_EQ(parsed.value().key, "evt:ex2.contoso.com|Application|42");
}

TEST(EventXml, WithoutARecordIdTheContentMakesTheKey) {
  auto parsed = parse_event_xml(wevtutil_event(kTransportProvider, kSystemTail, kPayload), SourceKind::EventXml, "x.xml",
                                "event 1 (line 1)");
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed.value().record_id, 0u);
  // Values in field-name order: "1".."4", then "Qualifiers".
  std::string values = std::string("IllegalMessage\x1f") + "Default EX2\x1f" + "ExchangeAuth\x1f" + "10.0.0.1\x1f" + "32772";
  EXPECT_EQ(parsed.value().key, "evt:ex2.contoso.com|Application|MSExchangeTransport|1035|2024-05-06T08:15:02.123Z|" +
                                    hex64(fnv1a64(values)));

  std::string other_peer(kPayload);
  other_peer.replace(other_peer.find("10.0.0.1"), 8, "10.0.0.9");
  auto other = parse_event_xml(wevtutil_event(kTransportProvider, kSystemTail, other_peer), SourceKind::EventXml, "x.xml", "e");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other.value().key, parsed.value().key);
}

TEST(EventXml, ProviderFallsBackToEventSourceName) {
  auto parsed = parse_event_xml(wevtutil_event("<Provider EventSourceName='MSExchangeTransport'/>", kSystemTail, kPayload),
                                SourceKind::EventXml, "x.xml", "e");
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed.value().provider, "MSExchangeTransport");
}

TEST(EventXml, MixedNamedAndUnnamedDataCountOnlyTheUnnamed) {
  auto parsed = parse_event_xml(
      wevtutil_event(kTransportProvider, kSystemTail,
                     "<EventData><Data>first</Data><Data Name='Peer'>10.0.0.1</Data><Data>second</Data>"
                     "<Binary>0A0B</Binary></EventData>"),
      SourceKind::EventXml, "x.xml", "e");
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed.value().field("1"), "first");
  EXPECT_EQ(parsed.value().field("2"), "second");
  EXPECT_EQ(parsed.value().field("Peer"), "10.0.0.1");
  EXPECT_EQ(parsed.value().field("Binary"), "0A0B");
  EXPECT_EQ(parsed.value().fields.count("3"), 0u);
}

TEST(EventXml, UserDataLeavesBecomeFields) {
  auto parsed = parse_event_xml(
      wevtutil_event(kTransportProvider, kSystemTail,
                     "<UserData><AutoBackup xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'>"
                     "<Channel>Security</Channel><Info><BackupPath>C:\\Archive.evtx</BackupPath></Info></AutoBackup></UserData>"),
      SourceKind::EventXml, "x.xml", "e");
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed.value().field("Channel"), "Security");
  EXPECT_EQ(parsed.value().field("BackupPath"), "C:\\Archive.evtx");
  EXPECT_EQ(parsed.value().fields.count("AutoBackup"), 0u) << "only leaves are values";
}

TEST(EventXml, NineFractionalDigits) {
  std::string tail(kSystemTail);
  tail.replace(tail.find("08:15:02.1234567Z"), 17, "08:15:02.987654321Z");
  auto parsed = parse_event_xml(wevtutil_event(kTransportProvider, tail, kPayload), SourceKind::EventXml, "x.xml", "e");
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed.value().time, utc(2024, 5, 6, 8, 15, 2, 987654));
}

TEST(EventXml, MissingPartsAreNamed) {
  auto error_of = [](const std::string& xml) {
    auto parsed = parse_event_xml(xml, SourceKind::EventXml, "x.xml", "event 4 (line 9)");
    return parsed.ok() ? std::string("parsed") : parsed.error();
  };
  EXPECT_EQ(error_of(wevtutil_event("", kSystemTail, kPayload)), "x.xml: event 4 (line 9): no <Provider>");
  EXPECT_EQ(error_of(wevtutil_event("<Provider Guid='{0}'/>", kSystemTail, kPayload)),
            "x.xml: event 4 (line 9): <Provider> has neither Name nor EventSourceName");
  std::string no_id = wevtutil_event(kTransportProvider, kSystemTail, kPayload);
  no_id.erase(no_id.find("<EventID"), no_id.find("</EventID>") + 10 - no_id.find("<EventID"));
  EXPECT_EQ(error_of(no_id), "x.xml: event 4 (line 9): no <EventID>");
  std::string bad_time(kSystemTail);
  bad_time.replace(bad_time.find("2024-05-06T08:15:02.1234567Z"), 28, "06/05/2024 08:15");
  EXPECT_EQ(error_of(wevtutil_event(kTransportProvider, bad_time, kPayload)),
            "x.xml: event 4 (line 9): SystemTime '06/05/2024 08:15' is not an ISO 8601 time");
  EXPECT_EQ(error_of("<Events/>"), "x.xml: event 4 (line 9): not an <Event> element (the root is <Events>)");
  EXPECT_THAT(error_of("<Event><System>"), HasSubstr("x.xml: event 4 (line 9): malformed XML: "));
}

// --- the file source ------------------------------------------------------------------------

TEST(EventXmlFile, ReadsAWholeExportAndNotAgainUntilItChanges) {
  TempDir dir;
  auto path = dir.write("ex2.xml", read_bytes(kWevtutil));
  auto source = make_file_source(path, detect_file_format(path));
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->format(), FileFormat::EventXml);
  std::vector<TransportEvent> events;
  std::vector<ReadError> errors;
  auto on_event = [&](TransportEvent&& e) { events.push_back(std::move(e)); };
  auto on_error = [&](ReadError&& e) { errors.push_back(std::move(e)); };

  auto first = source->read({}, on_event, on_error);
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_EQ(events.size(), 7u);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(events[0].location, path);
  EXPECT_EQ(first.value().records_read, 7u);
  EXPECT_EQ(first.value().bad_records, 0u);
  EXPECT_FALSE(first.value().resumed);
  EXPECT_THAT(first.value().position.identity, StartsWith("sha:"));
  EXPECT_EQ(first.value().position.offset, read_bytes(kWevtutil).size());
  EXPECT_EQ(first.value().position.record, 7u);

  events.clear();
  auto again = source->read(first.value().position, on_event, on_error);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(again.value().records_read, 0u);
  EXPECT_TRUE(again.value().resumed);
  EXPECT_EQ(again.value().position, first.value().position);

  // A new export of the same log overwrites the file: read whole again (storage dedups by key).
  authwatch::testing::append_bytes(path, read_bytes(kGetWinEvent));
  auto changed = source->read(first.value().position, on_event, on_error);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(changed.value().resumed);
  EXPECT_EQ(events.size(), 9u);
  EXPECT_NE(changed.value().position.identity, first.value().position.identity);
}

TEST(EventXmlFile, DamagedEventsAreCountedAndNamed) {
  TempDir dir;
  std::string text = read_bytes(kGetWinEvent);
  auto path = dir.write("cut.xml", text.substr(0, text.size() - 200));
  std::vector<TransportEvent> events;
  std::vector<ReadError> errors;
  auto summary = make_event_xml_file(path)->read(
      {}, [&](TransportEvent&& e) { events.push_back(std::move(e)); }, [&](ReadError&& e) { errors.push_back(std::move(e)); });
  ASSERT_TRUE(summary.ok());
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].location, path);
  EXPECT_EQ(errors[0].locator, "event 2 (line 3)");
  EXPECT_EQ(summary.value().records_read, 2u);
  EXPECT_EQ(summary.value().bad_records, 1u);
}

TEST(EventXmlFile, Utf16ExportFromWindowsPowerShell) {
  TempDir dir;
  std::string utf16 = "\xFF\xFE";
  for (char c : read_bytes(kGetWinEvent)) {
    utf16.push_back(c);
    utf16.push_back('\0');
  }
  auto path = dir.write("ps51.xml", utf16);
  EXPECT_EQ(detect_file_format(path), FileFormat::EventXml);
  std::vector<TransportEvent> events;
  auto summary = make_event_xml_file(path)->read(
      {}, [&](TransportEvent&& e) { events.push_back(std::move(e)); }, [](ReadError&&) { FAIL(); });
  ASSERT_TRUE(summary.ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].key, "evt:ex2.contoso.com|Application|51001");
  EXPECT_THAT(events[1].text, StartsWith("Inbound authentication failed with error IllegalMessage"));
}

TEST(EventXmlFile, AMissingFileIsAnErrorNamingIt) {
  TempDir dir;
  auto path = dir.file("gone.xml");
  auto summary = make_event_xml_file(path)->read({}, [](TransportEvent&&) {}, [](ReadError&&) {});
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error(), path + ": cannot open: No such file or directory");
}

}  // namespace
}  // namespace authwatch::sources

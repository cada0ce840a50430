// The native .evtx reader on hand-made bytes (tests/sources/evtx_builder.hpp), one case per
// test: every value type as Windows writes it, templates and their cache, optional Nulls, arrays,
// nested BinXml values, a value token inside an attribute, and each kind of damage or hostile
// structure as a named problem with the rest of the file still read. Portable: runs wherever
// the reader builds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>

#include "sources/evtx/evtx_reader.hpp"
#include "sources/evtx/value_text.hpp"
#include "tests/sources/evtx_builder.hpp"
#include "tests/sources/test_inputs.hpp"

namespace authwatch::sources::evtx {
namespace {

using namespace authwatch::testing::evtx_builder;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::string text_of(uint8_t type, const Buffer& bytes) {
  std::string out;
  append_value_text(type, Bytes(bytes.data(), bytes.size()), out);
  return out;
}

Buffer hex(std::string_view digits) {
  Buffer out;
  for (size_t i = 0; i + 1 < digits.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(std::string(digits.substr(i, 2)), nullptr, 16)));
  return out;
}

struct Reading {
  std::vector<TransportEvent> events;
  std::vector<ReadError> problems;
  ReaderStats stats;
  std::string failure;
  std::vector<std::string> problem_texts() const {
    std::vector<std::string> out;
    for (const auto& p : problems) out.push_back(p.locator + ": " + p.reason);
    return out;
  }
};

Reading read(const Buffer& file, ReaderOptions options = {}) {
  if (options.location.empty()) options.location = "test.evtx";
  Reading out;
  auto result = read_evtx(Bytes(file.data(), file.size()), options, [&](TransportEvent&& e) { out.events.push_back(std::move(e)); },
                          [&](ReadError&& e) { out.problems.push_back(std::move(e)); });
  if (result) out.stats = result.value();
  else out.failure = result.error();
  return out;
}

Item data(uint16_t index, uint8_t type = 0x01, bool optional = false) { return Node{"Data", {}, {Part{Sub{index, type, optional}}}}; }
Item named_data(const std::string& name, uint16_t index, uint8_t type = 0x01) {
  return Node{"Data", {Attr{"Name", {Text{name}}}}, {Part{Sub{index, type}}}};
}

// --- value types ------------------------------------------------------------------------------

TEST(EvtxValueText, StringsEndAtTheirTerminatorAndBadSurrogatesAreReplaced) {
  EXPECT_EQ(text_of(0x01, string_value(u"Default EX2").bytes), "Default EX2");
  EXPECT_EQ(text_of(0x01, string_value(u"caf\u00e9 \u20ac \U0001F600", false).bytes), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  // An unpaired high surrogate, then a CJK character: only the surrogate is replaced.
  EXPECT_EQ(text_of(0x01, hex("40d91f5a5201")), "\xef\xbf\xbd\xe5\xa8\x9f\xc5\x92");
  EXPECT_EQ(text_of(0x02, {'c', 'a', 'f', 0xe9, ' ', 0x80, 0, 'x'}), "caf\xc3\xa9 \xe2\x82\xac") << "Windows-1252, up to the NUL";
}

TEST(EvtxValueText, NumbersAsWindowsWritesThem) {
  EXPECT_EQ(text_of(0x03, {0xff}), "-1");
  EXPECT_EQ(text_of(0x04, {0xff}), "255");
  EXPECT_EQ(text_of(0x05, hex("feff")), "-2");
  EXPECT_EQ(text_of(0x06, hex("ffff")), "65535");
  EXPECT_EQ(text_of(0x07, hex("5f800480")), "-2147188641") << "libevtx 20181227 writes -295007";
  EXPECT_EQ(text_of(0x08, hex("b0040000")), "1200");
  EXPECT_EQ(text_of(0x09, hex("0000000000000080")), "-9223372036854775808");
  EXPECT_EQ(text_of(0x0a, hex("ffffffffffffffff")), "18446744073709551615");
  EXPECT_EQ(text_of(0x0b, hex("0000c03f")), "1.5");
  EXPECT_EQ(text_of(0x0c, hex("9a9999999999b93f")), "0.1");
  EXPECT_EQ(text_of(0x14, hex("19000000")), "0x19") << "Kerberos ErrorCode: the detector's chatter list says 0x19";
  EXPECT_EQ(text_of(0x15, hex("0000000000002080")), "0x8020000000000000");
  EXPECT_EQ(text_of(0x15, hex("e703000000000000")), "0x3e7");
  EXPECT_EQ(text_of(0x10, hex("04000000")), "0x4") << "size_t is written in hex";
  EXPECT_EQ(text_of(0x10, hex("0400000000000000")), "0x4");
}

TEST(EvtxValueText, OtherTypes) {
  EXPECT_EQ(text_of(0x0d, hex("00000000")), "false");
  EXPECT_EQ(text_of(0x0d, hex("01000000")), "true");
  EXPECT_EQ(text_of(0x0d, hex("02000000")), "true") << "MS-EVEN6 says 0 or 1; any other value is shown as true";
  EXPECT_EQ(text_of(0x0e, hex("0a1bff")), "0A1BFF");
  EXPECT_EQ(text_of(0x0f, hex("f4510f6588d3000052520f6588d3d101")), "{650F51F4-D388-0000-5252-0F6588D3D101}");
  EXPECT_EQ(text_of(0x11, filetime_value(kTicks20240315T100420).bytes), "2024-03-15T10:04:20.1234567Z");
  EXPECT_EQ(text_of(0x11, hex("0000000000000000")), "1601-01-01T00:00:00.0000000Z");
  EXPECT_EQ(text_of(0x12, hex("e3070300050008001700050005000000")), "2019-03-08T23:05:05.000Z");
  EXPECT_EQ(text_of(0x13, hex("010100000000000512000000")), "S-1-5-18");
  EXPECT_EQ(text_of(0x13, hex("010500000000000515000000b33e58d5d5ddde7c26e65934e8030000")),
            "S-1-5-21-3579330227-2094980565-878306854-1000");
  EXPECT_EQ(text_of(0x13, hex("0101010000000005" "12000000")), "S-1-0x010000000005-18") << "an authority of 2^32 and more";
  EXPECT_EQ(text_of(0x00, {}), "");
  EXPECT_EQ(text_of(0x21, hex("0f010100")), "") << "BinXml has elements, not text";
}

TEST(EvtxValueText, ASizeThatDoesNotFitItsTypeIsShownAsBytes) {
  EXPECT_EQ(text_of(0x08, hex("010203")), "010203");
  EXPECT_EQ(text_of(0x0f, hex("0102")), "0102");
  EXPECT_EQ(text_of(0x13, hex("0105000000000005")), "0105000000000005") << "five sub-authorities announced, none there";
  EXPECT_EQ(text_of(0x42, hex("abcd")), "ABCD") << "an unknown type";
}

TEST(EvtxValueText, ArraysAreJoinedOrSplitIntoItems) {
  const Buffer strings = string_value(std::u16string(u"a\0\0b", 4), true).bytes;  // "a", "", "b"
  EXPECT_EQ(text_of(0x81, strings), "a,,b");
  EXPECT_EQ(array_item_count(0x81, Bytes(strings.data(), strings.size())), 3u);
  std::string item;
  append_array_item(0x81, Bytes(strings.data(), strings.size()), 2, item);
  EXPECT_EQ(item, "b");
  EXPECT_EQ(text_of(0x86, hex("010002000300")), "1,2,3");
  EXPECT_EQ(text_of(0x94, hex("0100000002000000")), "0x1,0x2");
  EXPECT_EQ(text_of(0x93, hex("010100000000000512000000010100000000000513000000")), "S-1-5-18,S-1-5-19");
  EXPECT_EQ(array_item_count(0x81, {}), 0u);
}

TEST(EvtxValueText, NumbersAndTimesStraightFromValues) {
  const Buffer id = u16_value(1035).bytes;
  EXPECT_EQ(value_as_unsigned(0x06, Bytes(id.data(), id.size())), 1035u);
  EXPECT_EQ(value_as_unsigned(0x03, Bytes(hex("ff").data(), 1)), std::nullopt) << "negative";
  EXPECT_EQ(value_as_unsigned(0x01, Bytes(id.data(), id.size())), std::nullopt);
  const Buffer ft = filetime_value(kTicks20240315T100420).bytes;
  EXPECT_EQ(value_as_time(0x11, Bytes(ft.data(), ft.size())), utc(2024, 3, 15, 10, 4, 20, 123456));
}

// --- records ----------------------------------------------------------------------------------

const Node kClassic = event_template({data(8), data(9), data(10), data(11)});

// An event whose UserData is value 8 (BinXml): walking UserData expands it.
Node user_data_template() {
  Node e = event_template({});
  e.content.pop_back();
  e.content.push_back(Node{"UserData", {}, {Part{Sub{8, 0x21}}}});
  return e;
}

TEST(EvtxRecords, AClassicEventFromATemplateAndItsCachedUse) {
  Chunk chunk;
  chunk.event(41, "classic", kClassic,
              [] {
                auto v = system_values("MSExchangeTransport", 1035, 10489441, "EX2.contoso.com", "Application", u16_value(32772));
                for (auto s : {"IllegalMessage", "Default EX2", "ExchangeAuth", "10.0.0.1"}) v.push_back(string_value(s));
                return v;
              }());
  chunk.event(42, "classic", kClassic,  // the template by offset now
              [] {
                auto v = system_values("MSExchangeFrontEndTransport", 1035, 10489442, "EX2.contoso.com", "Application", u16_value(32772));
                for (auto s : {"LogonDenied", "Client Frontend EX2", "Login", "192.0.2.44"}) v.push_back(string_value(s));
                return v;
              }());
  auto reading = read(file_of({chunk.finish()}));
  ASSERT_EQ(reading.failure, "");
  EXPECT_TRUE(reading.problems.empty()) << ::testing::PrintToString(reading.problem_texts());
  ASSERT_EQ(reading.events.size(), 2u);
  const auto& e = reading.events[0];
  EXPECT_EQ(e.source_kind, SourceKind::Evtx);
  EXPECT_EQ(e.location, "test.evtx");
  EXPECT_EQ(e.locator, "record 41");
  EXPECT_EQ(e.provider, "MSExchangeTransport");
  EXPECT_EQ(e.event_id, 1035u);
  EXPECT_EQ(e.level, 3);
  EXPECT_EQ(e.channel, "Application");
  EXPECT_EQ(e.computer, "EX2.contoso.com");
  EXPECT_EQ(e.record_id, 10489441u);
  EXPECT_EQ(e.time, utc(2024, 3, 15, 10, 4, 20, 123456));
  EXPECT_EQ(e.key, "evt:ex2.contoso.com|Application|10489441");
  EXPECT_THAT(e.fields, UnorderedElementsAre(Pair("1", "IllegalMessage"), Pair("2", "Default EX2"), Pair("3", "ExchangeAuth"),
                                             Pair("4", "10.0.0.1"), Pair("Qualifiers", "32772")));
  EXPECT_EQ(reading.events[1].provider, "MSExchangeFrontEndTransport");
  EXPECT_EQ(reading.events[1].field("4"), "192.0.2.44");
  EXPECT_EQ(reading.stats.records, 2u);
  EXPECT_EQ(reading.stats.delivered, 2u);
  EXPECT_EQ(reading.stats.highest_number, 42u);
}

TEST(EvtxRecords, OptionalNullsAreLeftOutAsWindowsLeavesThemOut) {
  // Qualifiers: an optional Null -> no attribute. Data 8: an optional Null -> no element, so the
  // next unnamed <Data> is "1". Data 10: a plain substitution of a Null -> an empty element.
  Chunk chunk;
  chunk.event(1, "t", event_template({data(8, 0x01, true), data(9), data(10)}), [] {
    auto v = system_values("Kerberos", 3, 7);
    v.push_back(null_value());
    v.push_back(string_value("second"));
    v.push_back(null_value());
    return v;
  }());
  auto reading = read(file_of({chunk.finish()}));
  ASSERT_EQ(reading.events.size(), 1u) << ::testing::PrintToString(reading.problem_texts());
  EXPECT_THAT(reading.events[0].fields, UnorderedElementsAre(Pair("1", "second"), Pair("2", "")));
}

TEST(EvtxRecords, NamedDataBinaryAndTheFirstOfADuplicateName) {
  Chunk chunk;
  chunk.event(1, "t",
              event_template({named_data("param1", 8), named_data("param2", 9), named_data("param1", 10),
                              Node{"Binary", {}, {Part{Sub{11, 0x0e}}}}}),
              [] {
                auto v = system_values("Service Control Manager", 7036, 12050, "WKS", "System", u16_value(16384));
                v.push_back(string_value("Windows Modules Installer"));
                v.push_back(string_value("stopped"));
                v.push_back(string_value("ignored"));
                v.push_back(typed(0x0e, hex("5400720075007300")));
                return v;
              }());
  auto reading = read(file_of({chunk.finish()}));
  ASSERT_EQ(reading.events.size(), 1u);
  EXPECT_THAT(reading.events[0].fields,
              UnorderedElementsAre(Pair("param1", "Windows Modules Installer"), Pair("param2", "stopped"),
                                   Pair("Binary", "5400720075007300"), Pair("Qualifiers", "16384")));
}

TEST(EvtxRecords, AnArraySubstitutionRepeatsItsElement) {
  Chunk chunk;
  chunk.event(1, "t", event_template({data(8), data(9)}), [] {
    auto v = system_values("EventLog", 6009, 1);
    v.push_back(typed(0x81, string_value(std::u16string(u"10.00.\0\0Multiprocessor Free", 27)).bytes));  // "10.00.", "", "Multiprocessor Free"
    v.push_back(string_value("after"));
    return v;
  }());
  auto reading = read(file_of({chunk.finish()}));
  ASSERT_EQ(reading.events.size(), 1u);
  EXPECT_THAT(reading.events[0].fields, UnorderedElementsAre(Pair("1", "10.00."), Pair("2", ""), Pair("3", "Multiprocessor Free"),
                                                             Pair("4", "after")));
}

TEST(EvtxRecords, CharacterAndEntityReferencesWhiteSpaceAndLineEnds) {
  Node body = event_template({Node{"Data", {}, {Part{Text{"a"}}, Part{CharRef{0x263A}}, Part{EntityRef{"amp"}}, Part{EntityRef{"lt"}}}},
                              Node{"Data", {}, {Part{Text{"  \r\n "}}}}, data(8)});
  Chunk chunk;
  chunk.event(1, "t", body, [] {
    auto v = system_values("P", 1, 1);
    v.push_back(string_value("line 1\r\nline 2\rline 3"));
    return v;
  }());
  auto reading = read(file_of({chunk.finish()}));
  ASSERT_EQ(reading.events.size(), 1u);
  EXPECT_THAT(reading.events[0].fields,
              UnorderedElementsAre(Pair("1", "a\xe2\x98\xba&<"), Pair("2", ""), Pair("3", "line 1\nline 2\nline 3")))
      << "as an XML parser gives the text: white space alone is no text, line ends become \\n";
}

TEST(EvtxRecords, UserDataFromANestedBinXmlValue) {
  const Node outer = user_data_template();
  const Node backup{"AutoBackup",
                    {Attr{"xmlns", {Text{"http://manifests.microsoft.com/win/2004/08/windows/eventlog"}}}},
                    {Node{"Channel", {}, {Part{Sub{0, 0x01}}}}, Node{"BackupPath", {}, {Part{Sub{1, 0x01}}}}}};
  Chunk chunk;
  chunk.event(1, "outer", outer, [] {
    auto v = system_values("Microsoft-Windows-Eventlog", 105, 12049, "WKS", "System");
    v.push_back(null_value());
    return v;
  }());  // defines the outer template, so the next record refers to it by offset
  chunk.record(2, [&](size_t base) {
    return chunk.instance_with(base, "outer", outer, 9, [&](size_t values_at) {
      auto v = system_values("Microsoft-Windows-Eventlog", 105, 12050, "WKS", "System");
      size_t nested_at = values_at;
      for (const auto& value : v) nested_at += value.bytes.size();
      v.push_back(typed(0x21, chunk.instance(nested_at, "backup", backup,
                                             {string_value("System"), string_value("C:\\Archive-System.evtx")})));
      return v;
    });
  });
  auto reading = read(file_of({chunk.finish()}));
  ASSERT_EQ(reading.events.size(), 2u) << ::testing::PrintToString(reading.problem_texts());
  EXPECT_TRUE(reading.events[0].fields.empty()) << "a Null value in place of UserData's content";
  EXPECT_THAT(reading.events[1].fields, UnorderedElementsAre(Pair("Channel", "System"), Pair("BackupPath", "C:\\Archive-System.evtx")));
}

TEST(EvtxRecords, AValueTokenInsideAnAttributeOfARecordsOwnElements) {
  // Forwarded (WEC) events carry their XML without a template: value tokens (0x05) everywhere,
  // attributes included — what libevtx 20181227 rejects ("unsupported type: 0x05").
  const Node event{"Event",
                   {Attr{"xmlns", {Text{"http://schemas.microsoft.com/win/2004/08/events/event"}}}},
                   {Node{"System",
                         {},
                         {Node{"Provider", {Attr{"Name", {Text{"MSExchange CmdletLogs"}}}}, {}},
                          Node{"EventID", {Attr{"Qualifiers", {Text{"16384"}}}}, {Part{Text{"1"}}}},
                          Node{"Level", {}, {Part{Text{"4"}}}},
                          Node{"TimeCreated", {Attr{"SystemTime", {Text{"2021-11-19T16:52:33.833733500Z"}}}}, {}},
                          Node{"EventRecordID", {}, {Part{Text{"3229"}}}},
                          Node{"Channel", {}, {Part{Text{"MSExchange Management"}}}},
                          Node{"Computer", {}, {Part{Text{"WEC.ave.local"}}}}}},
                    Node{"EventData", {}, {Node{"Data", {}, {Part{Text{"Set-Mailbox"}}}}}},
                    Node{"RenderingInfo", {Attr{"Culture", {Text{"en-US"}}}}, {Node{"Message", {}, {Part{Text{"Cmdlet succeeded."}}}}}}}};
  Chunk chunk;
  chunk.record(1, [&](size_t base) { return chunk.raw(base, event); });
  auto reading = read(file_of({chunk.finish()}));
  ASSERT_EQ(reading.events.size(), 1u) << ::testing::PrintToString(reading.problem_texts());
  const auto& e = reading.events[0];
  EXPECT_EQ(e.provider, "MSExchange CmdletLogs");
  EXPECT_EQ(e.event_id, 1u);
  EXPECT_EQ(e.record_id, 3229u);
  EXPECT_EQ(e.time, utc(2021, 11, 19, 16, 52, 33, 833733));
  EXPECT_EQ(e.text, "Cmdlet succeeded.");
  EXPECT_THAT(e.fields, UnorderedElementsAre(Pair("1", "Set-Mailbox"), Pair("Qualifiers", "16384"), Pair("Message", "Cmdlet succeeded.")));
}

// --- hostile structure: each a named record problem, the next record still read ----------------

const Node kSmall = event_template({data(8)});

std::vector<ValueBytes> small_values(uint64_t record_id) {
  auto v = system_values("P", 1, record_id);
  v.push_back(string_value("x"));
  return v;
}

// A chunk with a first good record, the record `make` writes as number 2, and a good record 3.
template <class Make>
Reading around(Make&& make) {
  Chunk chunk;
  chunk.event(1, "small", kSmall, small_values(1));
  chunk.record(2, [&](size_t base) { return make(chunk, base); });
  chunk.event(3, "small", kSmall, small_values(3));
  return read(file_of({chunk.finish()}));
}

void expect_only_record_2_bad(const Reading& reading, const std::string& reason) {
  ASSERT_EQ(reading.events.size(), 2u) << ::testing::PrintToString(reading.problem_texts());
  EXPECT_EQ(reading.events[0].record_id, 1u);
  EXPECT_EQ(reading.events[1].record_id, 3u);
  ASSERT_EQ(reading.problems.size(), 1u) << ::testing::PrintToString(reading.problem_texts());
  EXPECT_EQ(reading.problems[0].location, "test.evtx");
  EXPECT_EQ(reading.problems[0].locator, "record 2");
  EXPECT_THAT(reading.problems[0].reason, HasSubstr(reason));
  EXPECT_EQ(reading.stats.records, 3u);
  EXPECT_EQ(reading.stats.bad_records, 1u);
}

TEST(EvtxHostile, ATemplateUsedInsideItsOwnValuesIsALoop) {
  const Node looping = user_data_template();
  Chunk chunk;
  chunk.event(1, "loop", looping, [] {
    auto v = system_values("P", 1, 1);
    v.push_back(null_value());
    return v;
  }());
  chunk.record(2, [&](size_t base) {
    return chunk.instance_with(base, "loop", looping, 9, [&](size_t values_at) {
      auto v = system_values("P", 1, 2);
      size_t nested_at = values_at;
      for (const auto& value : v) nested_at += value.bytes.size();
      std::vector<ValueBytes> inner = system_values("P", 1, 2);
      inner.push_back(null_value());
      v.push_back(typed(0x21, chunk.instance(nested_at, "loop", looping, inner)));
      return v;
    });
  });
  chunk.event(3, "small", kSmall, small_values(3));
  auto reading = read(file_of({chunk.finish()}));
  ASSERT_EQ(reading.events.size(), 2u) << ::testing::PrintToString(reading.problem_texts());
  ASSERT_EQ(reading.problems.size(), 1u);
  EXPECT_EQ(reading.problems[0].locator, "record 2");
  EXPECT_THAT(reading.problems[0].reason, HasSubstr("is used inside its own substitution values (a loop)"));
}

TEST(EvtxHostile, BinXmlValuesNestedBeyondTheLimit) {
  // <N0>%0</N0>, %0 = an instance of <N1>%0</N1>, ... ten levels, each its own template.
  std::function<Buffer(Chunk&, size_t, int, bool)> nested = [&](Chunk& chunk, size_t base, int level, bool header) {
    const std::string name = "N" + std::to_string(level);
    const Node body{name, {}, {Part{Sub{0, level == 10 ? uint8_t{0x01} : uint8_t{0x21}}}}};
    if (level == 10) return chunk.instance(base, name, body, {string_value("deep")}, header);
    return chunk.instance_with(base, name, body, 1, [&](size_t values_at) {
      return std::vector<ValueBytes>{typed(0x21, nested(chunk, values_at, level + 1, true))};
    }, header);
  };
  const Node outer = user_data_template();
  auto reading = around([&](Chunk& chunk, size_t base) {
    return chunk.instance_with(base, "outer", outer, 9, [&](size_t values_at) {
      auto v = system_values("P", 1, 2);
      size_t at = values_at;
      for (const auto& value : v) at += value.bytes.size();
      v.push_back(typed(0x21, nested(chunk, at, 0, true)));
      return v;
    });
  });
  expect_only_record_2_bad(reading, "BinXml values nested more than 8 deep");
}

TEST(EvtxHostile, ElementsNestedBeyondTheLimit) {
  Node deep{"Leaf", {}, {}};
  for (int i = 0; i < 70; ++i) deep = Node{"E", {}, {deep}};
  auto reading = around([&](Chunk& chunk, size_t base) { return chunk.raw(base, deep); });
  expect_only_record_2_bad(reading, "elements nested more than 64 deep");
}

TEST(EvtxHostile, AValueReferredToOverAndOverCannotBlowUp) {
  // 400 <Data> elements all showing one 22,000-character value: 8.8 MB of text from a 51 KB record.
  std::vector<Item> many;
  for (int i = 0; i < 400; ++i) many.push_back(data(8));
  const Node body = event_template(many);
  auto reading = around([&](Chunk& chunk, size_t base) {
    auto v = system_values("P", 1, 2);
    v.push_back(string_value(std::string(22000, 'x')));
    return chunk.instance(base, "many", body, v);
  });
  expect_only_record_2_bad(reading, "expands to more than 8 MiB");
}

TEST(EvtxHostile, ASubstitutionPastTheInstancesValues) {
  auto reading = around([&](Chunk& chunk, size_t base) {
    return chunk.instance(base, "past", event_template({data(20)}), system_values("P", 1, 2));
  });
  expect_only_record_2_bad(reading, "substitution 20 refers to a value the template instance lacks (it has 8)");
}

TEST(EvtxHostile, ANameOffsetOutsideTheChunk) {
  auto reading = around([&](Chunk&, size_t) {
    Buffer b{0x0f, 0x01, 0x01, 0x00, 0x01};
    put_u32(b, 0);           // element size
    put_u32(b, 0xFFFFFF00);  // name offset
    put_u8(b, 0x03);
    put_u8(b, 0x00);
    return b;
  });
  expect_only_record_2_bad(reading, "a name at chunk byte 4294967040 lies outside the chunk");
}

TEST(EvtxHostile, ATemplateOffsetOutsideTheChunk) {
  auto reading = around([&](Chunk&, size_t) {
    Buffer b{0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01};
    put_u32(b, 1);
    put_u32(b, 70000);
    put_u32(b, 0);
    return b;
  });
  expect_only_record_2_bad(reading, "template at chunk byte 70000: its header runs past the chunk end");
}

TEST(EvtxHostile, ValuesThatRunPastTheRecord) {
  auto reading = around([&](Chunk& chunk, size_t base) {
    Buffer b = chunk.instance(base, "small", kSmall, small_values(2));
    // The last value's descriptor claims 5000 bytes.
    size_t values_bytes = 0;
    for (const auto& v : small_values(2)) values_bytes += v.bytes.size();
    const size_t last_descriptor = b.size() - values_bytes - 4;
    b[last_descriptor] = 0x88;
    b[last_descriptor + 1] = 0x13;
    return b;
  });
  expect_only_record_2_bad(reading, "substitution value 8 (String, 5000 bytes) runs past the record's end");
}

TEST(EvtxHostile, ATemplateThatIsNoTemplate) {
  auto reading = around([&](Chunk&, size_t) {
    Buffer b{0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01};
    put_u32(b, 1);
    put_u32(b, 600);  // inside the first record's values: garbage as a template
    put_u32(b, 0);
    return b;
  });
  ASSERT_EQ(reading.problems.size(), 1u) << ::testing::PrintToString(reading.problem_texts());
  EXPECT_EQ(reading.problems[0].locator, "record 2");
  EXPECT_THAT(reading.problems[0].reason, HasSubstr("template at chunk byte 600: "));
  EXPECT_EQ(reading.events.size(), 2u);
}

// --- damaged chunks and records ---------------------------------------------------------------

TEST(EvtxDamage, ARecordWhoseSizeCopyDiffersIsSkippedAndTheNextOneRead) {
  Chunk chunk;
  chunk.event(1, "small", kSmall, small_values(1));
  const size_t second = chunk.pos();
  chunk.event(2, "small", kSmall, small_values(2));
  chunk.event(3, "small", kSmall, small_values(3));
  Buffer& bytes = chunk.data();
  const uint32_t size2 = load_u32(&bytes[second + 4]);
  set_u32(bytes, second + size2 - 4, 7);  // the copy of the size
  auto reading = read(file_of({chunk.finish()}));
  ASSERT_EQ(reading.events.size(), 2u);
  EXPECT_EQ(reading.events[1].record_id, 3u);
  ASSERT_EQ(reading.problems.size(), 1u) << ::testing::PrintToString(reading.problem_texts());
  EXPECT_EQ(reading.problems[0].locator, "record 2");
  EXPECT_EQ(reading.problems[0].reason, "chunk 0 (byte 4096), chunk byte " + std::to_string(second) + ": its size " +
                                            std::to_string(size2) + " and the copy at its end (7) differ; bytes " +
                                            std::to_string(second) + "-" + std::to_string(second + size2 - 1) +
                                            " skipped, reading goes on at the next record");
  EXPECT_EQ(reading.stats.bad_records, 1u);
}

TEST(EvtxDamage, BytesThatAreNoRecordAreSkippedToTheNextRecord) {
  Chunk chunk;
  chunk.event(1, "small", kSmall, small_values(1));
  const size_t junk = chunk.pos();
  for (int i = 0; i < 24; ++i) chunk.data().push_back(static_cast<uint8_t>('J'));
  chunk.event(2, "small", kSmall, small_values(2));
  auto reading = read(file_of({chunk.finish()}));
  ASSERT_EQ(reading.events.size(), 2u);
  ASSERT_EQ(reading.problems.size(), 1u);
  EXPECT_EQ(reading.problems[0].locator, "chunk 0 (byte 4096)");
  EXPECT_EQ(reading.problems[0].reason, "chunk byte " + std::to_string(junk) + ": no record starts here (\"JJJJ\"); bytes " +
                                            std::to_string(junk) + "-" + std::to_string(junk + 23) +
                                            " skipped, reading goes on at the next record");
}

TEST(EvtxDamage, ChecksumsThatDoNotMatchAreReportedAndTheDataReadAnyway) {
  Chunk chunk;
  chunk.event(1, "small", kSmall, small_values(1));
  Buffer c = chunk.finish();
  Buffer file = file_of({c});
  file[4096 + 600] ^= 0x01;  // in the first record's template: still a name/attribute byte? read anyway
  file[4096 + 60] ^= 0x01;   // unused bytes of the chunk header
  file[50] ^= 0x01;          // unused bytes of the file header
  auto reading = read(file);
  EXPECT_THAT(reading.problem_texts(),
              ::testing::Contains(::testing::StartsWith("file header: checksum ")));
  EXPECT_THAT(reading.problem_texts(),
              ::testing::Contains(::testing::StartsWith("chunk 0 (byte 4096): header checksum ")));
  EXPECT_THAT(reading.problem_texts(),
              ::testing::Contains(::testing::StartsWith("chunk 0 (byte 4096): records checksum ")));
  EXPECT_EQ(reading.stats.records, 1u) << "the record is read anyway (bad or not, it is there)";
}

TEST(EvtxDamage, NumbersNoReadableRecordCarriesAreReportedMissing) {
  Chunk chunk;
  chunk.event(1, "small", kSmall, small_values(1));
  chunk.event(2, "small", kSmall, small_values(2));
  chunk.event(5, "small", kSmall, small_values(5));
  auto reading = read(file_of({chunk.finish()}));
  EXPECT_EQ(reading.events.size(), 3u);
  EXPECT_THAT(reading.problem_texts(),
              ElementsAre("records 3-4: missing: no readable record carries these numbers (lost to the damage reported above)"));
}

TEST(EvtxDamage, ChunksWithoutSignatureInsideAndBeyondTheHeadersCount) {
  Chunk first;
  first.event(1, "small", kSmall, small_values(1));
  Chunk third;
  third.event(2, "small", kSmall, small_values(2));
  Buffer junk(65536, 'J');
  // Three chunks counted by the header: the second is junk (a loss, reported).
  auto counted = read(file_of({first.finish(), junk, third.finish()}));
  EXPECT_EQ(counted.events.size(), 2u);
  EXPECT_THAT(counted.problem_texts(),
              ElementsAre("chunk 1 (byte 69632): not a chunk: it starts with \"JJJJJJJJ\" instead of ElfChnk; its records are lost"));
  // Beyond the header's count: junk is leftover space (not reported), a chunk is read.
  Buffer file = file_of({first.finish()});
  file.insert(file.end(), junk.begin(), junk.end());
  Buffer extra = third.finish();
  file.insert(file.end(), extra.begin(), extra.end());
  auto beyond = read(file);
  EXPECT_EQ(beyond.events.size(), 2u) << "a dirty log's header can count fewer chunks than it has";
  EXPECT_TRUE(beyond.problems.empty()) << ::testing::PrintToString(beyond.problem_texts());
}

TEST(EvtxDamage, AFileCutInsideAChunkGivesTheRecordsBeforeTheCut) {
  Chunk chunk;
  chunk.event(1, "small", kSmall, small_values(1));
  const size_t second = chunk.pos();
  chunk.event(2, "small", kSmall, small_values(2));
  Buffer file = file_of({chunk.finish(), chunk.finish()});
  file.resize(4096 + second + 40);  // inside record 2 of chunk 0
  auto reading = read(file);
  ASSERT_EQ(reading.events.size(), 1u);
  EXPECT_THAT(reading.problem_texts(),
              ElementsAre("chunk 0 (byte 4096): the file ends " + std::to_string(second + 40) +
                              " bytes into this chunk: records after that are lost",
                          "record 2: chunk 0 (byte 4096), chunk byte " + std::to_string(second) + ": its size " +
                              std::to_string(load_u32(&chunk.data()[second + 4])) + " does not fit the chunk's records (they end at chunk byte " +
                              std::to_string(second + 40) + "); bytes " + std::to_string(second) + "-" +
                              std::to_string(second + 39) + " skipped (the rest of the records)",
                          "file: truncated: the header lists 2 chunks, the file holds 1"));
  EXPECT_EQ(reading.stats.bad_records, 1u);
}

TEST(EvtxDamage, WhatIsNoEvtxFileAtAll) {
  EXPECT_EQ(read(Buffer(200, 'x')).failure, "not an .evtx file (no ElfFile signature)");
  Buffer cut = file_of({});
  cut.resize(100);
  EXPECT_EQ(read(cut).failure, "cannot open as .evtx: the file header is cut short (100 of its 128 bytes)");
  EXPECT_EQ(read(file_of({})).failure, "");
}

// --- selection and resuming ---------------------------------------------------------------------

TEST(EvtxSelection, RecordsOutsideTheSelectionAreCountedNotDecoded) {
  // Record 2 is a Service Control Manager event whose EventData refers to a value it lacks: read
  // in full it is a bad record; outside the selection nothing past its id is looked at.
  Chunk chunk;
  chunk.event(1, "classic", kClassic, [] {
    auto v = system_values("MSExchangeTransport", 1035, 1);
    for (auto s : {"IllegalMessage", "Default EX2", "ExchangeAuth", "10.0.0.1"}) v.push_back(string_value(s));
    return v;
  }());
  chunk.event(2, "classic", kClassic, system_values("Service Control Manager", 7036, 2));
  chunk.event(3, "classic", kClassic, [] {
    auto v = system_values("msexchangetransport", 2003, 3);
    for (auto s : {"a", "b", "c", "d"}) v.push_back(string_value(s));
    return v;
  }());
  const Buffer file = file_of({chunk.finish()});

  EventSelection selection;
  selection.add("MSExchangeTransport", 1035);
  selection.add("MSExchangeTransport", 2003);
  ReaderOptions options;
  options.selection = &selection;
  auto selected = read(file, options);
  EXPECT_TRUE(selected.problems.empty()) << ::testing::PrintToString(selected.problem_texts());
  ASSERT_EQ(selected.events.size(), 2u);
  EXPECT_EQ(selected.events[0].record_id, 1u);
  EXPECT_EQ(selected.events[1].provider, "msexchangetransport") << "providers compare case-insensitively";
  EXPECT_EQ(selected.stats.records, 3u);
  EXPECT_EQ(selected.stats.delivered, 2u);

  auto everything = read(file);
  EXPECT_EQ(everything.events.size(), 2u);
  EXPECT_THAT(everything.problem_texts(),
              ElementsAre("record 2: substitution 8 refers to a value the template instance lacks (it has 8)"));
}

TEST(EvtxSelection, AResumedReadSkipsWhatWasReadAndDoesNotReportItAgain) {
  Chunk first;
  first.event(1, "small", kSmall, small_values(1));
  first.event(2, "small", kSmall, small_values(2));
  first.event(5, "small", kSmall, small_values(5));
  Chunk second;
  second.event(6, "small", kSmall, small_values(6));
  second.event(7, "small", kSmall, small_values(7));
  Buffer file = file_of({first.finish(), second.finish()});
  file[4096 + 60] ^= 0x01;  // chunk 0's header checksum no longer matches
  auto whole = read(file);
  EXPECT_EQ(whole.events.size(), 5u);
  EXPECT_EQ(whole.problems.size(), 2u) << "the checksum and records 3-4";

  // As if the first read had ended after chunk 0 (record 5).
  ReaderOptions resumed;
  resumed.resumed = true;
  resumed.quiet_chunks = 1;
  resumed.skip_through = 5;
  auto again = read(file, resumed);
  ASSERT_EQ(again.events.size(), 2u);
  EXPECT_EQ(again.events[0].record_id, 6u);
  EXPECT_EQ(again.stats.records, 2u);
  EXPECT_TRUE(again.problems.empty()) << ::testing::PrintToString(again.problem_texts());
  EXPECT_EQ(again.stats.highest_number, 7u);
}

}  // namespace
}  // namespace authwatch::sources::evtx

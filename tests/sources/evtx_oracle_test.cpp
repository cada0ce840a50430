// The native .evtx reader (sources/evtx) against the libevtx oracle (libevtx_oracle.hpp), record
// by record on every file in tests/data/evtx: the same records, and for each the same event —
// every field AuthWatch uses and the whole EventData/UserData map. Where the two differ on
// purpose it is written down here: the records libevtx cannot read (named, with its message),
// the records only the native reader recovers, and the value types libevtx renders otherwise
// than Windows does (the native reader writes them as Windows' EvtRender does).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <optional>
#include <set>

#include "sources/evtx/evtx_reader.hpp"
#include "tests/sources/libevtx_oracle.hpp"
#include "tests/sources/temp_dir.hpp"

namespace authwatch::sources {
namespace {

using ::testing::HasSubstr;
using authwatch::testing::read_bytes;
namespace fs = std::filesystem;

struct NativeReading {
  std::map<uint64_t, TransportEvent> events;    // by record number
  std::map<std::string, std::string> problems;  // locator -> reason
  std::string failure;
};

uint64_t number_of(const std::string& locator) {
  return locator.starts_with("record ") ? std::stoull(locator.substr(7)) : 0;
}

NativeReading read_native(const std::string& path) {
  NativeReading out;
  const std::string bytes = read_bytes(path);
  evtx::ReaderOptions options;
  options.location = path;
  auto result = evtx::read_evtx(
      evtx::Bytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), options,
      [&](TransportEvent&& e) { out.events.emplace(number_of(e.locator), std::move(e)); },
      [&](ReadError&& e) { out.problems.emplace(e.locator, e.reason); });
  if (!result) out.failure = result.error();
  return out;
}

// How libevtx 20181227 writes some values otherwise than Windows (and the native reader) does.
// Each is a narrow rule: a value that differs in any other way fails the comparison.
enum class Rendering {
  Same,
  GuidCase,            // libevtx: lower-case GUIDs; Windows: upper-case
  HexPadding,          // libevtx: HexInt32/64 padded to 8/16 digits ("0x00000000000003e7"); Windows: "0x3e7"
  SizeTDecimal,        // libevtx: size_t in decimal ("4"); Windows: hex ("0x4")
  FileTimeDigits,      // libevtx: FILETIME with 9 fractional digits; Windows: 7
  UnescapedMarkup,     // libevtx writes '<' and '&' of a value into its XML unescaped: the XML mapping then reads markup
  Int32SignMagnitude,  // libevtx: a negative Int32 as minus its low 31 bits ("-295007" for 0x8004805F)
  UnpairedSurrogate,   // libevtx drops the character after an unpaired UTF-16 surrogate; the native reader keeps it
  Different,
};

const char* name_of(Rendering r) {
  switch (r) {
    case Rendering::Same: return "same";
    case Rendering::GuidCase: return "GUID case";
    case Rendering::HexPadding: return "hex padding";
    case Rendering::SizeTDecimal: return "size_t in decimal";
    case Rendering::FileTimeDigits: return "FILETIME digits";
    case Rendering::UnescapedMarkup: return "unescaped markup";
    case Rendering::Int32SignMagnitude: return "negative Int32";
    case Rendering::UnpairedSurrogate: return "unpaired surrogate";
    case Rendering::Different: break;
  }
  return "different";
}

Rendering compare_values(const std::string& native, const std::string& libevtx) {
  if (native == libevtx) return Rendering::Same;
  static const std::regex guid(R"(\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})");
  if (std::regex_match(native, guid) && std::regex_match(libevtx, guid)) {
    std::string a = native, b = libevtx;
    for (auto& c : a) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (auto& c : b) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return a == b ? Rendering::GuidCase : Rendering::Different;
  }
  static const std::regex unpadded_hex("0x([0-9a-f]{1,16})");
  static const std::regex padded_hex("0x([0-9a-f]{8}|[0-9a-f]{16})");
  static const std::regex decimal("[0-9]{1,20}");
  std::smatch n, l;
  if (std::regex_match(native, n, unpadded_hex)) {
    const uint64_t value = std::stoull(n[1].str(), nullptr, 16);
    if (std::regex_match(libevtx, l, padded_hex) && std::stoull(l[1].str(), nullptr, 16) == value) return Rendering::HexPadding;
    if (std::regex_match(libevtx, decimal) && std::stoull(libevtx) == value) return Rendering::SizeTDecimal;
  }
  static const std::regex filetime(R"((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7})Z)");
  if (std::regex_match(native, n, filetime) && libevtx == n[1].str() + "00Z") return Rendering::FileTimeDigits;
  static const std::regex negative("-[0-9]{1,10}");
  if (std::regex_match(native, negative) && std::stoll(native) >= INT32_MIN) {
    const auto bits = static_cast<uint32_t>(static_cast<int32_t>(std::stoll(native)));
    if (libevtx == "-" + std::to_string(bits & 0x7FFFFFFF)) return Rendering::Int32SignMagnitude;
  }
  if (native.find_first_of("<&") != std::string::npos) return Rendering::UnescapedMarkup;
  static const std::string replacement = "\xEF\xBF\xBD";
  if (native.find(replacement) != std::string::npos) {
    std::string dropped;
    for (size_t i = 0; i < native.size();) {
      if (native.compare(i, replacement.size(), replacement) == 0) {
        dropped += replacement;
        i += replacement.size();
        if (i < native.size()) {  // skip the next UTF-8 character
          ++i;
          while (i < native.size() && (static_cast<unsigned char>(native[i]) & 0xC0) == 0x80) ++i;
        }
        continue;
      }
      dropped += native[i++];
    }
    if (dropped == libevtx) return Rendering::UnpairedSurrogate;
  }
  return Rendering::Different;
}

std::string describe(const TransportEvent& e) {
  return e.locator + " " + e.provider + "/" + std::to_string(e.event_id) + " #" + std::to_string(e.record_id) + " " +
         format_iso8601(e.time);
}

// Every field AuthWatch uses, and the whole field map; the differences, one line each.
std::vector<std::string> compare_events(const TransportEvent& native, const TransportEvent& oracle,
                                        std::map<Rendering, int>& renderings) {
  std::vector<std::string> out;
  auto differ = [&](const std::string& what) { out.push_back(what); };
  if (native.source_kind != oracle.source_kind) differ("source kind");
  if (native.locator != oracle.locator) differ("locator '" + native.locator + "' vs '" + oracle.locator + "'");
  if (native.provider != oracle.provider) differ("provider '" + native.provider + "' vs '" + oracle.provider + "'");
  if (native.event_id != oracle.event_id) differ("event id " + std::to_string(native.event_id) + " vs " + std::to_string(oracle.event_id));
  if (native.level != oracle.level) differ("level " + std::to_string(native.level) + " vs " + std::to_string(oracle.level));
  if (native.channel != oracle.channel) differ("channel '" + native.channel + "' vs '" + oracle.channel + "'");
  if (native.computer != oracle.computer) differ("computer '" + native.computer + "' vs '" + oracle.computer + "'");
  if (native.record_id != oracle.record_id) differ("record id " + std::to_string(native.record_id) + " vs " + std::to_string(oracle.record_id));
  if (native.time != oracle.time) differ("time " + format_iso8601(native.time) + " vs " + format_iso8601(oracle.time));
  if (native.key != oracle.key) differ("key '" + native.key + "' vs '" + oracle.key + "'");
  if (native.text != oracle.text) differ("text '" + native.text + "' vs '" + oracle.text + "'");
  for (const auto& [name, value] : oracle.fields) {
    auto it = native.fields.find(name);
    if (it == native.fields.end()) {
      differ("field " + name + " only in libevtx's ('" + value + "')");
      continue;
    }
    const Rendering r = compare_values(it->second, value);
    if (r == Rendering::Different) differ("field " + name + " '" + it->second + "' vs '" + value + "'");
    else ++renderings[r];
  }
  for (const auto& [name, value] : native.fields)
    if (!oracle.fields.count(name)) differ("field " + name + " only in the native reader's ('" + value + "')");
  return out;
}

// What differs on purpose, file by file.
struct LibevtxFailure {
  int index;                  // libevtx's listing index
  std::string message;        // a part of libevtx's message
  std::string native_record;  // the native reader's locator for the same record (it reads it)
};
struct OnlyNative {
  size_t count;
  uint64_t first, last;  // record numbers
  std::string why;
};
struct Expectation {
  std::vector<LibevtxFailure> libevtx_fails;
  std::optional<OnlyNative> only_native;
};

const std::map<std::string, Expectation>& expectations() {
  static const std::string k0x49 = "invalid binary XML sub token - unsupported type: 0x49";
  static const std::map<std::string, Expectation> table = {
      {"MSExchange_Management_wec.evtx",
       {{{0, "invalid binary XML token - unsupported type: 0x05", "record 1"}}, OnlyNative{1, 1, 1, "the record libevtx cannot decode"}}},
      {"E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx",
       {{{24, k0x49, "record 25"}, {31, k0x49, "record 32"}, {141, k0x49, "record 142"}},
        OnlyNative{3, 25, 142, "the records libevtx cannot decode (an entity reference in an attribute)"}}},
      {"plaso-System2.evtx", {{}, OnlyNative{89, 195, 283, "chunk 2, cut by the end of the file: libevtx drops it whole"}}},
      {"sample_with_a_bad_chunk_magic.evtx",
       {{}, OnlyNative{31, 47675, 47705, "chunk 7 past its torn record 47640: libevtx stops at it"}}},
      {"2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx",
       {{}, OnlyNative{21, 401576, 401596, "chunk 1 past its torn record: libevtx stops at it"}}},
      {"sample-with-zero-data-size-event.evtx",
       {{}, OnlyNative{114, 4, 117, "chunk 0 past the record of size 0: libevtx stops at it"}}},
  };
  return table;
}

std::vector<std::string> files_to_compare() {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(std::string(AUTHWATCH_TEST_DATA) + "/evtx"))
    if (entry.path().extension() == ".evtx") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

class EvtxOracle : public ::testing::TestWithParam<std::string> {};

TEST_P(EvtxOracle, TheNativeReaderReadsWhatLibevtxReadsRecordByRecord) {
  const std::string path = GetParam();
  const std::string name = fs::path(path).filename().string();
  const auto oracle = testing::read_with_libevtx(path);
  ASSERT_EQ(oracle.open_failure, "");
  const auto native = read_native(path);
  ASSERT_EQ(native.failure, "");
  const auto known = expectations().count(name) ? expectations().at(name) : Expectation{};

  std::map<Rendering, int> renderings;
  std::set<uint64_t> oracle_numbers;
  std::set<std::string> native_recovers;
  size_t compared = 0;
  for (const auto& record : oracle.records) {
    if (!record.event) {
      auto it = std::find_if(known.libevtx_fails.begin(), known.libevtx_fails.end(),
                             [&](const LibevtxFailure& f) { return f.index == record.index; });
      ASSERT_NE(it, known.libevtx_fails.end()) << name << ": libevtx fails on index " << record.index
                                               << ", which this test does not name: " << record.failure;
      EXPECT_THAT(record.failure, HasSubstr(it->message)) << name << " index " << record.index;
      native_recovers.insert(it->native_record);
      continue;
    }
    ASSERT_TRUE(record.number) << name << " index " << record.index;
    oracle_numbers.insert(*record.number);
    auto native_event = native.events.find(*record.number);
    if (native_event == native.events.end()) {
      auto problem = native.problems.find("record " + std::to_string(*record.number));
      ADD_FAILURE() << name << ": libevtx reads " << describe(*record.event) << ", the native reader does not"
                    << (problem != native.problems.end() ? ": " + problem->second : "");
      continue;
    }
    ++compared;
    for (const auto& d : compare_events(native_event->second, *record.event, renderings))
      ADD_FAILURE() << name << " record " << *record.number << ": " << d;
  }
  EXPECT_EQ(native_recovers.size(), known.libevtx_fails.size()) << name;

  std::vector<uint64_t> only_native;
  for (const auto& [number, event] : native.events) {
    if (oracle_numbers.count(number)) continue;
    if (native_recovers.count(event.locator)) continue;
    only_native.push_back(number);
  }
  for (const auto& locator : native_recovers)
    EXPECT_TRUE(native.events.count(number_of(locator))) << name << ": the native reader reads " << locator;
  const size_t recovered_by_index = native_recovers.size();
  if (known.only_native) {
    ASSERT_EQ(only_native.size() + recovered_by_index, known.only_native->count) << name << ": " << known.only_native->why;
    std::vector<uint64_t> all = only_native;
    for (const auto& locator : native_recovers) all.push_back(number_of(locator));
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all.front(), known.only_native->first) << name;
    EXPECT_EQ(all.back(), known.only_native->last) << name;
  } else {
    EXPECT_TRUE(only_native.empty()) << name << ": the native reader reads " << only_native.size()
                                     << " records libevtx does not, from " << (only_native.empty() ? 0 : only_native.front());
  }
  EXPECT_GT(compared + recovered_by_index, 0u) << name;

  std::cout << "[ oracle   ] " << name << ": " << compared << " records equal, " << recovered_by_index
            << " that libevtx cannot decode, " << only_native.size() << " it does not list; field values:";
  for (const auto& [r, n] : renderings) std::cout << " " << name_of(r) << " " << n;
  std::cout << "\n";
}

INSTANTIATE_TEST_SUITE_P(TestData, EvtxOracle, ::testing::ValuesIn(files_to_compare()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = fs::path(info.param).stem().string();
                           for (auto& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// More files to hold against the oracle, e.g. a folder of one's own logs (not part of CI):
// AUTHWATCH_EVTX_ORACLE_EXTRA=/path/to/logs ctest -R EvtxOracle. Files there carry no
// expectations: every difference is listed as a failure, to be looked at.
TEST(EvtxOracleExtra, FilesFromTheEnvironment) {
  const char* extra = std::getenv("AUTHWATCH_EVTX_ORACLE_EXTRA");
  if (!extra) GTEST_SKIP() << "AUTHWATCH_EVTX_ORACLE_EXTRA is not set";
  for (const auto& entry : fs::recursive_directory_iterator(extra)) {
    if (entry.path().extension() != ".evtx") continue;
    const std::string path = entry.path().string();
    const auto oracle = testing::read_with_libevtx(path);
    const auto native = read_native(path);
    std::map<Rendering, int> renderings;
    size_t compared = 0, libevtx_failed = 0, native_missing = 0;
    for (const auto& record : oracle.records) {
      if (!record.event || !record.number) {
        ++libevtx_failed;
        continue;
      }
      auto it = native.events.find(*record.number);
      if (it == native.events.end()) {
        ++native_missing;
        ADD_FAILURE() << path << ": libevtx reads " << describe(*record.event) << ", the native reader does not";
        continue;
      }
      ++compared;
      for (const auto& d : compare_events(it->second, *record.event, renderings)) ADD_FAILURE() << path << " record " << *record.number << ": " << d;
    }
    std::cout << "[ oracle   ] " << path << ": " << compared << " equal, libevtx failed on " << libevtx_failed
              << ", native lacks " << native_missing << ", native has " << native.events.size() << "\n";
  }
}

}  // namespace
}  // namespace authwatch::sources

// The real-world corpus (tests/data/realworld/, README.md there): published Exchange texts, each
// scanned alone into a fresh database (a folder case: its files together, one outage), must get the
// verdict docs/domain.md §10 calls for. One test per PROVENANCE.tsv row, named after the case. The expectations are the acceptance target of the
// detector: rows may fail until the detector reads them right; never edit a row to match the code.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "cli_harness.hpp"
#include "core/time.hpp"

using namespace authwatch::test;
using nlohmann::json;

namespace {

const std::filesystem::path kCorpus = std::filesystem::path(AUTHWATCH_TEST_DATA) / "realworld";
const std::vector<std::string> kColumns = {"case",           "file",           "kind",
                                           "source_url",     "exchange_version", "filled_in",
                                           "expected_class", "expected_direction", "expected_peer",
                                           "expected_status", "expected_time",  "notes"};

struct CorpusCase {
  size_t line = 0;
  std::string id, file, kind, source, klass, direction, peer, status, time;
  std::string problem;  // why the row cannot be used (reported by WellFormed), empty when it can
};

// gtest prints a failing parameter with this instead of its bytes.
void PrintTo(const CorpusCase& c, std::ostream* os) { *os << c.id << " (PROVENANCE.tsv line " << c.line << ")"; }

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, '\t')) cells.push_back(cell);
  if (!line.empty() && line.back() == '\t') cells.emplace_back();
  return cells;
}

std::vector<CorpusCase> load_corpus() {
  std::vector<CorpusCase> cases;
  std::ifstream in(kCorpus / "PROVENANCE.tsv", std::ios::binary);
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (number == 1 || line.empty()) continue;  // the header is checked by WellFormed
    auto cells = split_tabs(line);
    CorpusCase c;
    c.line = number;
    if (cells.size() != kColumns.size()) {
      c.id = "line" + std::to_string(number);
      c.problem = "has " + std::to_string(cells.size()) + " columns, expected " + std::to_string(kColumns.size());
      cases.push_back(c);
      continue;
    }
    c.id = cells[0];
    c.file = cells[1];
    c.kind = cells[2];
    c.source = cells[3];
    c.klass = cells[6];
    c.direction = cells[7];
    c.peer = cells[8];
    c.status = cells[9];
    c.time = cells[10];
    cases.push_back(c);
  }
  return cases;
}

const std::vector<CorpusCase>& corpus() {
  static const std::vector<CorpusCase> cases = load_corpus();
  return cases;
}

std::string test_name(const ::testing::TestParamInfo<CorpusCase>& info) {
  std::string name;
  for (char ch : info.param.id) name.push_back(std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
  return name.empty() ? "row" + std::to_string(info.param.line) : name;
}

bool iequal(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string text_of(const json& value) { return value.is_string() ? value.get<std::string>() : std::string(); }

// `unknown`: the signal names no server (a site name, a Frontend proxy or a masked address is no
// peer); otherwise the expected IP or FQDN is the signal's address or its name.
bool names_peer(const json& ip, const json& name, const std::string& expected) {
  if (expected == "unknown")  // a signal has no address; an incident's peer is the word "unknown"
    return (text_of(ip).empty() || iequal(text_of(ip), "unknown")) && (text_of(name).empty() || iequal(text_of(name), "unknown"));
  return iequal(text_of(ip), expected) || iequal(text_of(name), expected);
}

// Expected times are written as the source shows them (seconds or milliseconds); AuthWatch prints
// milliseconds.
std::string normalised_time(const std::string& iso) {
  auto parsed = authwatch::parse_iso8601(iso);
  return parsed ? authwatch::format_iso8601(*parsed) : "unparseable expected_time " + iso;
}

const std::set<std::string> kClasses = {"fault", "noise", "context", "none", "unreadable"};

// The scan's JSON report names a record it could not read: files[].errors[].locator "item N".
bool names_bad_item(const std::string& scan_out) {
  const json report = json::parse(scan_out, nullptr, false);
  if (!report.is_object() || !report.contains("files") || !report["files"].is_array()) return false;
  for (const auto& file : report["files"]) {
    if (!file.contains("errors") || !file["errors"].is_array()) continue;
    for (const auto& error : file["errors"])
      if (text_of(error.value("locator", json())).rfind("item ", 0) == 0) return true;
  }
  return false;
}

// The fixture and its tests share the anonymous namespace with CorpusCase: a class outside it
// with a base that names CorpusCase is what GCC reports as -Wsubobject-linkage in a unity build.
class RealWorldCorpus : public CliTest, public ::testing::WithParamInterface<CorpusCase> {};

TEST_P(RealWorldCorpus, VerdictMatchesDomainRules) {
  const CorpusCase& c = GetParam();
  ASSERT_TRUE(c.problem.empty()) << "PROVENANCE.tsv line " << c.line << ": " << c.problem;
  SCOPED_TRACE("case " + c.id + " (" + c.kind + "), file realworld/" + c.file + ", source " + c.source);

  std::string relative = c.file;  // a folder case is written "name/"
  while (!relative.empty() && relative.back() == '/') relative.pop_back();
  const auto copied = copy_data("realworld/" + relative);
  const auto scan = cli({"scan", "--format", "json", copied.string()});
  const auto history = cli({"history", "--format", "json"});
  ASSERT_EQ(history.code, 0) << history.err;
  const auto incidents_run = cli({"incidents", "--format", "json"});
  ASSERT_EQ(incidents_run.code, 0) << incidents_run.err;
  const json signals = history.json();
  const json incidents = incidents_run.json();
  const std::string seen = "signals: " + signals.dump(1) + "\nincidents: " + incidents.dump(1) + "\nscan stderr: " + scan.err;

  if (c.klass == "unreadable") {
    EXPECT_EQ(scan.code, 3) << "a record that cannot be read is reported\n" << seen;
    EXPECT_NE(scan.err.find(copied.filename().string()), std::string::npos) << "the error names the file\n" << seen;
    EXPECT_TRUE(names_bad_item(scan.out)) << "the scan report names the record (\"item N\")\nscan: " << scan.out << '\n' << seen;
    EXPECT_TRUE(signals.empty()) << "nothing is stored for a record that cannot be read\n" << seen;
    EXPECT_TRUE(incidents.empty()) << "nothing unreadable opens an incident\n" << seen;
    return;
  }
  ASSERT_EQ(scan.code, 0) << "the published text is read without error\n" << seen;

  if (c.klass == "none") {
    EXPECT_TRUE(signals.empty()) << "no signal at all may be stored\n" << seen;
    EXPECT_TRUE(incidents.empty()) << seen;
    return;
  }

  std::vector<json> of_class;
  for (const auto& s : signals)
    if (s["class"] == c.klass) of_class.push_back(s);
  ASSERT_FALSE(of_class.empty()) << "expected a " << c.klass << " signal\n" << seen;

  if (c.klass == "fault") {
    ASSERT_EQ(incidents.size(), 1u) << "one outage, one incident\n" << seen;
    EXPECT_EQ(incidents[0]["direction"], c.direction) << seen;
    EXPECT_TRUE(names_peer(incidents[0]["peer"], incidents[0]["peer_name"], c.peer))
        << "the incident's peer should be " << c.peer << "\n" << seen;
    if (std::filesystem::is_directory(copied)) {
      // One outage seen in several files: every file gives a fault, and all of them are this incident's.
      for (const auto& file : std::filesystem::directory_iterator(copied)) {
        const std::string name = file.path().filename().string();
        size_t from_file = 0;
        for (const auto& s : of_class) {
          if (text_of(s["source"]).find(name) == std::string::npos) continue;
          ++from_file;
          EXPECT_EQ(s["incident_id"], incidents[0]["id"]) << name << "'s fault belongs to the one incident\n" << seen;
        }
        EXPECT_GE(from_file, 1u) << name << " gives a fault signal\n" << seen;
      }
    }
  } else {
    for (const auto& s : signals) EXPECT_NE(s["class"], "fault") << "no fault in a " << c.klass << " case\n" << seen;
    EXPECT_TRUE(incidents.empty()) << c.klass << " opens nothing\n" << seen;
  }

  const json& first = of_class.front();  // history lists the oldest first
  EXPECT_EQ(first["direction"], c.direction) << seen;
  // In a folder case the first signal may name the server the others give the address of (a 2017's SPN).
  const bool names_incident_peer = c.klass == "fault" && std::filesystem::is_directory(copied) &&
                                   !text_of(incidents[0]["peer_name"]).empty() &&
                                   iequal(text_of(first["peer_name"]), text_of(incidents[0]["peer_name"]));
  EXPECT_TRUE(names_peer(first["peer_ip"], first["peer_name"], c.peer) || names_incident_peer)
      << "the signal's peer should be " << c.peer << "\n" << seen;
  if (c.status != "-") {
    EXPECT_EQ(text_of(first["status"]), c.status) << seen;
  }
  if (c.time != "-") {
    EXPECT_EQ(text_of(first["time"]), normalised_time(c.time)) << seen;
  }
}

INSTANTIATE_TEST_SUITE_P(PublishedTexts, RealWorldCorpus, ::testing::ValuesIn(corpus()), test_name);

// The table itself: readable rows, files that exist, verdicts that can be checked.
TEST(RealWorldCorpusTable, WellFormed) {
  std::ifstream in(kCorpus / "PROVENANCE.tsv", std::ios::binary);
  ASSERT_TRUE(in) << "missing " << (kCorpus / "PROVENANCE.tsv").string();
  std::string header;
  std::getline(in, header);
  if (!header.empty() && header.back() == '\r') header.pop_back();
  EXPECT_EQ(split_tabs(header), kColumns);

  std::set<std::string> ids;
  for (const auto& c : corpus()) {
    SCOPED_TRACE("PROVENANCE.tsv line " + std::to_string(c.line) + " (" + c.id + ")");
    EXPECT_TRUE(c.problem.empty()) << c.problem;
    if (!c.problem.empty()) continue;
    EXPECT_TRUE(ids.insert(c.id).second) << "case names are unique";
    EXPECT_TRUE(std::filesystem::exists(kCorpus / c.file)) << c.file;
    if (std::filesystem::is_directory(kCorpus / c.file)) {  // a folder case: one outage in several files
      EXPECT_GE(std::distance(std::filesystem::directory_iterator(kCorpus / c.file), std::filesystem::directory_iterator{}), 2) << c.file;
      EXPECT_EQ(c.klass, "fault") << "a folder case is one outage: " << c.file;
    }
    EXPECT_FALSE(c.source.empty() || c.source == "-") << "every case names its source";
    EXPECT_EQ(kClasses.count(c.klass), 1u) << c.klass;
    if (c.klass == "fault" || c.klass == "noise" || c.klass == "context") {
      EXPECT_TRUE(c.direction == "inbound" || c.direction == "outbound") << c.direction;
      EXPECT_NE(c.peer, "-");
      EXPECT_NE(c.time, "-");
      if (c.time != "-") {
        EXPECT_TRUE(authwatch::parse_iso8601(c.time).has_value()) << c.time;
      }
    } else {
      EXPECT_EQ(c.direction + c.peer + c.status + c.time, "----") << "none/unreadable rows assert nothing else";
    }
  }
}

// The corpus may grow, never shrink: every kind and every class covered today stays covered. (Which
// kinds have only composed cases is listed in realworld/README.md.)
TEST(RealWorldCorpusTable, EveryKindStaysCovered) {
  const std::vector<std::string> required = {
      "client-gssapi-1035",  "client-login-1035",     "server-1035",          "smarthost-2003",
      "server-2003-454",     "recv-504-client",       "recv-504-xexps",       "454-not-auth",
      "451-5.7.3-exchange-auth", "451-5.7.3-transport-cert", "451-5.7.3-other", "queue-external",
      "queue-smarthost",     "queue-dns",             "queue-site-nexthop",   "queue-frontend-proxy",
      "queue-ipv6-endpoint", "queue-culture-time",    "queue-date-ms",        "status-phrasing",
      "event-2016",          "send-log-hello",        "send-log-tls",         "trust-bad-integrity",
      "server-2017",         "event-1034",            "send-log-banner",      "one-outage",
      "queue-braces-in-reply", "recv-client-auth",    "queue-connection-failure", "queue-time-ambiguous"};
  std::multiset<std::string> kinds;
  for (const auto& c : corpus()) kinds.insert(c.kind);
  for (const auto& kind : required) EXPECT_GE(kinds.count(kind), 1u) << "no case of kind " << kind;
  EXPECT_GE(kinds.count("454-not-auth"), 4u) << "authorization, TLS rate, cipher, TLS not available";
  EXPECT_GE(corpus().size(), 40u);
  std::set<std::string> classes;
  for (const auto& c : corpus()) classes.insert(c.klass);
  for (const auto& klass : kClasses) EXPECT_EQ(classes.count(klass), 1u) << "no case of class " << klass;
  for (const auto& c : corpus()) {
    EXPECT_TRUE(std::find(required.begin(), required.end(), c.kind) != required.end())
        << c.id << ": kind " << c.kind << " is not in the list (a typo, or add it there)";
  }
}

// A kind is sourced when at least one of its cases quotes a published text (its filled_in does not
// say "composed"). The kinds that still have composed cases only are exactly the ones
// realworld/README.md names (no published instance found): a kind that gains a sourced case leaves
// this list, and one that loses its last sourced case fails here instead of silently turning into
// invented data.
TEST(RealWorldCorpusTable, ComposedOnlyKindsAreTheDocumentedOnes) {
  const std::set<std::string> composed_only_documented = {
      "smarthost-2003", "server-2003-454",          "event-2016",    "recv-504-xexps",
      "status-phrasing", "451-5.7.3-transport-cert", "event-1034",   "send-log-banner",
      "queue-braces-in-reply"};
  std::ifstream in(kCorpus / "PROVENANCE.tsv", std::ios::binary);
  std::string line;
  std::getline(in, line);  // header
  std::set<std::string> kinds, sourced;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto cells = split_tabs(line);
    if (cells.size() != kColumns.size()) continue;  // reported by WellFormed
    kinds.insert(cells[2]);
    if (cells[5].find("composed") == std::string::npos) sourced.insert(cells[2]);
  }
  std::set<std::string> composed_only;
  for (const auto& kind : kinds)
    if (sourced.count(kind) == 0) composed_only.insert(kind);
  EXPECT_EQ(composed_only, composed_only_documented);
}

}  // namespace

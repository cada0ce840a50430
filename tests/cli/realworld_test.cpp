// The real-world corpus (tests/data/realworld/, README.md there): published Exchange texts, each
// scanned alone into a fresh database, must get the verdict docs/domain.md §10 calls for. One test
// per PROVENANCE.tsv row, named after the case. The expectations are the acceptance target of the
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
  if (expected == "unknown")
    return text_of(ip).empty() && (text_of(name).empty() || iequal(text_of(name), "unknown"));
  return iequal(text_of(ip), expected) || iequal(text_of(name), expected);
}

// Expected times are written as the source shows them (seconds or milliseconds); AuthWatch prints
// milliseconds.
std::string normalised_time(const std::string& iso) {
  auto parsed = authwatch::parse_iso8601(iso);
  return parsed ? authwatch::format_iso8601(*parsed) : "unparseable expected_time " + iso;
}

const std::set<std::string> kClasses = {"fault", "noise", "context", "none", "unreadable"};

}  // namespace

class RealWorldCorpus : public CliTest, public ::testing::WithParamInterface<CorpusCase> {};

TEST_P(RealWorldCorpus, VerdictMatchesDomainRules) {
  const CorpusCase& c = GetParam();
  ASSERT_TRUE(c.problem.empty()) << "PROVENANCE.tsv line " << c.line << ": " << c.problem;
  SCOPED_TRACE("case " + c.id + " (" + c.kind + "), file realworld/" + c.file + ", source " + c.source);

  const auto copied = copy_data("realworld/" + c.file);
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
  } else {
    for (const auto& s : signals) EXPECT_NE(s["class"], "fault") << "no fault in a " << c.klass << " case\n" << seen;
    EXPECT_TRUE(incidents.empty()) << c.klass << " opens nothing\n" << seen;
  }

  const json& first = of_class.front();  // history lists the oldest first
  EXPECT_EQ(first["direction"], c.direction) << seen;
  EXPECT_TRUE(names_peer(first["peer_ip"], first["peer_name"], c.peer)) << "the signal's peer should be " << c.peer << "\n" << seen;
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

// The corpus may grow, never shrink: every kind covered today stays covered. (Kinds the brief named
// that no published text was found for yet are listed in realworld/README.md.)
TEST(RealWorldCorpusTable, EveryKindStaysCovered) {
  const std::vector<std::string> required = {
      "client-gssapi-1035",  "client-login-1035",     "server-1035",          "smarthost-2003",
      "server-2003-454",     "recv-504-client",       "recv-504-xexps",       "454-not-auth",
      "451-5.7.3-exchange-auth", "451-5.7.3-transport-cert", "451-5.7.3-other", "queue-external",
      "queue-smarthost",     "queue-dns",             "queue-site-nexthop",   "queue-frontend-proxy",
      "queue-ipv6-endpoint", "queue-culture-time",    "queue-date-ms",        "status-phrasing",
      "event-2016",          "send-log-hello",        "send-log-tls",         "trust-bad-integrity",
      "server-2017"};
  std::multiset<std::string> kinds;
  for (const auto& c : corpus()) kinds.insert(c.kind);
  for (const auto& kind : required) EXPECT_GE(kinds.count(kind), 1u) << "no case of kind " << kind;
  EXPECT_GE(kinds.count("454-not-auth"), 4u) << "authorization, TLS rate, cipher, TLS not available";
  EXPECT_GE(corpus().size(), 30u);
  for (const auto& c : corpus()) {
    EXPECT_TRUE(std::find(required.begin(), required.end(), c.kind) != required.end())
        << c.id << ": kind " << c.kind << " is not in the list (a typo, or add it there)";
  }
}

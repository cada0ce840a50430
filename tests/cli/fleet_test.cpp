// Issue 14 end to end, in-process: who saw each signal and incident, `authwatch links` over one
// database holding both servers' files and over each server's own database, and `authwatch report`.
#include <fstream>
#include <set>
#include <sstream>

#include "cli_harness.hpp"

using namespace authwatch::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// tests/data/scenario, split by the server whose files they are (the scenario's README).
const std::vector<std::string> kEx1Files = {"ex1-application-wevtutil.xml", "ex1-get-queue.json", "ex1-system-wevtutil.xml",
                                            "SEND2024031510-1.LOG"};
const std::vector<std::string> kEx2Files = {"ex2-application-wevtutil.xml", "RECV2024031510-1.LOG"};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const json* link_between(const json& links, const std::string& from, const std::string& to) {
  for (const auto& l : links)
    if (l["from"] == from && l["to"] == to) return &l;
  return nullptr;
}

}  // namespace

class Fleet : public CliTest {
 protected:
  // One server's files scanned into a database of its own.
  std::string server_db(const std::string& name, const std::vector<std::string>& files) {
    const auto folder = dir_ / name;
    fs::create_directories(folder);
    for (const auto& f : files) fs::copy_file(fs::path(AUTHWATCH_TEST_DATA) / "scenario" / f, folder / f);
    const std::string db = (dir_ / (name + ".db")).string();
    std::vector<std::string> args = {"authwatch", "--db", db, "scan", folder.string()};
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    EXPECT_EQ(authwatch::cli::run(static_cast<int>(argv.size()), argv.data(), out, err), 0) << err.str();
    return db;
  }
};

TEST_F(Fleet, EverySignalAndIncidentSaysWhoSawIt) {
  ASSERT_EQ(cli({"scan", copy_data("scenario").string()}).code, 0);
  auto incidents = cli({"incidents", "--format", "json"}).json();
  ASSERT_EQ(incidents.size(), 3u);
  for (const auto& i : incidents) {
    if (i["direction"] == "outbound") EXPECT_EQ(i["observer"], "ex1.contoso.com") << i.dump();
    else EXPECT_EQ(i["observer"], "ex2.contoso.com") << i.dump();
  }
  for (const auto& s : cli({"history", "--format", "json"}).json()) {
    const std::string source = s["source"];
    const std::string observer = s["observer"].is_null() ? "" : s["observer"].get<std::string>();
    if (source.find("ex1-get-queue") != std::string::npos) {
      EXPECT_EQ(observer, "EX1") << "the server of the queue's Identity";
    } else if (source.find("ex1-") != std::string::npos) {
      EXPECT_EQ(observer, "ex1.contoso.com") << "the event's Computer";
    } else if (source.find("SEND") != std::string::npos) {
      EXPECT_EQ(observer, "ex1.contoso.com") << "the EHLO it sent";
      EXPECT_EQ(s["observer_ip"], "10.0.0.1") << "its local end";
    } else if (source.find("RECV") != std::string::npos) {
      EXPECT_EQ(observer, "ex2.contoso.com") << "its greeting";
      EXPECT_EQ(s["observer_ip"], "10.0.0.2");
    } else if (source.find("ex2-") != std::string::npos) {
      EXPECT_EQ(observer, "ex2.contoso.com");
    }
  }
  auto table = cli({"incidents"});
  EXPECT_NE(table.out.find("observer"), std::string::npos);
  auto show = cli({"show", std::to_string(incidents[0]["id"].get<int64_t>())});
  EXPECT_NE(show.out.find("observer    ex"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("seen by ex"), std::string::npos) << show.out;
}

TEST_F(Fleet, TheScenarioIsOneLinkFromEx1ToEx2SeenByBothServers) {
  ASSERT_EQ(cli({"scan", copy_data("scenario").string()}).code, 0);
  auto links = cli({"links", "--format", "json"});
  ASSERT_EQ(links.code, 0) << links.err;
  const json all = links.json();
  const json* l = link_between(all, "ex1.contoso.com", "ex2.contoso.com");
  ASSERT_TRUE(l) << all.dump(2);
  EXPECT_EQ((*l)["seen_by"], json::array({"ex1.contoso.com", "ex2.contoso.com"}));
  EXPECT_EQ((*l)["incidents"].size(), 2u) << "EX1's outbound and EX2's inbound";
  EXPECT_EQ((*l)["status"], "resolved");
  EXPECT_EQ((*l)["first_seen"], "2024-03-15T10:02:11.483Z");
  EXPECT_TRUE((*l)["causes"].empty()) << "no probe run, and the evidence names no cause by itself";
  EXPECT_FALSE(link_between(all, "ex2.contoso.com", "ex1.contoso.com")) << "nothing failed the other way";
  // 10.0.0.7 is no server of ours: its own link, to EX2.
  EXPECT_TRUE(link_between(all, "10.0.0.7", "ex2.contoso.com")) << all.dump(2);
  EXPECT_EQ(all.size(), 2u) << all.dump(2);

  auto open = cli({"links", "--status", "open", "--format", "json"});
  EXPECT_TRUE(open.json().empty()) << "2024's outage is long over";
  auto csv = cli({"links", "--format", "csv"});
  EXPECT_EQ(csv.out.substr(0, csv.out.find("\r\n")), "from,to,status,seen by,incidents,first seen (UTC),last seen (UTC),causes");
}

TEST_F(Fleet, TwoServersSeparateDatabasesGiveTheSameLink) {
  const std::string ex1 = server_db("ex1", kEx1Files);
  const std::string ex2 = server_db("ex2", kEx2Files);
  auto links = cli({"links", "--db", ex1, "--db", ex2, "--format", "json"});
  ASSERT_EQ(links.code, 0) << links.err;
  const json all = links.json();
  const json* l = link_between(all, "ex1.contoso.com", "ex2.contoso.com");
  ASSERT_TRUE(l) << all.dump(2);
  EXPECT_EQ((*l)["seen_by"], json::array({"ex1.contoso.com", "ex2.contoso.com"}));
  ASSERT_EQ((*l)["incidents"].size(), 2u);
  std::set<std::string> dbs;
  for (const auto& i : (*l)["incidents"]) dbs.insert(i["db"].get<std::string>());
  EXPECT_EQ(dbs, (std::set<std::string>{ex1, ex2}));
  EXPECT_EQ(all.size(), 2u) << all.dump(2);

  // Each side alone sees its half.
  auto only_ex2 = cli({"links", "--db", ex2, "--format", "json"}).json();
  const json* half = link_between(only_ex2, "ex1.contoso.com", "ex2.contoso.com");
  ASSERT_TRUE(half) << only_ex2.dump(2);
  EXPECT_EQ((*half)["seen_by"], json::array({"ex2.contoso.com"}));
}

TEST_F(Fleet, ADatabaseThatCannotBeOpenedIsNamedAndTheOthersRead) {
  const std::string ex2 = server_db("ex2", kEx2Files);
  auto links = cli({"links", "--db", ex2, "--db", (dir_ / "missing.db").string(), "--format", "json"});
  EXPECT_EQ(links.code, 3) << links.err;
  EXPECT_NE(links.err.find("missing.db"), std::string::npos);
  EXPECT_EQ(links.json().size(), 2u);
}

TEST_F(Fleet, TheReportIsOneSelfContainedFileAndLogTextStaysText) {
  auto folder = copy_data("scenario");
  // An EHLO name is whatever the peer says: here, markup.
  auto recv = read_file(folder / "RECV2024031510-1.LOG");
  const std::string hostile = "<script>document.title='owned'</script><img src=x onerror=alert(1)>";
  for (size_t at = recv.find("EHLO ex1.contoso.com"); at != std::string::npos; at = recv.find("EHLO ex1.contoso.com", at + 1))
    recv.replace(at, 20, "EHLO " + hostile);
  std::ofstream(folder / "RECV2024031510-1.LOG", std::ios::binary | std::ios::trunc) << recv;
  ASSERT_EQ(cli({"scan", folder.string()}).code, 0);

  const auto out = dir_ / "report.html";
  auto r = cli({"report", "--output", out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(out.string()), std::string::npos) << "prints where it wrote it";
  const std::string html = read_file(out);
  EXPECT_EQ(html.find("<script"), std::string::npos) << "no script, and no injected one";
  // The injected element is text too: its "<" is escaped, so no element (and no handler) exists.
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;document.title="), std::string::npos) << "the EHLO is shown, as text";
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg")) << "no network resource (the SVG namespace is a name)";
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  EXPECT_NE(html.find("<svg class=\"timeline\""), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  for (const char* expected : {"ex1.contoso.com", "ex2.contoso.com", "10.0.0.7", "KDC_ERR_S_PRINCIPAL_UNKNOWN", "Links between servers"})
    EXPECT_NE(html.find(expected), std::string::npos) << expected;

  // One incident only; one that does not exist is "not found".
  auto one = cli({"report", "--incident", "1", "--output", (dir_ / "one.html").string(), "--format", "json"});
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_EQ(one.json()["incidents"], 1);
  auto none = cli({"report", "--incident", "99", "--output", (dir_ / "none.html").string()});
  EXPECT_EQ(none.code, 4);
  EXPECT_FALSE(fs::exists(dir_ / "none.html"));
  auto since = cli({"report", "--since", "1h", "--output", (dir_ / "recent.html").string(), "--format", "json"});
  ASSERT_EQ(since.code, 0) << since.err;
  EXPECT_EQ(since.json()["incidents"], 0) << "2024's incidents are older than an hour";
}

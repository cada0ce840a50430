// Malformed input through the whole path: each bad input gets an error naming the file and the
// record/line/item, the rest is read, and nothing already stored is lost.
#include <fstream>

#include "cli_harness.hpp"

using namespace authwatch::test;
namespace fs = std::filesystem;

namespace {

size_t incident_count(const nlohmann::json& incidents, const std::string& peer) {
  size_t n = 0;
  for (const auto& i : incidents) n += i["peer"] == peer;
  return n;
}

}  // namespace

class Robustness : public CliTest {};

TEST_F(Robustness, BadFilesAreNamedAndTheRestStillOpensIncidents) {
  auto good = copy_data("scenario", "inbox");
  auto bad = dir_ / "inbox" / "damaged";
  // A protocol log with binary junk and a line with too many columns between good sessions.
  auto recv = read_all(good / "RECV2024031510-1.LOG");
  auto cut = recv.find("2024-03-15T10:04:20.010Z");
  ASSERT_NE(cut, std::string::npos);
  write_all(bad / "RECV2024031511-1.LOG",
            recv.substr(0, cut) + std::string("\x01\x02garbage\xff\xfe\r\n", 14) + "a,b,c,d,e,f,g,h,i,j,k,l,m\r\n" + recv.substr(cut));
  // Invalid JSON.
  write_all(bad / "queues-broken.json", "[{\"Identity\": \"EX1\\\\3\", \"LastError\": \"454 4.7.0\"");
  // A truncated real .evtx (at half: 30 KiB into its last used chunk; a later cut loses nothing).
  auto evtx = read_all(fs::path(AUTHWATCH_TEST_DATA) / "evtx" / "python-evtx-system.evtx");
  write_all(bad / "System-truncated.evtx", evtx.substr(0, evtx.size() / 2));
  // An event export cut off mid-event.
  auto xml = read_all(good / "ex2-application-wevtutil.xml");
  write_all(bad / "ex2-cut.xml", xml.substr(0, xml.size() - 200));
  fs::remove(good / "RECV2024031510-1.LOG");  // the damaged copy stands in for it

  auto scan = cli({"scan", "--format", "json", (dir_ / "inbox").string()});
  EXPECT_EQ(scan.code, 3) << "done, but some input could not be read";
  auto has_err = [&](const std::string& needle) { return scan.err.find(needle) != std::string::npos; };
  EXPECT_TRUE(has_err("RECV2024031511-1.LOG: line 20")) << scan.err;
  EXPECT_TRUE(has_err("RECV2024031511-1.LOG: line 21")) << scan.err;
  EXPECT_TRUE(has_err("queues-broken.json")) << scan.err;
  EXPECT_TRUE(has_err("ex2-cut.xml")) << scan.err;
  EXPECT_TRUE(has_err("System-truncated.evtx")) << scan.err;
  size_t evtx_read = 0;
  const auto summary = scan.json();
  for (const auto& f : summary["files"])
    if (f["path"].get<std::string>().find("System-truncated.evtx") != std::string::npos) evtx_read = f["records_read"];
  EXPECT_EQ(evtx_read, 1499u) << "the 1498 records before the cut and the one it cuts";

  auto incidents = cli({"incidents", "--format", "json"}).json();
  EXPECT_EQ(incident_count(incidents, "10.0.0.1"), 1u) << "the damaged receive log still yields its failing session";
  EXPECT_EQ(incident_count(incidents, "10.0.0.7"), 1u);
  EXPECT_EQ(incident_count(incidents, "10.0.0.2"), 1u);
  auto history = cli({"history", "--format", "json", "--peer", "192.0.2.44"}).json();
  EXPECT_EQ(history.size(), 2u) << "the 1035 Login (the cut export repeats its record: stored once) and the session after the junk";
}

TEST_F(Robustness, NothingStoredIsLostWhenALaterScanMeetsBadInput) {
  auto folder = copy_data("scenario", "inbox");
  ASSERT_EQ(cli({"scan", folder.string()}).code, 0);
  auto before = cli({"history", "--format", "json"}).json();
  write_all(dir_ / "later" / "bad.json", "{ not json");
  auto bitflip = read_all(fs::path(AUTHWATCH_TEST_DATA) / "evtx" / "python-evtx-system.evtx");
  for (size_t i = 0x1000 + 0x200; i < 0x1000 + 0x400; ++i) bitflip[i] = static_cast<char>(bitflip[i] ^ 0x5a);
  write_all(dir_ / "later" / "System-bitflip.evtx", bitflip);
  auto scan = cli({"scan", (dir_ / "later").string()});
  EXPECT_EQ(scan.code, 3);
  EXPECT_NE(scan.err.find("bad.json"), std::string::npos) << scan.err;
  EXPECT_NE(scan.err.find("System-bitflip.evtx"), std::string::npos) << scan.err;
  EXPECT_EQ(cli({"history", "--format", "json"}).json(), before);
  EXPECT_EQ(cli({"incidents", "--format", "json"}).json().size(), 3u);
}

TEST_F(Robustness, ANamedFileThatIsNoLogIsAnError) {
  write_all(dir_ / "notes.txt", "hello\n");
  auto scan = cli({"scan", (dir_ / "notes.txt").string(), (dir_ / "missing.xml").string()});
  EXPECT_EQ(scan.code, 3);
  EXPECT_NE(scan.err.find("notes.txt: not a recognised format"), std::string::npos) << scan.err;
  EXPECT_NE(scan.err.find("missing.xml: no such file or folder"), std::string::npos) << scan.err;
}

// A batch of records that is not a file (the live event log) goes in with its position in one
// transaction (Ingest::ingest_records): read again after a restart from an older position, nothing
// is stored twice, and the same record exported to a file is the same event.
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "pipeline/ingest.hpp"
#include "sources/event_log_channel.hpp"
#include "sources/event_xml.hpp"
#include "storage/database.hpp"

namespace fs = std::filesystem;
using namespace authwatch;

namespace {

std::vector<TransportEvent> live_events(const std::string& file = "ex2-application-wevtutil.xml",
                                        const std::string& channel = "Application") {
  std::ifstream in(std::string(AUTHWATCH_TEST_DATA) + "/scenario/" + file);
  std::stringstream text;
  text << in.rdbuf();
  // As the live source renders them: kind EventLog, location the channel.
  return sources::parse_event_xml_stream(text.str(), SourceKind::EventLog, channel).events;
}

pipeline::RecordBatch batch(std::vector<TransportEvent> events, const std::string& channel = "Application") {
  pipeline::RecordBatch b;
  b.location = channel;
  b.events = std::move(events);
  return b;
}

SourcePosition after(const TransportEvent& last) {
  SourcePosition p;
  p.identity = "Application";
  p.record = last.record_id;
  p.bookmark = sources::bookmark_xml({"Application", last.record_id});
  return p;
}

class RecordIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("authwatch-records-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  int64_t count(const std::string& table) {
    SQLite::Database db((dir_ / "authwatch.db").string(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM " + table).getInt64();
  }
  fs::path dir_;
  SystemClock clock_;
  Config config_;
};

TEST_F(RecordIngestTest, ABatchAndItsPositionCommitTogetherAndAReReadStoresNothingTwice) {
  auto events = live_events();
  ASSERT_EQ(events.size(), 6u);
  auto db = storage::Database::open((dir_ / "authwatch.db").string(), storage::Database::Mode::ReadWrite);
  ASSERT_TRUE(db) << db.error();
  pipeline::Ingest ingest(*db.value(), config_, clock_);

  std::vector<TransportEvent> first(events.begin(), events.begin() + 3);
  auto r1 = ingest.ingest_records([&] { auto b = batch(first); b.position = after(first.back()); return b; }());
  EXPECT_FALSE(r1.failure) << r1.failure->message;
  EXPECT_EQ(r1.new_events, 3u) << "two server-to-server 1035s and a Client Frontend logon failure (stored as noise)";
  auto stored = ingest.stored_position(SourceKind::EventLog, "Application");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->record, first.back().record_id);
  EXPECT_EQ(sources::parse_bookmark_xml(stored->bookmark, "Application").value().record_id, first.back().record_id);

  // A restart that lost the last commit's bookmark re-reads from the start: only the rest is new.
  auto r2 = ingest.ingest_records([&] { auto b = batch(events); b.position = after(events.back()); return b; }());
  EXPECT_FALSE(r2.failure) << r2.failure->message;
  const int64_t events_stored = count("events"), signals = count("signals");
  EXPECT_EQ(events_stored, static_cast<int64_t>(r1.new_events + r2.new_events));
  EXPECT_GT(r2.new_events, 0u);
  auto r3 = ingest.ingest_records([&] { auto b = batch(events); b.position = after(events.back()); return b; }());
  EXPECT_EQ(r3.new_events, 0u);
  EXPECT_EQ(count("events"), events_stored);
  EXPECT_EQ(count("signals"), signals);

  // The same records exported with wevtutil are the same events (natural keys), not new ones.
  auto file = ingest.ingest_file(std::string(AUTHWATCH_TEST_DATA) + "/scenario/ex2-application-wevtutil.xml");
  EXPECT_EQ(file.new_events, 0u);
  EXPECT_EQ(count("events"), events_stored);
}

// The System channel is read before the Application channel's 2017 arrives: the Kerberos errors
// wait, unattached, and join the outbound incident in the pass that opens it; chatter stays noise.
TEST_F(RecordIngestTest, KerberosErrorsReadBeforeTheirIncidentJoinItWhenItOpens) {
  auto db = storage::Database::open((dir_ / "authwatch.db").string(), storage::Database::Mode::ReadWrite);
  ASSERT_TRUE(db) << db.error();
  pipeline::Ingest ingest(*db.value(), config_, clock_);

  auto system = ingest.ingest_records(batch(live_events("ex1-system-wevtutil.xml", "System"), "System"));
  ASSERT_FALSE(system.failure) << system.failure->message;
  EXPECT_EQ(system.context_signals, 3u);
  EXPECT_EQ(system.noise_signals, 1u);
  auto before = ingest.update_incidents();
  EXPECT_EQ(before.opened(), 0);
  EXPECT_EQ(before.context_assigned, 0u) << "no incident yet";

  auto application = ingest.ingest_records(batch(live_events("ex1-application-wevtutil.xml")));
  ASSERT_FALSE(application.failure) << application.failure->message;
  auto pass = ingest.update_incidents();
  ASSERT_EQ(pass.opened(), 1);
  EXPECT_EQ(pass.context_assigned, 2u);
  SQLite::Database check((dir_ / "authwatch.db").string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(check.execAndGet("SELECT count(*) FROM signals s JOIN incidents i ON i.id = s.incident_id "
                             "WHERE s.class = 'context' AND i.peer_name = 'ex2.contoso.com' AND s.status = 'KDC_ERR_S_PRINCIPAL_UNKNOWN'")
                .getInt(),
            2);
  EXPECT_EQ(check.execAndGet("SELECT count(*) FROM signals WHERE class = 'context' AND incident_id IS NULL").getInt(), 1)
      << "the day-old skew error for HTTP/web belongs to no incident";
}

}  // namespace

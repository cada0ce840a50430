// The two ways a protocol log is read give the same result. Ingest reads a protocol log as lines
// (read_lines: column views split in place, the event built only when asked for); the fuzz targets
// and older callers read it as events (read: every column copied into an event). Every protocol log
// in the test data, the fuzz regressions among them, and a generated log of interleaved sessions are
// read both ways: each line's event is the event read() hands out, errors and positions are the
// same, and the detector (which reads an event through the same line view) gives equal signals.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>

#include "core/detector.hpp"
#include "sources/file_source.hpp"
#include "tests/sources/temp_dir.hpp"

namespace authwatch::sources {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

struct EventCopy {
  std::string location, locator, key, text;
  TimePoint time{};
  std::map<std::string, std::string, std::less<>> fields;
  bool operator==(const EventCopy&) const = default;
};

EventCopy copy_of(const TransportEvent& e) { return {e.location, e.locator, e.key, e.text, e.time, e.fields}; }

// Everything a stored signal holds, as one comparable text.
std::string describe(const Signal& s) {
  nlohmann::json j = {{"key", s.key},         {"event_key", s.event_key}, {"rule", s.rule},
                      {"class", to_string(s.signal_class)},          {"inbound", s.direction == Direction::Inbound},
                      {"time", s.time.time_since_epoch().count()},    {"peer_ip", s.peer_ip},
                      {"peer_name", s.peer_name}, {"connector", s.connector}, {"mechanism", s.mechanism},
                      {"status", s.status},       {"reply", s.reply},         {"verdict", s.verdict},
                      {"observer", s.observer},   {"observer_ip", s.observer_ip}, {"evidence", s.evidence}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<fs::path> protocol_logs() {
  std::vector<fs::path> found;
  for (const auto& entry : fs::recursive_directory_iterator(AUTHWATCH_TEST_DATA))
    if (entry.is_regular_file() && detect_file_format(entry.path().string()) == FileFormat::ProtocolLog) found.push_back(entry.path());
  std::sort(found.begin(), found.end());
  return found;
}

struct Compared {
  size_t lines = 0, signals = 0, errors = 0;
};

// Reads `path` both ways and compares; returns what was compared.
Compared read_both_ways(const std::string& path, const ReadOptions& options = {}) {
  SCOPED_TRACE(path);
  Compared compared;
  auto source = make_file_source(path, FileFormat::ProtocolLog, options);
  EXPECT_TRUE(source);
  if (!source) return compared;

  Detector by_event;
  std::vector<EventCopy> events;
  std::vector<std::string> event_signals, event_errors;
  auto read = source->read(
      {},
      [&](TransportEvent&& e) {
        events.push_back(copy_of(e));
        if (auto s = by_event.detect(e)) event_signals.push_back(describe(*s));
      },
      [&](ReadError&& error) { event_errors.push_back(error.message()); });

  Detector by_line;
  std::vector<EventCopy> line_events;
  std::vector<std::string> line_signals, line_errors;
  auto read_lines = source->read_lines(
      {},
      [&](const ProtocolLogLine& line) {
        // The detector first: ingest asks for the event only after it, for a signal.
        auto s = by_line.detect(line);
        line_events.push_back(copy_of(line.transport_event()));
        if (s) line_signals.push_back(describe(*s));
      },
      [&](ReadError&& error) { line_errors.push_back(error.message()); });
  EXPECT_TRUE(read && read_lines);
  if (!read || !read_lines) return compared;

  EXPECT_EQ(line_errors, event_errors);
  EXPECT_EQ(line_events.size(), events.size());
  for (size_t i = 0; i < std::min(events.size(), line_events.size()); ++i)
    EXPECT_TRUE(line_events[i] == events[i]) << events[i].locator;
  EXPECT_EQ(line_signals, event_signals);
  EXPECT_EQ(read_lines.value().position, read.value().position);
  EXPECT_EQ(read_lines.value().records_read, read.value().records_read);
  EXPECT_EQ(read_lines.value().bad_records, read.value().bad_records);
  EXPECT_EQ(by_line.tracked_sessions(), by_event.tracked_sessions());
  return {events.size(), event_signals.size(), event_errors.size()};
}

TEST(ProtocolLogLines, GiveTheEventsAndSignalsOfTheEventReadForEveryProtocolLogInTheTestData) {
  const auto logs = protocol_logs();
  ASSERT_GE(logs.size(), 20u) << "the test data's protocol logs (tests/data/exchange, realworld, scenario, fuzz-regressions)";
  Compared total;
  for (const auto& path : logs) {
    const auto compared = read_both_ways(path.string());
    total.lines += compared.lines;
    total.signals += compared.signals;
  }
  EXPECT_GT(total.lines, 500u);
  EXPECT_GT(total.signals, 20u) << "faults and noise among them";
}

// A receive log of 400 sessions whose lines interleave at random (the line path remembers the last
// line's session), with a service restart's header mid-file, quoted columns with commas and
// quotes, lines over the line limit, and sessions never closed.
TEST(ProtocolLogLines, GiveTheSameOnInterleavedSessionsWithAHeaderChangeAndOverlongLines) {
  const std::string header =
      "#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Receive Protocol Log\r\n"
      "#Date: 2024-03-15T10:00:01.873Z\r\n"
      "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n";
  struct Session {
    std::vector<std::string> lines;
    size_t next = 0;
  };
  std::vector<Session> sessions(400);
  for (size_t i = 0; i < sessions.size(); ++i) {
    const std::string peer = "10.0." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1);
    const std::string name = "ex" + std::to_string(i) + ".contoso.com";
    auto& l = sessions[i].lines;
    l = {"+,,", ">,\"220 ex1.contoso.com Microsoft ESMTP MAIL Service ready\",", "<,EHLO " + name + ",",
         ">,250-ex1.contoso.com Hello [" + peer + "] X-EXPS GSSAPI NTLM,"};
    switch (i % 5) {
      case 0: l.insert(l.end(), {"<,X-EXPS GSSAPI,", "*,,\"Inbound ExchangeAuth negotiation failed because of an IllegalMessage, \"\"x\"\"\"",
                                 ">,454 4.7.0 Temporary authentication failure,"}); break;
      case 1: l.insert(l.end(), {"<,AUTH LOGIN,", ">,535 5.7.3 Authentication unsuccessful,"}); break;
      case 2: l.insert(l.end(), {"<,MAIL FROM:<a@contoso.com>,", ">,\"250 2.1.0 Sender OK\",", "<,DATA " + std::string(300, 'x') + ","});
              break;
      case 3: l.insert(l.end(), {"<,X-EXPS GSSAPI,", ">,504 5.7.4 Unrecognized authentication type,"}); break;
      case 4: break;  // never closed
    }
    if (i % 5 != 4) l.push_back("-,,Remote");
  }
  std::mt19937 random(7);
  std::string log = header;
  size_t written = 0;
  for (std::vector<size_t> open;;) {
    open.resize(sessions.size());
    std::iota(open.begin(), open.end(), 0);
    std::erase_if(open, [&](size_t i) { return sessions[i].next == sessions[i].lines.size(); });
    if (open.empty()) break;
    // Runs of one session's lines (as Exchange writes them) and switches between sessions.
    auto& s = sessions[open[random() % open.size()]];
    const size_t session_index = static_cast<size_t>(&s - sessions.data());
    for (size_t run = 1 + random() % 3; run > 0 && s.next < s.lines.size(); --run, ++written) {
      char session_id[17];
      std::snprintf(session_id, sizeof session_id, "08DC44B7%08zX", session_index);
      const std::string peer = "10.0." + std::to_string(session_index / 200) + "." + std::to_string(session_index % 200 + 1);
      const size_t sequence = s.next++;
      log += "2024-03-15T10:" + std::to_string(10 + written / 1000 % 50) + ":0" + std::to_string(written % 10) + ".1" +
             std::to_string(written % 100 / 10) + "Z,EX1\\Default EX1," + session_id + "," + std::to_string(sequence) +
             ",10.0.0.1:2525," + peer + ":" + std::to_string(20000 + session_index) + "," + s.lines[sequence] + "\r\n";
      if (written == 1500) log += header;  // the transport service restarted
    }
  }
  TempDir dir;
  const auto path = dir.write("RECV2024031510-1.LOG", log);
  ReadOptions options;
  options.max_line_bytes = 256;  // the DATA lines are longer: bad records, skipped
  const auto compared = read_both_ways(path, options);
  EXPECT_GT(compared.lines, 2500u);
  EXPECT_EQ(compared.errors, 80u) << "one overlong line per MAIL session";
  EXPECT_GE(compared.signals, 160u) << "the 454 and 504 sessions' faults, the AUTH LOGIN clients' noise";
  read_both_ways(path);  // and without a limit
}

}  // namespace
}  // namespace authwatch::sources

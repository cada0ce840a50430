// Prometheus metrics (issue 14): the exposition (names, escaping, bounds), the HTTP server's
// answers and limits over real sockets, and the monitor publishing what a pass found. The real
// Prometheus scraping the real service is tests/prometheus/.
#include <utility>  // before Boost.Asio (GCC 12 / Boost 1.74)

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "service/metrics/exposition.hpp"
#include "service/metrics/metrics_server.hpp"
#include "service/monitor.hpp"

namespace fs = std::filesystem;
using namespace authwatch;
using namespace authwatch::service;
using namespace std::chrono_literals;
using tcp = boost::asio::ip::tcp;

namespace {

// Sends `request` as raw bytes and returns everything the server sent until it closed (or
// `max_bytes`); the server's own timeout bounds the wait.
std::string http_exchange(uint16_t port, const std::string& request, bool half_close = true) {
  boost::asio::io_context io;
  tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::system::error_code ec;
  boost::asio::write(socket, boost::asio::buffer(request), ec);
  if (half_close) socket.shutdown(tcp::socket::shutdown_send, ec);
  std::string reply;
  char buf[4096];
  for (;;) {
    const size_t n = socket.read_some(boost::asio::buffer(buf), ec);
    if (ec) break;
    reply.append(buf, n);
  }
  return reply;
}

std::string get(uint16_t port, const std::string& target, const std::string& method = "GET") {
  return http_exchange(port, method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
}

std::string body_of(const std::string& reply) {
  const auto at = reply.find("\r\n\r\n");
  return at == std::string::npos ? "" : reply.substr(at + 4);
}

Incident open_incident(int64_t id, std::string observer, std::string peer, std::string peer_name, int minute) {
  Incident i;
  i.id = id;
  i.observer = std::move(observer);
  i.direction = Direction::Inbound;
  i.peer = std::move(peer);
  i.peer_name = std::move(peer_name);
  i.first_seen = i.last_seen = *parse_iso8601("2026-12-01T10:00:00Z") + std::chrono::minutes{minute};
  return i;
}

}  // namespace

TEST(Exposition, LabelValuesAreEscapedAndMadeValidUtf8) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  MetricsSnapshot m;
  m.version = "0.1.0";
  m.open_incidents.push_back(open_incident(1, "ex2.contoso.com", "10.0.0.1", "evil\"} 1\nfake_metric 2\xff", 0));
  const std::string text = render_exposition(m);
  EXPECT_NE(text.find("authwatch_incident_open{observer=\"ex2.contoso.com\",direction=\"inbound\",peer=\"10.0.0.1\","
                      "peer_name=\"evil\\\"} 1\\nfake_metric 2\xEF\xBF\xBD\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("\nfake_metric"), std::string::npos) << "a newline in a name cannot start a line of its own";
  EXPECT_NE(text.find("# TYPE authwatch_signals_total counter"), std::string::npos);
  EXPECT_NE(text.find("authwatch_build_info{version=\"0.1.0\"} 1"), std::string::npos);
  EXPECT_NE(text.find("authwatch_incidents{status=\"open\",direction=\"inbound\"} 0"), std::string::npos);
}

TEST(Exposition, CardinalityIsBoundedAndWhatIsLeftOutIsCounted) {
  MetricsSnapshot m;
  for (int i = 0; i < 250; ++i) m.open_incidents.push_back(open_incident(i + 1, "ex2.contoso.com", "10.0.1." + std::to_string(i), "", i));
  const std::string text = render_exposition(m);
  size_t series = 0;
  for (size_t at = text.find("\nauthwatch_incident_open{"); at != std::string::npos; at = text.find("\nauthwatch_incident_open{", at + 1)) ++series;
  EXPECT_EQ(series, kMaxSeriesPerMetric);
  EXPECT_NE(text.find("authwatch_metrics_series_dropped{metric=\"authwatch_incident_open\"} 50"), std::string::npos);
  EXPECT_NE(text.find("peer=\"10.0.1.249\""), std::string::npos) << "the latest active stay";
  EXPECT_EQ(text.find("peer=\"10.0.1.0\""), std::string::npos);
}

TEST(Exposition, ProbeFindingsClockOffsetsAndCauses) {
  MetricsSnapshot m;
  Finding clock{"clock", "dc1.contoso.com", FindingStatus::Fail, "", {}, ""};
  clock.evidence = {{"readings", {{"sntp", {{"ok", true}, {"offset_seconds", 600.5}}}, {"ldap", {{"ok", false}, {"error", "timeout"}}}}}};
  m.findings = {clock, Finding{"ports", "dc1.contoso.com", FindingStatus::Warn, "", {}, ""}, Finding{"spn", "ex2", FindingStatus::Skipped, "", {}, ""}};
  m.causes = {Cause{"clock-skew", "clock", "dc1.contoso.com", {}, "", 0.85, ""}};
  const std::string text = render_exposition(m);
  EXPECT_NE(text.find("authwatch_probe_finding_status{probe=\"clock\",target=\"dc1.contoso.com\"} 2"), std::string::npos) << text;
  EXPECT_NE(text.find("authwatch_probe_finding_status{probe=\"ports\",target=\"dc1.contoso.com\"} 1"), std::string::npos);
  EXPECT_EQ(text.find("probe=\"spn\""), std::string::npos) << "skipped: not applicable, not a status";
  EXPECT_NE(text.find("authwatch_clock_offset_seconds{target=\"dc1.contoso.com\",method=\"sntp\"} 600.5"), std::string::npos);
  EXPECT_EQ(text.find("method=\"ldap\""), std::string::npos) << "a reading that failed has no offset";
  EXPECT_NE(text.find("authwatch_diagnosis_cause_confidence{cause=\"clock-skew\",target=\"dc1.contoso.com\"} 0.85"), std::string::npos);
}

TEST(MetricsServer, AnswersGetMetricsOnlyAndBoundsRequests) {
  auto started = MetricsServer::start(*parse_listen_endpoint("127.0.0.1:0"));
  ASSERT_TRUE(started) << started.error();
  auto server = std::move(started).value();
  ASSERT_GT(server->port(), 0);
  EXPECT_EQ(server->address(), "127.0.0.1:" + std::to_string(server->port()));
  server->publish("authwatch_up 1\n");

  const auto ok = get(server->port(), "/metrics");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8"), std::string::npos) << ok;
  EXPECT_EQ(body_of(ok), "authwatch_up 1\n");
  EXPECT_EQ(get(server->port(), "/metrics?x=1").rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(get(server->port(), "/").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(get(server->port(), "/metrics/../etc/passwd").rfind("HTTP/1.1 404", 0), 0u);
  const auto post = get(server->port(), "/metrics", "POST");
  EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0u) << post;
  EXPECT_NE(post.find("Allow: GET"), std::string::npos);
  EXPECT_EQ(get(server->port(), "/metrics", "HEAD").rfind("HTTP/1.1 405", 0), 0u);

  // A request whose headers exceed the bound gets no answer: the connection is closed.
  const std::string huge = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(kMaxRequestBytes * 2, 'a') + "\r\n\r\n";
  EXPECT_EQ(http_exchange(server->port(), huge), "");
  EXPECT_EQ(http_exchange(server->port(), "NOT HTTP AT ALL\r\n\r\n"), "");

  // Keep-alive: two requests on one connection, then the client closes.
  const auto two = http_exchange(server->port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  size_t answers = 0;
  for (size_t at = two.find("HTTP/1.1 200"); at != std::string::npos; at = two.find("HTTP/1.1 200", at + 1)) ++answers;
  EXPECT_EQ(answers, 2u);

  server->publish("authwatch_up 1\nauthwatch_alerts_pending 3\n");
  EXPECT_EQ(body_of(get(server->port(), "/metrics")), "authwatch_up 1\nauthwatch_alerts_pending 3\n") << "the last published";
}

TEST(MetricsServer, ConnectionsBeyondTheBoundAreClosedAndTheServerStillAnswers) {
  auto server = std::move(MetricsServer::start(*parse_listen_endpoint("0")).value());
  EXPECT_EQ(server->address().rfind("127.0.0.1:", 0), 0u) << "a bare port is loopback";
  server->publish("authwatch_up 1\n");
  boost::asio::io_context io;
  std::vector<tcp::socket> idle;
  for (size_t i = 0; i < kMaxConnections; ++i) {
    idle.emplace_back(io);
    idle.back().connect({boost::asio::ip::make_address("127.0.0.1"), server->port()});
  }
  std::this_thread::sleep_for(200ms);  // the server has accepted them
  // One more: accepted and closed at once, unanswered.
  EXPECT_EQ(get(server->port(), "/metrics"), "");
  idle.clear();  // the idle ones go away
  std::string reply;
  for (int attempt = 0; attempt < 50 && reply.empty(); ++attempt) {
    std::this_thread::sleep_for(50ms);
    reply = get(server->port(), "/metrics");
  }
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u);
}

TEST(MetricsServer, ASilentConnectionIsClosedByTheServer) {
  auto server = std::move(MetricsServer::start(*parse_listen_endpoint("127.0.0.1:0")).value());
  boost::asio::io_context io;
  tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), server->port()});
  boost::asio::write(socket, boost::asio::buffer(std::string("GET /metr")));  // and then nothing
  char buf[16];
  boost::system::error_code ec;
  socket.read_some(boost::asio::buffer(buf), ec);  // returns when the server gives up on it
  EXPECT_EQ(ec, boost::asio::error::eof);
}

TEST(MetricsServer, AnAddressInUseIsAClearError) {
  auto first = std::move(MetricsServer::start(*parse_listen_endpoint("127.0.0.1:0")).value());
  auto second = MetricsServer::start(*parse_listen_endpoint("127.0.0.1:" + std::to_string(first->port())));
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("cannot listen on 127.0.0.1:" + std::to_string(first->port())), std::string::npos) << second.error();
}

TEST(MonitorMetrics, APassPublishesTheIncidentItOpened) {
  std::random_device rd;
  const fs::path dir = fs::temp_directory_path() / ("authwatch-metrics-" + std::to_string(rd()));
  fs::create_directories(dir / "logs");
  SystemClock clock;
  MonitorOptions o;
  o.database = (dir / "authwatch.db").string();
  o.protocol_log_dirs = {(dir / "logs").string()};
  o.probes = false;
  o.config.monitor.event_log = false;
  o.metrics_listen = "127.0.0.1:0";
  o.version = "9.9.9";
  o.observer = "ex2.contoso.com";
  o.observer_addresses = {"10.0.0.2"};
  {
    Monitor monitor(o, clock);
    ASSERT_TRUE(monitor.open());
    const auto address = monitor.metrics_address();
    ASSERT_FALSE(address.empty());
    const auto port = static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
    const std::string t = format_iso8601(clock.now()), p = t + ",Default EX2,08DC01,", e = ",10.0.0.2:2525,10.0.0.9:41234,";
    std::ofstream(dir / "logs" / "RECV2026120110-1.LOG", std::ios::binary)
        << "#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Receive Protocol Log\r\n#Date: " << t
        << "\r\n#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n"
        << p << "0" << e << "+,,\r\n" << p << "1" << e << "<,EHLO ex9.contoso.com,\r\n" << p << "2" << e
        << "<,X-EXPS EXCHANGEAUTH SHA256 <authentication data>,\r\n" << p << "3" << e
        << "*,,Inbound ExchangeAuth negotiation failed because of IllegalMessage\r\n" << p << "4" << e
        << ">,454 4.7.0 Temporary authentication failure,\r\n" << p << "5" << e << "-,,Local\r\n";
    auto report = monitor.pass();
    ASSERT_EQ(report.opened, 1);
    const std::string text = body_of(get(port, "/metrics"));
    EXPECT_NE(text.find("authwatch_incident_open{observer=\"ex2.contoso.com\",direction=\"inbound\",peer=\"10.0.0.9\",peer_name=\"ex9.contoso.com\"} 1"),
              std::string::npos)
        << "a log that does not name its server is the configured one's\n" << text;
    EXPECT_NE(text.find("authwatch_signals_total{class=\"fault\"} 1"), std::string::npos) << text;
    EXPECT_NE(text.find("authwatch_incidents{status=\"open\",direction=\"inbound\"} 1"), std::string::npos);
    EXPECT_NE(text.find("authwatch_build_info{version=\"9.9.9\"} 1"), std::string::npos);
    // A label value escapes '\\' (the exposition format): a Windows path's separators are doubled.
    std::string folder_label;
    for (char c : (dir / "logs").string()) folder_label += c == '\\' ? std::string("\\\\") : std::string(1, c);
    EXPECT_NE(text.find("authwatch_source_lag_bytes{source=\"" + folder_label + "\"} 0"), std::string::npos) << text;
    EXPECT_NE(text.find("authwatch_alerts_pending 0"), std::string::npos) << "no sink: delivered at once" << text;
    EXPECT_EQ(text.find("authwatch_last_pass_timestamp_seconds 0\n"), std::string::npos);
  }
  fs::remove_all(dir);
}

// The engine's contract: concurrency, deadlines, containment; and the pure verdicts of the clock
// and ports probes. (Probes against real servers are in the other files of this folder.)
#include <functional>
#include <future>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <gtest/gtest.h>

#include "probes/async_util.hpp"
#include "probes/clock_probe.hpp"
#include "probes/engine.hpp"
#include "probes/ports_probe.hpp"
#include "probes/probe_set.hpp"
#include "tests/probes/deadline_timing.hpp"

using namespace authwatch;
using namespace authwatch::probes;
using namespace std::chrono;
namespace asio = boost::asio;

namespace {

// Engine test probes: each plays one way a probe can behave.
class SleepingProbe : public Probe {
 public:
  SleepingProbe(std::string name, milliseconds sleep) : name_(std::move(name)), sleep_(sleep) {}
  std::string name() const override { return name_; }
  asio::awaitable<std::vector<Finding>> run(ProbeContext& ctx) override {
    asio::steady_timer t(ctx.io, sleep_);
    co_await t.async_wait(asio::use_awaitable);
    *seen_dcs = ctx.targets.dcs;
    co_return std::vector<Finding>{{name_, "t", FindingStatus::Ok, "slept", {}, ""}};
  }
  // Shared: the engine destroys its probes before the test looks.
  std::shared_ptr<std::vector<std::string>> seen_dcs = std::make_shared<std::vector<std::string>>();

 private:
  std::string name_;
  milliseconds sleep_;
};

class ThrowingProbe : public Probe {
 public:
  std::string name() const override { return "throws"; }
  asio::awaitable<std::vector<Finding>> run(ProbeContext&) override {
    throw std::runtime_error("boom");
    co_return std::vector<Finding>{};
  }
};

class DiscoveryProbe : public Probe {
 public:
  std::string name() const override { return "dns"; }
  asio::awaitable<std::vector<Finding>> run(ProbeContext&) override {
    co_return std::vector<Finding>{{"dns", "lab.example", FindingStatus::Ok, "found", {{"discovered_dcs", nlohmann::json::array({"dc1.lab.example", "dc2.lab.example"})}}, ""}};
  }
};

// A probe whose blocking call (libldap, libkrb5 ...) runs `call` on the pool, as a call to a
// silent DC blocks until its timeout; ok when the call returned before the deadline.
class BlockingProbe : public Probe {
 public:
  BlockingProbe(std::string name, std::function<void()> call) : name_(std::move(name)), call_(std::move(call)) {}
  std::string name() const override { return name_; }
  asio::awaitable<std::vector<Finding>> run(ProbeContext& ctx) override {
    const auto deadline = steady_clock::now() + ctx.settings.deadline;
    std::function<int()> call = [call = call_] {
      call();
      return 1;
    };
    auto done = co_await run_blocking<int>(ctx.blocking, deadline, std::move(call));
    co_return std::vector<Finding>{{name_, "t", done ? FindingStatus::Ok : FindingStatus::Error, done ? "returned" : "not run in time", {}, ""}};
  }

 private:
  std::string name_;
  std::function<void()> call_;
};

}  // namespace

TEST(ProbeEngine, ProbesRunConcurrently) {
  std::vector<std::unique_ptr<Probe>> probes;
  for (int i = 0; i < 4; ++i) probes.push_back(std::make_unique<SleepingProbe>("p" + std::to_string(i), milliseconds{300}));
  ProbeSettings settings;
  auto t0 = steady_clock::now();
  auto result = run_probes(std::move(probes), {}, settings);
  EXPECT_LT(seconds_since(t0), 0.9) << "four 300 ms probes at once, not one after another";
  ASSERT_EQ(result.findings.size(), 4u);
  for (const auto& f : result.findings) EXPECT_EQ(f.status, FindingStatus::Ok);
  EXPECT_LE(result.started, result.finished);
}

TEST(ProbeEngine, AProbeThatOverrunsItsDeadlineIsReportedAndAbandoned) {
  std::vector<std::unique_ptr<Probe>> probes;
  probes.push_back(std::make_unique<SleepingProbe>("stuck", hours{1}));
  probes.push_back(std::make_unique<SleepingProbe>("quick", milliseconds{10}));
  ProbeSettings settings;
  settings.deadline = milliseconds{400};
  auto t0 = steady_clock::now();
  auto result = run_probes(std::move(probes), {}, settings);
  EXPECT_LT(seconds_since(t0), 0.4 + 0.3 + 0.3);
  ASSERT_EQ(result.findings.size(), 2u);
  EXPECT_EQ(result.findings[0].probe, "stuck");
  EXPECT_EQ(result.findings[0].status, FindingStatus::Error);
  EXPECT_NE(result.findings[0].summary.find("400 ms deadline"), std::string::npos);
  EXPECT_EQ(result.findings[1].status, FindingStatus::Ok);
}

TEST(ProbeEngine, BlockingCallsStuckOnASilentDcDoNotStarveTheOthers) {
  // Six probes stuck in blocking calls (a black-holed DC) and one whose blocking call is quick (the
  // healthy DC): the quick one must not queue behind the stuck ones. The stuck calls return only
  // once the quick one has returned (or after 2 s, past the 1 s deadline): had it queued behind
  // them, every probe would miss the deadline. No call sleeps; the run takes milliseconds.
  auto quick_returned = std::make_shared<std::promise<void>>();
  std::shared_future<void> quick = quick_returned->get_future().share();
  std::vector<std::unique_ptr<Probe>> probes;
  for (int i = 0; i < 6; ++i)
    probes.push_back(std::make_unique<BlockingProbe>("stuck" + std::to_string(i), [quick] { quick.wait_for(seconds{2}); }));
  probes.push_back(std::make_unique<BlockingProbe>("quick", [quick_returned] { quick_returned->set_value(); }));
  ProbeTargets targets;
  targets.dcs = {"198.18.77.11", "198.18.77.12"};
  ProbeSettings settings;
  settings.deadline = milliseconds{1000};
  auto result = run_probes(std::move(probes), targets, settings);
  ASSERT_EQ(result.findings.size(), 7u);
  for (const auto& f : result.findings) EXPECT_EQ(f.status, FindingStatus::Ok) << f.probe << ": " << f.summary;
}

TEST(ProbeEngine, AnExceptionStaysInsideTheProbe) {
  std::vector<std::unique_ptr<Probe>> probes;
  probes.push_back(std::make_unique<ThrowingProbe>());
  auto result = run_probes(std::move(probes), {}, {});
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].status, FindingStatus::Error);
  EXPECT_EQ(result.findings[0].summary, "probe failed: boom");
}

TEST(ProbeEngine, DiscoveryFillsTheDcsForTheOtherProbes) {
  std::vector<std::unique_ptr<Probe>> probes;
  auto later = std::make_unique<SleepingProbe>("clock", milliseconds{1});
  auto seen = later->seen_dcs;
  probes.push_back(std::move(later));
  probes.push_back(std::make_unique<DiscoveryProbe>());
  ProbeTargets targets;
  targets.domain = "lab.example";
  auto result = run_probes(std::move(probes), targets, {});
  EXPECT_EQ(*seen, (std::vector<std::string>{"dc1.lab.example", "dc2.lab.example"}));
  EXPECT_EQ(result.findings.front().probe, "dns") << "discovery runs first";
}

TEST(ProbeEngine, ConfiguredDcsAreNotReplacedByDiscovery) {
  std::vector<std::unique_ptr<Probe>> probes;
  auto later = std::make_unique<SleepingProbe>("clock", milliseconds{1});
  auto seen = later->seen_dcs;
  probes.push_back(std::move(later));
  probes.push_back(std::make_unique<DiscoveryProbe>());
  ProbeTargets targets;
  targets.dcs = {"198.18.77.11"};
  run_probes(std::move(probes), targets, {});
  EXPECT_EQ(*seen, (std::vector<std::string>{"198.18.77.11"}));
}

TEST(AsyncUtil, DeadlineClosesASocketWhosePeerNeverSpeaks) {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket server(io), client(io);
  acceptor.async_accept(server, [](boost::system::error_code) {});  // accepts, then stays silent
  boost::system::error_code read_error;
  bool expired = false;
  auto t0 = steady_clock::now();
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    Deadline deadline(co_await asio::this_coro::executor, steady_clock::now() + milliseconds{300});
    deadline.guard(client);
    co_await client.async_connect(acceptor.local_endpoint(), asio::use_awaitable);
    char byte;
    co_await asio::async_read(client, asio::buffer(&byte, 1), asio::redirect_error(asio::use_awaitable, read_error));
    expired = deadline.expired();
  }, asio::detached);
  io.run_for(seconds{5});
  EXPECT_TRUE(expired);
  EXPECT_TRUE(read_error);
  EXPECT_LT(seconds_since(t0), 0.6);
}

TEST(AsyncUtil, RunBlockingGivesUpAtTheDeadline) {
  asio::io_context io;
  asio::thread_pool pool(1);
  std::optional<int> fast, slow;
  bool slow_done = false;
  // The slow call blocks until the test has seen it abandoned (a call stuck past any deadline),
  // so nobody waits for it to return: not the test, not the pool's join.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto t0 = steady_clock::now();
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    fast = co_await run_blocking<int>(pool, steady_clock::now() + seconds{2}, [] { return 42; });
    slow = co_await run_blocking<int>(pool, steady_clock::now() + milliseconds{200}, [released] {
      released.wait();
      return 7;
    });
    slow_done = true;
  }, asio::detached);
  while (!slow_done && seconds_since(t0) < 5) io.run_one_for(milliseconds{50});
  EXPECT_TRUE(slow_done);
  EXPECT_EQ(fast, 42);
  EXPECT_FALSE(slow) << "abandoned at its deadline";
  EXPECT_LT(seconds_since(t0), 0.6);
  release.set_value();
  pool.join();
}

TEST(AsyncUtil, GatherKeepsOrderAndSurvivesAThrowingTask) {
  asio::io_context io;
  std::vector<std::optional<int>> results;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    std::vector<std::function<asio::awaitable<int>()>> tasks;
    for (int i = 0; i < 3; ++i) {
      tasks.push_back([i]() -> asio::awaitable<int> {
        asio::steady_timer t(co_await asio::this_coro::executor, milliseconds{30 * (3 - i)});
        co_await t.async_wait(asio::use_awaitable);
        if (i == 1) throw std::runtime_error("task 1 fails");
        co_return i * 10;
      });
    }
    results = co_await gather<int>(std::move(tasks));
  }, asio::detached);
  io.run_for(seconds{5});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0], 0);
  EXPECT_FALSE(results[1]);
  EXPECT_EQ(results[2], 20);
}

TEST(ClockVerdict, ThresholdsAndTheWorstMethod) {
  ProbeSettings s;
  auto ok = judge_clock("dc1", true, {{"kerberos_udp", {{"ok", true}, {"offset_seconds", 0.4}}}, {"ldap", {{"ok", true}, {"offset_seconds", 1.1}}}}, s);
  EXPECT_EQ(ok.status, FindingStatus::Ok);
  EXPECT_DOUBLE_EQ(ok.evidence["offset_seconds"].get<double>(), 1.1);
  auto warn = judge_clock("dc1", true, {{"sntp", {{"ok", true}, {"offset_seconds", -75.0}}}}, s);
  EXPECT_EQ(warn.status, FindingStatus::Warn);
  auto fail = judge_clock("dc1", true, {{"kerberos_tcp", {{"ok", true}, {"offset_seconds", 600.2}}}, {"sntp", {{"ok", false}, {"error", "no reply"}}}}, s);
  EXPECT_EQ(fail.status, FindingStatus::Fail);
  EXPECT_NE(fail.summary.find("+600.2 s"), std::string::npos) << fail.summary;
  EXPECT_NE(fail.summary.find("no reading by sntp"), std::string::npos) << fail.summary;
  EXPECT_NE(fail.remediation.find("w32tm /resync"), std::string::npos);
}

TEST(ClockVerdict, DisagreementIsEvidenceAndNoReadingIsAnError) {
  ProbeSettings s;
  auto split = judge_clock("dc1", true, {{"sntp", {{"ok", true}, {"offset_seconds", 0.1}}}, {"kerberos_udp", {{"ok", true}, {"offset_seconds", 600.0}}}}, s);
  EXPECT_EQ(split.status, FindingStatus::Fail);
  EXPECT_TRUE(split.evidence["methods_disagree"].get<bool>());
  auto none = judge_clock("ex2", false, {{"sntp", {{"ok", false}, {"error", "no reply"}}}}, s);
  EXPECT_EQ(none.status, FindingStatus::Error);
  EXPECT_NE(none.summary.find("member servers"), std::string::npos);
}

TEST(PortsVerdict, KerberosPortsFailOthersWarn) {
  auto all_open = judge_ports("dc1", {{{"port", 88}, {"protocol", "tcp"}, {"state", "open"}}, {{"port", 88}, {"protocol", "udp"}, {"state", "open"}}});
  EXPECT_EQ(all_open.status, FindingStatus::Ok);
  auto smb = judge_ports("dc1", {{{"port", 88}, {"protocol", "tcp"}, {"state", "open"}}, {{"port", 445}, {"protocol", "tcp"}, {"state", "closed"}}});
  EXPECT_EQ(smb.status, FindingStatus::Warn);
  auto kerberos = judge_ports("dc1", {{{"port", 88}, {"protocol", "udp"}, {"state", "filtered"}}, {{"port", 445}, {"protocol", "tcp"}, {"state", "open"}}});
  EXPECT_EQ(kerberos.status, FindingStatus::Fail);
  EXPECT_EQ(kerberos.evidence["blocked"], nlohmann::json({"88/udp filtered"}));
  EXPECT_NE(kerberos.remediation.find("KB 179442"), std::string::npos);
}

namespace {

PortTry tried(uint16_t port, const char* protocol) {
  PortTry t;
  t.port = port;
  t.protocol = protocol;
  t.speaks = std::string(protocol) == "udp" || port == 88 || port == 389 || port == 53 || port == 3268;
  return t;
}
PortTry answered(uint16_t port, const char* protocol, double ms = 1) {
  auto t = tried(port, protocol);
  t.connected = std::string(protocol) == "tcp";
  t.answered = true;
  t.ms = ms;
  return t;
}
PortTry accepted_silent(uint16_t port) {  // connected, no reply by the deadline
  auto t = tried(port, "tcp");
  t.connected = true;
  t.timed_out = true;
  t.ms = 3000;
  return t;
}
PortTry silent(uint16_t port, const char* protocol) {  // no connection / no datagram by the deadline
  auto t = tried(port, protocol);
  t.timed_out = true;
  t.ms = 3000;
  return t;
}
PortTry refused(uint16_t port, const char* protocol) {
  auto t = tried(port, protocol);
  t.refused = true;
  return t;
}

nlohmann::json port_of(const nlohmann::json& ports, int port, const std::string& protocol) {
  for (const auto& p : ports)
    if (p["port"] == port && p["protocol"] == protocol) return p;
  return nullptr;
}

}  // namespace

TEST(PortsSettle, OnlySilenceIsRetried) {
  EXPECT_TRUE(needs_slow_retry(silent(88, "udp")));
  EXPECT_TRUE(needs_slow_retry(accepted_silent(88)));
  EXPECT_FALSE(needs_slow_retry(refused(88, "tcp")));
  EXPECT_FALSE(needs_slow_retry(answered(88, "tcp")));
  auto garbage = tried(88, "udp");
  garbage.detail = "a reply that is not valid Kerberos";
  EXPECT_FALSE(needs_slow_retry(garbage));
}

// docs/domain.md §10: accepted-but-silent is the DC, silence without a connection is the path.
TEST(PortsSettle, AKdcThatAcceptsAndNeverAnswersIsUnresponsiveNotFiltered) {
  auto ports = settle_ports({{accepted_silent(88), accepted_silent(88)}, {silent(88, "udp"), silent(88, "udp")},
                             {answered(389, "tcp"), std::nullopt}},
                            milliseconds{3000});
  EXPECT_EQ(port_of(ports, 88, "tcp")["state"], "unresponsive");
  EXPECT_EQ(port_of(ports, 88, "tcp")["connected"], true);
  EXPECT_EQ(port_of(ports, 88, "tcp")["answered"], false);
  EXPECT_TRUE(port_of(ports, 88, "tcp").contains("first_try"));
  EXPECT_EQ(port_of(ports, 88, "udp")["state"], "unresponsive") << "its TCP twin accepts and says nothing";
  EXPECT_EQ(port_of(ports, 389, "tcp")["state"], "open");
  auto f = judge_ports("dc1", ports);
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["unresponsive"], nlohmann::json({"88/tcp", "88/udp"}));
  EXPECT_TRUE(f.evidence["blocked"].empty());
  EXPECT_NE(f.summary.find("unresponsive (the connection is accepted, no reply comes)"), std::string::npos) << f.summary;
  EXPECT_NE(f.remediation.find("overloaded or hung, not firewalled"), std::string::npos) << f.remediation;
  EXPECT_EQ(f.remediation.find("Allow"), std::string::npos) << f.remediation;
}

TEST(PortsSettle, WhatAnswersInTheRetryIsSlowAndOnlyAWarning) {
  auto ports = settle_ports({{accepted_silent(88), answered(88, "tcp", 4100)}, {silent(88, "udp"), answered(88, "udp", 4050)},
                             {silent(135, "tcp"), answered(135, "tcp", 4000)}},
                            milliseconds{3000});
  for (const auto& p : ports) EXPECT_EQ(p["state"], "slow") << p.dump();
  EXPECT_DOUBLE_EQ(port_of(ports, 88, "tcp")["slow_seconds"].get<double>(), 4.1);
  EXPECT_NE(port_of(ports, 88, "udp")["detail"].get<std::string>().find("in the slow retry (none within the 3000 ms deadline)"),
            std::string::npos);
  auto f = judge_ports("dc1", ports);
  EXPECT_EQ(f.status, FindingStatus::Warn);
  EXPECT_NE(f.summary.find("answered only in the slow retry: 88/tcp after 4.1 s"), std::string::npos) << f.summary;
}

TEST(PortsSettle, SilenceOnBothTwinsIsFilteredAndARefusalIsClosed) {
  auto ports = settle_ports({{silent(88, "tcp"), silent(88, "tcp")}, {silent(88, "udp"), silent(88, "udp")},
                             {refused(464, "tcp"), std::nullopt}, {answered(389, "tcp"), std::nullopt}},
                            milliseconds{3000});
  EXPECT_EQ(port_of(ports, 88, "tcp")["state"], "filtered");
  EXPECT_EQ(port_of(ports, 88, "tcp")["connected"], false);
  EXPECT_EQ(port_of(ports, 88, "udp")["state"], "filtered");
  EXPECT_EQ(port_of(ports, 464, "tcp")["state"], "closed");
  auto f = judge_ports("dc1", ports);
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["blocked"], nlohmann::json({"88/tcp filtered", "88/udp filtered", "464/tcp closed"}));
  EXPECT_NE(f.remediation.find("KB 179442"), std::string::npos);
}

TEST(PortsSettle, UdpSilentWhileTheKdcAnswersOverTcpIsTheFirewall) {
  // The service answers on TCP at once, so the datagrams are dropped on the way.
  auto ports = settle_ports({{answered(88, "tcp"), std::nullopt}, {silent(88, "udp"), silent(88, "udp")}}, milliseconds{3000});
  EXPECT_EQ(port_of(ports, 88, "udp")["state"], "filtered");
  EXPECT_EQ(judge_ports("dc1", ports).status, FindingStatus::Fail);
}

TEST(PortsSettle, AcceptedThenClosedWithoutAReplyIsNotSilence) {
  auto closed = tried(88, "tcp");
  closed.connected = true;
  closed.detail = "connection accepted, closed without a Kerberos reply";
  EXPECT_FALSE(needs_slow_retry(closed));
  auto ports = settle_ports({{closed, std::nullopt}}, milliseconds{3000});
  EXPECT_EQ(port_of(ports, 88, "tcp")["state"], "open");
  EXPECT_EQ(port_of(ports, 88, "tcp")["answered"], false);
}

TEST(PortsVerdict, NonServicePortsUnresponsiveOnlyWarn) {
  auto f = judge_ports("dc1", {{{"port", 135}, {"protocol", "tcp"}, {"state", "unresponsive"}}, {{"port", 88}, {"protocol", "tcp"}, {"state", "open"}}});
  EXPECT_EQ(f.status, FindingStatus::Warn);
}

namespace {

// A probe that retries silence gets its slow retry on top of the deadline; the run stays bounded.
// (In the anonymous namespace with SleepingProbe, its base: GCC reports a class outside it as
// -Wsubobject-linkage in a unity build.)
class RetryingProbe : public SleepingProbe {
 public:
  using SleepingProbe::SleepingProbe;
  milliseconds budget(const ProbeSettings& s) const override { return s.deadline + s.slow_retry; }
};

}  // namespace

TEST(ProbeEngine, AProbeThatRetriesSilenceHasItsSlowRetryOnTop) {
  std::vector<std::unique_ptr<Probe>> probes;
  probes.push_back(std::make_unique<RetryingProbe>("ports", milliseconds{600}));  // past the deadline, within its budget
  probes.push_back(std::make_unique<SleepingProbe>("clock", milliseconds{600}));   // past its deadline
  ProbeSettings settings;
  settings.deadline = milliseconds{300};
  settings.slow_retry = milliseconds{600};
  auto result = run_probes(std::move(probes), {}, settings);
  ASSERT_EQ(result.findings.size(), 2u);
  EXPECT_EQ(result.findings[0].status, FindingStatus::Ok) << result.findings[0].summary;
  EXPECT_EQ(result.findings[1].status, FindingStatus::Error);
  EXPECT_NE(result.findings[1].summary.find("300 ms deadline"), std::string::npos) << result.findings[1].summary;
}

TEST(ProbeEngine, TheRunBoundIsDiscoveryThenTheLongestBudget) {
  std::vector<std::unique_ptr<Probe>> probes;
  probes.push_back(std::make_unique<DiscoveryProbe>());
  probes.push_back(std::make_unique<RetryingProbe>("ports", milliseconds{1}));
  probes.push_back(std::make_unique<SleepingProbe>("clock", milliseconds{1}));
  ProbeSettings settings;  // 3000 ms deadline, 10000 ms slow retry, 300 ms grace per phase
  EXPECT_EQ(run_bound(probes, settings), milliseconds{3000 + 300 + 3000 + 10000 + 300});
  settings.slow_retry = milliseconds{0};
  EXPECT_EQ(run_bound(probes, settings), milliseconds{2 * (3000 + 300)});
  // And every real probe declares its budget: the ones that retry silence, deadline + slow retry.
  ProbeSettings defaults;
  auto all = make_probes({});
  ASSERT_TRUE(all.ok());
  for (const auto& p : all.value()) {
    const bool retries = p->name() == "ports" || p->name() == "ticket";
    EXPECT_EQ(p->budget(defaults), retries ? milliseconds{13000} : milliseconds{3000}) << p->name();
  }
}

TEST(ProbeSet, NamesAndWorstStatus) {
  EXPECT_TRUE(make_probes({}).ok());
  EXPECT_EQ(make_probes({}).value().size(), probe_names().size());
  for (const auto& name : probe_names()) EXPECT_TRUE(make_probes({name}).ok()) << name;
  auto bad = make_probes({"clock", "dnss"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("dnss"), std::string::npos);
  EXPECT_EQ(worst_status({{"a", "", FindingStatus::Ok, "", {}, ""}, {"b", "", FindingStatus::Warn, "", {}, ""}}), FindingStatus::Warn);
  EXPECT_EQ(worst_status({{"a", "", FindingStatus::Error, "", {}, ""}, {"b", "", FindingStatus::Fail, "", {}, ""}}), FindingStatus::Fail);
}

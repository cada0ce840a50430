// The rootDSE client against hostile loopback peers (refusing, silent,
// announcing an oversized reply), and against the Samba lab's DC1: currentTime, dnsHostName,
// a dropped/rejected 389, and DC1 restarted under libfaketime at +10 min.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "lab_env.hpp"
#include "probes/ldap/root_dse.hpp"
#include "tests/lab/lab_skip.hpp"
#include "tests/probes/deadline_timing.hpp"

namespace authwatch::probes {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

// A TCP server on 127.0.0.1 at a kernel-chosen port. `serve` gets each accepted connection.
class LoopbackTcpServer {
 public:
  explicit LoopbackTcpServer(std::function<void(int)> serve) : serve_(std::move(serve)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 4) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    port_ = ntohs(a.sin_port);
    if (serve_) thread_ = std::thread([this] { loop(); });
  }
  ~LoopbackTcpServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (int c : clients_) close(c);
    close(fd_);
  }
  uint16_t port() const { return port_; }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) != 1) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      clients_.push_back(c);
      serve_(c);
    }
  }
  std::function<void(int)> serve_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::vector<int> clients_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

uint16_t closed_loopback_port() {
  LoopbackTcpServer probe_port(nullptr);  // bound then closed: nothing listens there afterwards
  return probe_port.port();
}

TEST(RootDseClient, RefusedConnectionIsAnErrorNamingTheServer) {
  const uint16_t port = closed_loopback_port();
  auto t0 = steady_clock::now();
  auto dse = read_root_dse("127.0.0.1", port, 2000ms);
  ASSERT_FALSE(dse.ok());
  EXPECT_NE(dse.error().find("ldap://127.0.0.1:" + std::to_string(port)), std::string::npos) << dse.error();
  EXPECT_LT(elapsed_since(t0), 1000ms) << "a refusal must not wait for the timeout";
}

TEST(RootDseClient, SilentServerIsAnErrorByTheTimeout) {
  LoopbackTcpServer silent([](int) {});  // accepts, reads nothing, answers nothing
  auto t0 = steady_clock::now();
  auto dse = read_root_dse("127.0.0.1", silent.port(), 600ms);
  auto took = elapsed_since(t0);
  EXPECT_FALSE(dse.ok());
  EXPECT_GE(took, 500ms) << "it gave up before its timeout";
  EXPECT_LE(took, 600ms + kSlack);
}

TEST(RootDseClient, ReplyAnnouncingHundredsOfMegabytesIsRefusedAtOnce) {
  LoopbackTcpServer liar([](int c) {
    char request[512];
    (void)!recv(c, request, sizeof request, 0);
    // LDAPMessage of 0x10000000 bytes (256 MiB), message id 1, then a trickle of content.
    const unsigned char header[] = {0x30, 0x84, 0x10, 0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x64, 0x84, 0x0f, 0xff, 0xff, 0xf0};
    (void)!send(c, header, sizeof header, MSG_NOSIGNAL);
  });
  auto t0 = steady_clock::now();
  auto dse = read_root_dse("127.0.0.1", liar.port(), 3000ms);
  EXPECT_FALSE(dse.ok());
  EXPECT_LT(elapsed_since(t0), 1500ms) << "the size limit, not the timeout, should end it";
}

TEST(RootDseClient, GarbageReplyIsAnError) {
  LoopbackTcpServer garbage([](int c) {
    char request[512];
    (void)!recv(c, request, sizeof request, 0);
    const std::string junk = "220 smtp.example ESMTP ready\r\n";
    (void)!send(c, junk.data(), junk.size(), MSG_NOSIGNAL);
    shutdown(c, SHUT_WR);
  });
  auto dse = read_root_dse("127.0.0.1", garbage.port(), 2000ms);
  EXPECT_FALSE(dse.ok());
}

class RootDseLab : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!test::lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
  }
};

double offset_seconds(const RootDse& dse, system_clock::time_point sent, system_clock::time_point received) {
  // currentTime is truncated to the second: compare with the midpoint, plus half a second.
  return duration<double>(*dse.current_time - (sent + (received - sent) / 2)).count() + 0.5;
}

TEST_F(RootDseLab, Dc1GivesCurrentTimeAndItsNames) {
  auto sent = system_clock::now();
  auto dse = read_root_dse(test::dc_ip(1), 389, 2000ms);
  auto received = system_clock::now();
  ASSERT_TRUE(dse.ok()) << dse.error();
  ASSERT_TRUE(dse.value().current_time.has_value());
  EXPECT_LT(std::fabs(offset_seconds(dse.value(), sent, received)), 2.0);
  EXPECT_EQ(dse.value().dns_host_name, "dc1.lab.example");
  EXPECT_EQ(dse.value().default_naming_context, "DC=lab,DC=example");
  EXPECT_EQ(dse.value().configuration_naming_context, "CN=Configuration,DC=lab,DC=example");
  EXPECT_EQ(dse.value().server_name.rfind("CN=DC1,CN=Servers,", 0), 0u) << dse.value().server_name;
}

TEST_F(RootDseLab, DroppedLdapPortIsAnErrorByTheTimeout) {
  test::UnblockDc1OnExit unblock;
  ASSERT_EQ(test::lab_cmd("block 1 389"), 0);
  auto t0 = steady_clock::now();
  auto dse = read_root_dse(test::dc_ip(1), 389, 1000ms);
  auto took = elapsed_since(t0);
  EXPECT_FALSE(dse.ok());
  EXPECT_GE(took, 900ms);
  EXPECT_LE(took, 1000ms + kSlack);
}

TEST_F(RootDseLab, RejectedLdapPortIsAnErrorAtOnce) {
  test::UnblockDc1OnExit unblock;
  ASSERT_EQ(test::lab_cmd("reject 1 389"), 0);
  auto t0 = steady_clock::now();
  auto dse = read_root_dse(test::dc_ip(1), 389, 3000ms);
  EXPECT_FALSE(dse.ok());
  EXPECT_LT(elapsed_since(t0), 1000ms) << "a TCP reset must not wait for the timeout";
}

// Restarts DC1 normally when the test ends, so the lab is left healthy.
struct RestartDc1NormallyOnExit {
  ~RestartDc1NormallyOnExit() {
    unsetenv("ADLAB_FAKETIME_DC1");
    test::lab_cmd("restart 1");
  }
};

TEST_F(RootDseLab, Dc1UnderFaketimeIsTenMinutesAhead) {
  {
    RestartDc1NormallyOnExit restore;
    setenv("ADLAB_FAKETIME_DC1", "+10m", 1);
    ASSERT_EQ(test::lab_cmd("restart 1"), 0);
    unsetenv("ADLAB_FAKETIME_DC1");
    auto sent = system_clock::now();
    auto dse = read_root_dse(test::dc_ip(1), 389, 2000ms);
    auto received = system_clock::now();
    ASSERT_TRUE(dse.ok()) << dse.error();
    ASSERT_TRUE(dse.value().current_time.has_value());
    EXPECT_NEAR(offset_seconds(dse.value(), sent, received), 600.0, 5.0);
  }
  // And back: the restart without faketime gives the true time again.
  auto sent = system_clock::now();
  auto dse = read_root_dse(test::dc_ip(1), 389, 2000ms);
  auto received = system_clock::now();
  ASSERT_TRUE(dse.ok()) << dse.error();
  EXPECT_LT(std::fabs(offset_seconds(dse.value(), sent, received)), 2.0);
}

}  // namespace
}  // namespace authwatch::probes

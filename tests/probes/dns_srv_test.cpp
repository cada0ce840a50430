// DNS query packets against hand-derived bytes, the reply check on good/truncated/foreign
// datagrams, SRV lookups against a scripted DNS server on 127.0.0.1 (records, compression,
// NXDOMAIN, SERVFAIL, REFUSED, silence), and against the Samba lab's DC1 (records, a missing
// name, UDP 53 dropped or rejected, a raw query by a plain UDP socket).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <optional>
#include <thread>

#include "hex_bytes.hpp"
#include "lab_env.hpp"
#include "probes/dns_srv.hpp"
#include "tests/lab/lab_skip.hpp"
#include "tests/probes/deadline_timing.hpp"

namespace authwatch::probes {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

using test::hex;

// Header: id 12 34, flags 01 00 (standard query, RD), QDCOUNT 1, AN/NS/AR 0;
// question: 03 "lab" 07 "example" 00, QTYPE 00 01 (A), QCLASS 00 01 (IN).
const Bytes kQueryLabExample = hex("12 34 01 00 00 01 00 00 00 00 00 00 03 6c 61 62 07 65 78 61 6d 70 6c 65 00 00 01 00 01");

TEST(DnsQueryPacket, IsAStandardRecursiveAQuery) {
  EXPECT_EQ(make_dns_query("lab.example", 0x1234), kQueryLabExample);
  auto other = make_dns_query("lab.example.", 0xbeef);  // a trailing dot names the same
  ASSERT_EQ(other.size(), kQueryLabExample.size());
  EXPECT_EQ(other[0], 0xbe);
  EXPECT_EQ(other[1], 0xef);
  EXPECT_TRUE(std::equal(other.begin() + 2, other.end(), kQueryLabExample.begin() + 2));
}

TEST(DnsQueryPacket, InvalidNameGivesNoPacket) {
  EXPECT_TRUE(make_dns_query(std::string(64, 'a') + ".example", 1).empty()) << "a label over 63 octets";
  EXPECT_TRUE(make_dns_query("a..example", 1).empty());
}

// The reply to kQueryLabExample: flags 81 80 (response, RD, RA), one answer
// c0 0c (the question's name) A IN TTL 600 rdlength 4 198.18.77.11.
const Bytes kReplyLabExample = hex("12 34 81 80 00 01 00 01 00 00 00 00 03 6c 61 62 07 65 78 61 6d 70 6c 65 00 00 01 00 01"
                                   " c0 0c 00 01 00 01 00 00 02 58 00 04 c6 12 4d 0b");

TEST(DnsReplyCheck, AcceptsAWellFormedResponseWithOurId) {
  EXPECT_TRUE(is_dns_reply(kReplyLabExample, 0x1234));
  Bytes nxdomain = kQueryLabExample;  // no answers, rcode 3: still a DNS reply
  nxdomain[2] = 0x81, nxdomain[3] = 0x83;
  EXPECT_TRUE(is_dns_reply(nxdomain, 0x1234));
}

TEST(DnsReplyCheck, RejectsOtherIdsQueriesAndTruncations) {
  EXPECT_FALSE(is_dns_reply(kReplyLabExample, 0x1235));
  EXPECT_FALSE(is_dns_reply(kQueryLabExample, 0x1234)) << "QR clear: a query, not a reply";
  for (size_t n = 0; n < kReplyLabExample.size(); ++n)
    EXPECT_FALSE(is_dns_reply(Bytes(kReplyLabExample.begin(), kReplyLabExample.begin() + static_cast<long>(n)), 0x1234)) << n;
}

TEST(DnsReplyCheck, RejectsGarbageAndBadCounts) {
  EXPECT_FALSE(is_dns_reply(Bytes(12, 0), 0));
  EXPECT_FALSE(is_dns_reply(hex("30 0c 02 01 07 65 07 0a 01 00 04 00 04 00"), 0x300c)) << "an LDAP message";
  Bytes claims_more = kReplyLabExample;  // ANCOUNT 2 with one answer present
  claims_more[7] = 2;
  EXPECT_FALSE(is_dns_reply(claims_more, 0x1234));
  Bytes overlong_label = kReplyLabExample;  // first question label claims 48 octets
  overlong_label[12] = 0x30;
  EXPECT_FALSE(is_dns_reply(overlong_label, 0x1234));
}

// A DNS server on 127.0.0.1 at a kernel-chosen port: `answer` turns each query into a reply
// (nullopt: stay silent).
class ScriptedDnsServer {
 public:
  using Answer = std::function<std::optional<Bytes>(const Bytes& query)>;
  explicit ScriptedDnsServer(Answer answer) : answer_(std::move(answer)) {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      ADD_FAILURE() << "cannot bind 127.0.0.1";
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~ScriptedDnsServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int queries() const { return queries_; }

 private:
  void loop() {
    Bytes buf(4096);
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) != 1) continue;
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) continue;
      ++queries_;
      auto reply = answer_(Bytes(buf.begin(), buf.begin() + n));
      if (reply) sendto(fd_, reply->data(), reply->size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  Answer answer_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> queries_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The query's header and question with the response flags, rcode and answer count set.
Bytes reply_header(const Bytes& query, uint8_t rcode, uint16_t answers) {
  size_t end = 12;
  while (end < query.size() && query[end] != 0) end += query[end] + 1u;  // the question name
  end += 1 + 4;                                                          // root label, QTYPE, QCLASS
  Bytes reply(query.begin(), query.begin() + static_cast<long>(std::min(end, query.size())));
  reply[2] = 0x81;  // QR, RD
  reply[3] = static_cast<uint8_t>(0x80 | rcode);
  reply[6] = static_cast<uint8_t>(answers >> 8), reply[7] = static_cast<uint8_t>(answers);
  reply[8] = reply[9] = reply[10] = reply[11] = 0;  // no authority or additional records
  return reply;
}

void append_srv(Bytes& reply, uint16_t priority, uint16_t weight, uint16_t port, const Bytes& target) {
  const Bytes fixed = {0xc0, 0x0c, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58};  // name -> question, SRV, IN, TTL 600
  reply.insert(reply.end(), fixed.begin(), fixed.end());
  const uint16_t rdlength = static_cast<uint16_t>(6 + target.size());
  for (uint16_t v : {rdlength, priority, weight, port}) reply.push_back(static_cast<uint8_t>(v >> 8)), reply.push_back(static_cast<uint8_t>(v));
  reply.insert(reply.end(), target.begin(), target.end());
}

const std::string kLocator = "_ldap._tcp.dc._msdcs.lab.example";

TEST(SrvLookup, ReturnsRecordsSortedWithCompressedTargetsExpanded) {
  ScriptedDnsServer server([](const Bytes& q) -> std::optional<Bytes> {
    Bytes r = reply_header(q, 0, 3);
    append_srv(r, 10, 50, 3389, hex("03 64 63 32 03 6c 61 62 07 65 78 61 6d 70 6c 65 00"));  // dc2.lab.example
    // dc1 + pointer to "lab.example" inside the question: 12 + len(05_ldap 04_tcp 02dc 06_msdcs) = 33 = 0x21
    append_srv(r, 0, 100, 389, hex("03 64 63 31 c0 21"));
    append_srv(r, 5, 0, 0, hex("00"));  // "." : not available there
    return r;
  });
  auto records = query_srv(kLocator, server.address(), 2000ms);
  ASSERT_TRUE(records.ok()) << records.error();
  ASSERT_EQ(records.value().size(), 2u);
  EXPECT_EQ(records.value()[0].target, "dc1.lab.example");
  EXPECT_EQ(records.value()[0].port, 389);
  EXPECT_EQ(records.value()[0].priority, 0);
  EXPECT_EQ(records.value()[0].weight, 100);
  EXPECT_EQ(records.value()[1].target, "dc2.lab.example");
  EXPECT_EQ(records.value()[1].port, 3389);
  EXPECT_EQ(records.value()[1].priority, 10);
}

TEST(SrvLookup, NxdomainAndNoDataAreEmptyNotErrors) {
  ScriptedDnsServer nxdomain([](const Bytes& q) -> std::optional<Bytes> { return reply_header(q, 3, 0); });
  auto none = query_srv(kLocator, nxdomain.address(), 2000ms);
  ASSERT_TRUE(none.ok()) << none.error();
  EXPECT_TRUE(none.value().empty());
  ScriptedDnsServer nodata([](const Bytes& q) -> std::optional<Bytes> { return reply_header(q, 0, 0); });
  auto empty = query_srv(kLocator, nodata.address(), 2000ms);
  ASSERT_TRUE(empty.ok()) << empty.error();
  EXPECT_TRUE(empty.value().empty());
}

TEST(SrvLookup, ServfailAndRefusedAreErrorsWithoutWaitingForTheTimeout) {
  for (uint8_t rcode : {uint8_t{2}, uint8_t{5}}) {
    ScriptedDnsServer failing([rcode](const Bytes& q) -> std::optional<Bytes> { return reply_header(q, rcode, 0); });
    auto t0 = steady_clock::now();
    auto r = query_srv(kLocator, failing.address(), 3000ms);
    EXPECT_FALSE(r.ok()) << "rcode " << int(rcode);
    EXPECT_LT(elapsed_since(t0), 1000ms) << "rcode " << int(rcode);
    EXPECT_GE(failing.queries(), 1);
  }
}

TEST(SrvLookup, SilentServerIsAnErrorByTheTimeout) {
  ScriptedDnsServer silent([](const Bytes&) -> std::optional<Bytes> { return std::nullopt; });
  auto t0 = steady_clock::now();
  auto r = query_srv(kLocator, silent.address(), 1000ms);
  auto took = elapsed_since(t0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("no reply"), std::string::npos) << r.error();
  EXPECT_GE(took, 900ms);
  EXPECT_LE(took, 1000ms + kSlack);
  EXPECT_EQ(silent.queries(), 1) << "one attempt only: the timeout covers the whole call";
}

TEST(SrvLookup, MalformedSrvRecordIsAnError) {
  ScriptedDnsServer broken([](const Bytes& q) -> std::optional<Bytes> {
    Bytes r = reply_header(q, 0, 1);
    append_srv(r, 0, 0, 389, hex("03 64 63 31 c0 ff"));  // pointer past the end of the message
    return r;
  });
  auto r = query_srv(kLocator, broken.address(), 2000ms);
  EXPECT_FALSE(r.ok());
}

TEST(SrvLookup, RejectsServersThatAreNotIpv4Addresses) {
  for (const char* bad : {"dc1.lab.example", "::1", "127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:x"}) {
    auto r = query_srv(kLocator, bad, 1000ms);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().find("IPv4"), std::string::npos) << r.error();
  }
}

class DnsLab : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!test::lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
  }
};

TEST_F(DnsLab, Dc1ListsItselfForTheDcLocator) {
  auto records = query_srv(kLocator, test::dc_ip(1), 2000ms);
  ASSERT_TRUE(records.ok()) << records.error();
  ASSERT_FALSE(records.value().empty());
  EXPECT_EQ(records.value()[0].target, "dc1.lab.example");
  EXPECT_EQ(records.value()[0].port, 389);
  auto kerberos = query_srv("_kerberos._tcp.lab.example", test::dc_ip(1), 2000ms);
  ASSERT_TRUE(kerberos.ok()) << kerberos.error();
  ASSERT_FALSE(kerberos.value().empty());
  EXPECT_EQ(kerberos.value()[0].port, 88);
}

TEST_F(DnsLab, NameThatDoesNotExistIsEmpty) {
  auto records = query_srv("_ldap._tcp.nosuchsite._sites.dc._msdcs.lab.example", test::dc_ip(1), 2000ms);
  ASSERT_TRUE(records.ok()) << records.error();
  EXPECT_TRUE(records.value().empty());
}

TEST_F(DnsLab, DroppedDnsPortIsAnErrorByTheTimeout) {
  test::UnblockDc1OnExit unblock;
  ASSERT_EQ(test::lab_cmd("block 1 53"), 0);
  auto t0 = steady_clock::now();
  auto records = query_srv(kLocator, test::dc_ip(1), 1000ms);
  auto took = elapsed_since(t0);
  ASSERT_FALSE(records.ok());
  EXPECT_LE(took, 1000ms + kSlack);
  EXPECT_GE(took, 900ms);
}

TEST_F(DnsLab, RejectedDnsPortIsAnErrorAtOnce) {
  test::UnblockDc1OnExit unblock;
  ASSERT_EQ(test::lab_cmd("reject 1 53"), 0);
  auto t0 = steady_clock::now();
  auto records = query_srv(kLocator, test::dc_ip(1), 3000ms);
  ASSERT_FALSE(records.ok());
  EXPECT_LT(elapsed_since(t0), 1000ms) << records.error();
}

TEST_F(DnsLab, RawQueryFromAPlainSocketGetsAValidReply) {
  const uint16_t id = 0x6a6b;
  auto reply = test::udp_round_trip(test::dc_ip(1), 53, make_dns_query("dc1.lab.example", id), 2000ms);
  ASSERT_FALSE(reply.empty()) << "no DNS reply from " << test::dc_ip(1);
  EXPECT_TRUE(is_dns_reply(reply, id));
  EXPECT_FALSE(is_dns_reply(reply, id + 1));
  ASSERT_GE(reply.size(), 12u);
  EXPECT_EQ(reply[3] & 0x0f, 0) << "rcode NOERROR";
  EXPECT_GE(reply[7], 1) << "at least one answer for dc1.lab.example";
}

}  // namespace
}  // namespace authwatch::probes

// msDS-ReplAllInboundNeighbors values (DS_REPL_NEIGHBOR XML): the documented shape
// (tests/data/ldap/ds-repl-neighbor-*.xml, docs/domain.md §7), the never-synced form, the trailing
// NUL, and malformed values whose errors must name what is wrong.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "probes/ldap/repl_neighbor.hpp"

namespace authwatch::probes::ldap {
namespace {

using namespace std::chrono;

std::string data(const std::string& name) {
  std::ifstream in(std::string(AUTHWATCH_TEST_DATA) + "/ldap/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing test data ldap/" << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TimePoint utc(int y, unsigned m, unsigned d, int h, int min, int s) {
  return TimePoint{sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{min} + seconds{s}};
}

TEST(ReplNeighborXml, ReadsAHealthyNeighbor) {
  auto r = parse_repl_neighbor_xml(data("ds-repl-neighbor-ok.xml"));
  ASSERT_TRUE(r) << r.error();
  const auto& n = r.value();
  EXPECT_EQ(n.naming_context, "DC=lab,DC=example");
  EXPECT_EQ(n.source_dsa_dn, "CN=NTDS Settings,CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=lab,DC=example");
  EXPECT_EQ(n.source_address, "2e98f0e7-58a0-4ae0-bdce-0362a9f26a95._msdcs.lab.example");
  EXPECT_EQ(n.source_dsa_guid, "2e98f0e7-58a0-4ae0-bdce-0362a9f26a95");
  EXPECT_EQ(n.replica_flags, 116u);
  EXPECT_EQ(n.usn_synced, 4134u);
  EXPECT_EQ(n.last_success, utc(2026, 11, 28, 15, 29, 42));
  EXPECT_EQ(n.last_attempt, utc(2026, 11, 28, 15, 29, 42));
  EXPECT_EQ(n.last_result, 0u);
  EXPECT_EQ(n.consecutive_failures, 0u);
}

TEST(ReplNeighborXml, ReadsAFailingNeighborEndingInNul) {
  const std::string value = data("ds-repl-neighbor-failing-1722.xml");
  ASSERT_EQ(value.back(), '\0');
  auto r = parse_repl_neighbor_xml(value);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r.value().last_result, 1722u);
  EXPECT_EQ(r.value().consecutive_failures, 8u);
  EXPECT_EQ(r.value().last_success, utc(2026, 11, 28, 15, 23, 27));
  EXPECT_EQ(r.value().last_attempt, utc(2026, 11, 28, 15, 29, 20));
}

TEST(ReplNeighborXml, The1601EpochMeansNever) {
  auto r = parse_repl_neighbor_xml(data("ds-repl-neighbor-never.xml"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r.value().last_success, std::nullopt);
  EXPECT_EQ(r.value().last_attempt, std::nullopt);
  EXPECT_EQ(r.value().naming_context, "CN=Schema,CN=Configuration,DC=lab,DC=example");
}

std::string neighbor(const std::string& body) { return "<DS_REPL_NEIGHBOR>" + body + "</DS_REPL_NEIGHBOR>"; }
const std::string kNc = "<pszNamingContext>DC=a,DC=b</pszNamingContext><pszSourceDsaAddress>x._msdcs.a.b</pszSourceDsaAddress>";
const std::string kStatus = "<dwLastSyncResult>0</dwLastSyncResult><cNumConsecutiveSyncFailures>0</cNumConsecutiveSyncFailures>";

TEST(ReplNeighborXml, AcceptsTheOszNamesAndASignedHresult) {
  auto r = parse_repl_neighbor_xml(
      "<DS_REPL_NEIGHBORW><oszNamingContext>DC=a,DC=b</oszNamingContext><oszSourceDsaDN>CN=NTDS Settings,CN=DC9,CN=Servers</oszSourceDsaDN>"
      "<dwLastSyncResult>-2146893022</dwLastSyncResult><cNumConsecutiveSyncFailures>3</cNumConsecutiveSyncFailures>"
      "<ftimeLastSyncAttempt>2026-01-02T03:04:05Z</ftimeLastSyncAttempt></DS_REPL_NEIGHBORW>");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r.value().naming_context, "DC=a,DC=b");
  EXPECT_EQ(r.value().source_dsa_dn, "CN=NTDS Settings,CN=DC9,CN=Servers");
  EXPECT_EQ(r.value().last_result, 0x80090322u);  // SEC_E_WRONG_PRINCIPAL
  EXPECT_EQ(r.value().last_success, std::nullopt);  // absent = never
  EXPECT_EQ(r.value().last_attempt, utc(2026, 1, 2, 3, 4, 5));
}

TEST(ReplNeighborXml, MalformedValuesAreRefusedWithTheElementNamed) {
  struct Case {
    std::string value, mentions;
  };
  const std::vector<Case> cases = {
      {"", "not XML"},
      {"not xml at all", "not XML"},
      {"<DS_REPL_NEIGHBOR><pszNamingContext>DC=a", "not XML"},
      {"<DS_REPL_KCC_DSA_FAILURE/>", "root element <DS_REPL_KCC_DSA_FAILURE>"},
      {neighbor(kStatus), "no <pszNamingContext>"},
      {neighbor("<pszNamingContext>DC=a,DC=b</pszNamingContext>" + kStatus), "neither <pszSourceDsaDN>"},
      {neighbor(kNc + "<cNumConsecutiveSyncFailures>0</cNumConsecutiveSyncFailures>"), "no <dwLastSyncResult>"},
      {neighbor(kNc + "<dwLastSyncResult>0</dwLastSyncResult>"), "no <cNumConsecutiveSyncFailures>"},
      {neighbor(kNc + "<dwLastSyncResult>12x</dwLastSyncResult><cNumConsecutiveSyncFailures>0</cNumConsecutiveSyncFailures>"),
       "<dwLastSyncResult> is not a number: '12x'"},
      {neighbor(kNc + "<dwLastSyncResult>99999999999</dwLastSyncResult><cNumConsecutiveSyncFailures>0</cNumConsecutiveSyncFailures>"),
       "<dwLastSyncResult> is not a number"},
      {neighbor(kNc + kStatus + "<usnLastObjChangeSynced>-5</usnLastObjChangeSynced>"), "<usnLastObjChangeSynced> is not a number"},
      {neighbor(kNc + kStatus + "<ftimeLastSyncSuccess>yesterday</ftimeLastSyncSuccess>"),
       "<ftimeLastSyncSuccess> is not a time: 'yesterday'"},
  };
  for (const auto& c : cases) {
    auto r = parse_repl_neighbor_xml(c.value);
    ASSERT_FALSE(r) << "accepted: " << c.value;
    EXPECT_NE(r.error().find(c.mentions), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("msDS-ReplAllInboundNeighbors"), std::string::npos) << r.error();
  }
}

}  // namespace
}  // namespace authwatch::probes::ldap

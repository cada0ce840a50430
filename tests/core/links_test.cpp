// Links between servers (issue 14): each side's incidents, resolved to one directed pair.
#include <gtest/gtest.h>

#include <set>

#include "core/links.hpp"
#include "tests/core/scenario_time.hpp"

using namespace authwatch;
using authwatch::test::T0;

namespace {

LinkEvidence incident(std::string db, int64_t id, std::string observer, Direction d, std::string peer, std::string peer_name,
                      IncidentStatus status = IncidentStatus::Resolved, int first_minute = 0, int last_minute = 10) {
  LinkEvidence e;
  e.db = std::move(db);
  e.incident.id = id;
  e.incident.observer = std::move(observer);
  e.incident.direction = d;
  e.incident.peer = std::move(peer);
  e.incident.peer_name = std::move(peer_name);
  e.incident.status = status;
  e.incident.first_seen = T0 + std::chrono::minutes{first_minute};
  e.incident.last_seen = T0 + std::chrono::minutes{last_minute};
  return e;
}

}  // namespace

TEST(Links, TheSendersOutboundAndTheReceiversInboundAreOneLink) {
  auto out = incident("ex1.db", 3, "ex1.contoso.com", Direction::Outbound, "10.0.0.2", "ex2.contoso.com", IncidentStatus::Resolved, 2, 17);
  out.causes.push_back({"spn-missing", "spn", "SMTPSVC/ex2.contoso.com", {}, "setspn", 0.8, ""});
  auto in = incident("ex2.db", 1, "ex2.contoso.com", Direction::Inbound, "10.0.0.1", "ex1.contoso.com", IncidentStatus::Open, 0, 12);
  auto links = build_links({out, in}, {});
  ASSERT_EQ(links.size(), 1u);
  const auto& l = links.front();
  EXPECT_EQ(l.from, "ex1.contoso.com");
  EXPECT_EQ(l.to, "ex2.contoso.com");
  EXPECT_EQ(l.status, IncidentStatus::Open) << "open while either side's incident is";
  EXPECT_EQ(l.seen_by, (std::vector<std::string>{"ex1.contoso.com", "ex2.contoso.com"}));
  EXPECT_TRUE(l.seen_by_from);
  EXPECT_TRUE(l.seen_by_to);
  ASSERT_EQ(l.incidents.size(), 2u);
  EXPECT_EQ(l.first_seen, T0);
  EXPECT_EQ(l.last_seen, T0 + std::chrono::minutes{17});
  ASSERT_EQ(l.causes.size(), 1u);
  EXPECT_EQ(l.causes[0].seen_by, "ex1.contoso.com");
  EXPECT_EQ(l.causes[0].incident, 3);
}

TEST(Links, PeersKnownOnlyByAddressAreResolvedThroughTheObserversOwnAddresses) {
  // A 1035 names only the sender's address; EX1's own send log (or its monitor) says 10.0.0.1 is EX1.
  auto in = incident("ex2.db", 1, "ex2.contoso.com", Direction::Inbound, "10.0.0.1", "");
  auto out = incident("ex1.db", 4, "EX1", Direction::Outbound, "10.0.0.2", "");
  auto links = build_links({in, out}, {{"ex1.contoso.com", {"10.0.0.1"}}, {"ex2.contoso.com", {"10.0.0.2", "2001:db8::2"}}});
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].from, "ex1.contoso.com") << "the FQDN an observer gave itself";
  EXPECT_EQ(links[0].to, "ex2.contoso.com");
  EXPECT_EQ(links[0].seen_by.size(), 2u);

  // Without the observers' word the address stays an address: two links, never a guess.
  auto unresolved = build_links({in, out}, {});
  ASSERT_EQ(unresolved.size(), 2u);
}

TEST(Links, DirectionsAndPeersStaySeparate) {
  auto links = build_links({incident("a", 1, "ex1.contoso.com", Direction::Outbound, "10.0.0.2", "ex2.contoso.com"),
                            incident("a", 2, "ex2.contoso.com", Direction::Outbound, "10.0.0.1", "ex1.contoso.com"),
                            incident("a", 3, "ex1.contoso.com", Direction::Outbound, "10.0.0.3", "ex3.contoso.com")},
                           {});
  ASSERT_EQ(links.size(), 3u);
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& l : links) pairs.insert({l.from, l.to});
  EXPECT_TRUE(pairs.count({"ex1.contoso.com", "ex2.contoso.com"}));
  EXPECT_TRUE(pairs.count({"ex2.contoso.com", "ex1.contoso.com"}));
  EXPECT_TRUE(pairs.count({"ex1.contoso.com", "ex3.contoso.com"}));
}

TEST(Links, AnUnknownPeerIsALinkPerPlaceItWasSeen) {
  auto a = incident("a", 1, "ex1.contoso.com", Direction::Outbound, std::string(kUnknownPeer), "");
  a.incident.peer_context = "EX1\\12 -> site:default-first-site-name; version:15";
  auto b = incident("a", 2, "ex1.contoso.com", Direction::Outbound, std::string(kUnknownPeer), "");
  b.incident.peer_context = "EX1\\13 -> site:remote; version:15";
  auto links = build_links({a, b}, {});
  ASSERT_EQ(links.size(), 2u);
  for (const auto& l : links) {
    EXPECT_EQ(l.to, "unknown");
    EXPECT_FALSE(l.context.empty());
  }
}

TEST(Links, OpenLinksComeFirstThenTheLatest) {
  auto links = build_links({incident("a", 1, "ex1.contoso.com", Direction::Outbound, "10.0.0.2", "", IncidentStatus::Resolved, 0, 50),
                            incident("a", 2, "ex1.contoso.com", Direction::Outbound, "10.0.0.3", "", IncidentStatus::Open, 0, 5)},
                           {});
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].to, "10.0.0.3");
}

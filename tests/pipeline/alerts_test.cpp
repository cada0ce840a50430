// The alert texts (pipeline/alerts.hpp): an alert carries the incident as the CLI prints it, and its
// message reads payloads of both shapes the outbox may hold: "" for an unknown name (alerts stored
// before 2026-12-08) and null (since).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "pipeline/alerts.hpp"

using namespace authwatch;

namespace {

Incident unknown_peer_incident() {
  Incident i;
  i.id = 7;
  i.direction = Direction::Outbound;
  i.peer = "unknown";
  i.peer_context = "queue EX1\\123 (site:branch-site)";
  i.first_seen = i.last_seen = *parse_iso8601("2026-12-08T01:00:00Z");
  i.signal_count = 3;
  return i;
}

TEST(Alerts, TheIncidentIsCarriedAsTheCliPrintsItWithUnknownTextsNull) {
  const auto a = pipeline::incident_opened_alert(unknown_peer_incident(), *parse_iso8601("2026-12-08T01:00:05Z"));
  const auto& j = a.payload.at("incident");
  EXPECT_EQ(j.at("peer"), "unknown");
  EXPECT_EQ(j.at("peer_context"), "queue EX1\\123 (site:branch-site)") << "the context says which queue, for a peer nobody knows";
  EXPECT_TRUE(j.at("peer_name").is_null());
  EXPECT_TRUE(j.at("observer").is_null());
  EXPECT_TRUE(j.at("resolved_at").is_null()) << "open";
  EXPECT_EQ(j.at("direction"), "outbound");
  EXPECT_EQ(pipeline::alert_message(a),
            "Exchange authentication failures to unknown (queue EX1\\123 (site:branch-site)): incident 7 opened (454 4.7.0, first seen "
            "2026-12-08T01:00:00.000Z)")
      << "the message names the queue when the server is not known";
}

TEST(Alerts, TheMessageReadsAnOlderPayloadWithEmptyTextsAndANamedPeer) {
  storage::AlertRecord old;
  old.kind = "incident-resolved";
  old.payload = nlohmann::json::parse(R"({"incident":{"id":3,"direction":"inbound","peer":"10.0.0.5","peer_name":"",
      "observer":"","status":"resolved","first_seen":"2026-12-01T10:00:00Z","last_seen":"2026-12-01T10:05:00Z","signal_count":4}})");
  EXPECT_EQ(pipeline::alert_message(old), "Exchange authentication from 10.0.0.5 recovered: incident 3 resolved after 4 failure signal(s)");
  old.payload["incident"]["peer_name"] = "ex2.contoso.com";
  EXPECT_EQ(pipeline::alert_message(old), "Exchange authentication from 10.0.0.5 (ex2.contoso.com) recovered: incident 3 resolved after 4 failure signal(s)");
  old.payload["incident"]["peer_name"] = nullptr;
  EXPECT_EQ(pipeline::alert_message(old), "Exchange authentication from 10.0.0.5 recovered: incident 3 resolved after 4 failure signal(s)");
}

}  // namespace

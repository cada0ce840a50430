// The Kerberos LogLevel switch decision (core/kerberos_logging_switch): when to switch on, extend,
// revert, and the stored pending state's text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/kerberos_logging_switch.hpp"
#include "core/time.hpp"
#include "tests/core/scenario_time.hpp"

using namespace authwatch;
using authwatch::test::at;
using Action = KerberosLoggingDecision::Action;
using ::testing::HasSubstr;

namespace {

const KerberosLoggingSettings kAllowed{true, std::chrono::minutes(30)};
const KerberosLoggingSettings kNotAllowed{false, std::chrono::minutes(30)};

TEST(KerberosLoggingSwitch, IncidentOpenSwitchesOnAndRemembersTheOriginalValue) {
  auto d = decide_kerberos_logging(kAllowed, std::nullopt, true, 0u, at("2026-11-28T10:00:00Z"));
  EXPECT_EQ(d.action, Action::Enable);
  ASSERT_TRUE(d.pending);
  EXPECT_EQ(d.pending->original, std::optional<uint32_t>(0));
  EXPECT_EQ(d.pending->revert_at, at("2026-11-28T10:30:00Z"));
}

TEST(KerberosLoggingSwitch, AnAbsentValueIsRememberedAsAbsentNotZero) {
  auto d = decide_kerberos_logging(kAllowed, std::nullopt, true, std::nullopt, at("2026-11-28T10:00:00Z"));
  ASSERT_EQ(d.action, Action::Enable);
  ASSERT_TRUE(d.pending);
  EXPECT_FALSE(d.pending->original.has_value());
  // Stored and read back, it is still "absent" (null), so the revert deletes the value.
  auto back = KerberosLoggingPending::from_json(d.pending->to_json());
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_FALSE(back.value().original.has_value());
  EXPECT_EQ(decide_kerberos_logging(kAllowed, back.value(), false, 1u, at("2026-11-28T10:30:00Z")).action, Action::Revert);
}

TEST(KerberosLoggingSwitch, NothingWithoutAnIncidentOrWhenNotAllowed) {
  EXPECT_EQ(decide_kerberos_logging(kAllowed, std::nullopt, false, 0u, at("2026-11-28T10:00:00Z")).action, Action::None);
  EXPECT_EQ(decide_kerberos_logging(kNotAllowed, std::nullopt, true, 0u, at("2026-11-28T10:00:00Z")).action, Action::None);
  EXPECT_FALSE(KerberosLoggingSettings{}.on_incident) << "writing to a production registry must be opt-in";
}

TEST(KerberosLoggingSwitch, AlreadyOnByTheAdministratorIsLeftAlone) {
  auto d = decide_kerberos_logging(kAllowed, std::nullopt, true, 1u, at("2026-11-28T10:00:00Z"));
  EXPECT_EQ(d.action, Action::None);
  EXPECT_FALSE(d.pending);
  EXPECT_THAT(d.reason, HasSubstr("already on"));
}

TEST(KerberosLoggingSwitch, RevertsWhenTheWindowEndsNotBefore) {
  const KerberosLoggingPending pending{3u, at("2026-11-28T10:30:00Z")};
  auto before = decide_kerberos_logging(kAllowed, pending, false, 1u, at("2026-11-28T10:29:59Z"));
  EXPECT_EQ(before.action, Action::None);
  EXPECT_EQ(before.pending, std::optional<KerberosLoggingPending>(pending)) << "still pending: kept as stored";
  auto due = decide_kerberos_logging(kAllowed, pending, false, 1u, at("2026-11-28T10:30:00Z"));
  EXPECT_EQ(due.action, Action::Revert);
  EXPECT_FALSE(due.pending) << "nothing pending after the revert";
  EXPECT_THAT(due.reason, HasSubstr("back to 3"));
}

TEST(KerberosLoggingSwitch, RevertIsOwedEvenWhenTheConfigNoLongerAllowsTheSwitch) {
  // Crash, the administrator turns the feature off, restart: the registry must still come back.
  const KerberosLoggingPending pending{0u, at("2026-11-28T10:30:00Z")};
  EXPECT_EQ(decide_kerberos_logging(kNotAllowed, pending, false, 1u, at("2026-11-28T12:00:00Z")).action, Action::Revert);
  EXPECT_EQ(decide_kerberos_logging(kNotAllowed, pending, true, 1u, at("2026-11-28T12:00:00Z")).action, Action::Revert);
}

TEST(KerberosLoggingSwitch, AnotherIncidentExtendsTheWindowKeepingTheFirstOriginal) {
  const KerberosLoggingPending pending{0u, at("2026-11-28T10:30:00Z")};
  // LogLevel is 1 now (our own switch); the original stays 0.
  auto d = decide_kerberos_logging(kAllowed, pending, true, 1u, at("2026-11-28T10:20:00Z"));
  ASSERT_EQ(d.action, Action::Extend);
  ASSERT_TRUE(d.pending);
  EXPECT_EQ(d.pending->original, std::optional<uint32_t>(0));
  EXPECT_EQ(d.pending->revert_at, at("2026-11-28T10:50:00Z"));
  // A shorter configured window never shortens a pending one.
  auto shorter = decide_kerberos_logging({true, std::chrono::minutes(1)}, pending, true, 1u, at("2026-11-28T10:20:00Z"));
  ASSERT_TRUE(shorter.pending);
  EXPECT_EQ(shorter.pending->revert_at, at("2026-11-28T10:30:00Z"));
}

TEST(KerberosLoggingSwitch, PendingStateRoundTripsThroughItsStoredText) {
  for (const KerberosLoggingPending& p : {KerberosLoggingPending{0u, at("2026-11-28T10:30:00Z")},
                                          KerberosLoggingPending{std::nullopt, at("2026-11-28T10:30:00.123Z")},
                                          KerberosLoggingPending{4294967295u, at("2026-11-28T10:30:00Z")}}) {
    auto back = KerberosLoggingPending::from_json(p.to_json());
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(back.value(), p);
  }
  EXPECT_THAT((KerberosLoggingPending{std::nullopt, at("2026-11-28T10:30:00Z")}.to_json()), HasSubstr("\"original\":null"));
}

TEST(KerberosLoggingSwitch, BadStoredTextIsAClearError) {
  auto not_json = KerberosLoggingPending::from_json("{oops");
  ASSERT_FALSE(not_json.ok());
  EXPECT_THAT(not_json.error(), HasSubstr("{oops"));
  auto bad_level = KerberosLoggingPending::from_json(R"({"original":-1,"revert_at":"2026-11-28T10:30:00Z"})");
  ASSERT_FALSE(bad_level.ok());
  EXPECT_THAT(bad_level.error(), HasSubstr("original"));
  auto bad_time = KerberosLoggingPending::from_json(R"({"original":null,"revert_at":"tomorrow"})");
  ASSERT_FALSE(bad_time.ok());
  EXPECT_THAT(bad_time.error(), HasSubstr("ISO 8601"));
}

}  // namespace

TEST(KerberosLoggingPendingJson, AMissingOrOutOfRangeOriginalIsAnErrorNotAGuess) {
  auto missing = KerberosLoggingPending::from_json(R"({"revert_at": "2026-11-28T21:00:00Z"})");
  ASSERT_FALSE(missing) << "reading it as 'absent' would delete the administrator's value on revert";
  EXPECT_NE(missing.error().find("no original value"), std::string::npos) << missing.error();
  auto huge = KerberosLoggingPending::from_json(R"({"original": 8589934593, "revert_at": "2026-11-28T21:00:00Z"})");
  ASSERT_FALSE(huge) << "cut to 32 bits it would restore 1";
  EXPECT_NE(huge.error().find("not a 32-bit number"), std::string::npos) << huge.error();
}

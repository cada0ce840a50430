#pragma once
// Windows writes the Kerberos errors behind a 454 4.7.0 (KRB_AP_ERR_SKEW, KDC_ERR_S_PRINCIPAL_UNKNOWN,
// KRB_AP_ERR_MODIFIED ...) to the System log only while the LogLevel registry value is 1, and
// LogLevel=1 is too noisy to leave on (docs/domain.md §1.6). So, when configured, the monitor turns it on
// when an incident opens, for a window, and turns it back to what it was. The pending revert is
// stored before the value is written, so a crash or a restart never leaves it on: the next monitor
// reverts it when its time has come. What the value was before AuthWatch touched it is restored
// exactly: an absent value is deleted again, not set to 0; a value an administrator set to 1 is
// never touched. This is the decision, pure; service/win/kerberos_logging_switch.cpp applies it.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace authwatch {

struct KerberosLoggingSettings {
  bool on_incident = false;  // opt-in: it writes to the registry of a production server
  std::chrono::seconds window{30 * 60};
};

// Stored while AuthWatch has LogLevel on.
struct KerberosLoggingPending {
  std::optional<uint32_t> original;  // the value before (nullopt: there was none)
  TimePoint revert_at{};
  bool operator==(const KerberosLoggingPending&) const = default;
  std::string to_json() const;
  static Result<KerberosLoggingPending> from_json(const std::string& text);
};

struct KerberosLoggingDecision {
  enum class Action { None, Enable, Extend, Revert } action = Action::None;
  // What to store after acting (for Enable and Extend); nullopt after a Revert (or nothing pending).
  std::optional<KerberosLoggingPending> pending;
  std::string reason;  // for the log
};

// `current`: the LogLevel value now (nullopt: absent), read only when it matters.
KerberosLoggingDecision decide_kerberos_logging(const KerberosLoggingSettings& settings,
                                                const std::optional<KerberosLoggingPending>& pending, bool incident_opened,
                                                std::optional<uint32_t> current, TimePoint now);

}  // namespace authwatch

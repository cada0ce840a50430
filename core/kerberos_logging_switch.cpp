#include "core/kerberos_logging_switch.hpp"

#include <nlohmann/json.hpp>

#include "core/time.hpp"

namespace authwatch {

std::string KerberosLoggingPending::to_json() const {
  return nlohmann::json{{"original", original ? nlohmann::json(*original) : nlohmann::json(nullptr)},
                        {"revert_at", format_iso8601(revert_at)}}
      .dump();
}

Result<KerberosLoggingPending> KerberosLoggingPending::from_json(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("revert_at") || !j["revert_at"].is_string())
    return Error{"stored Kerberos logging state is not {original, revert_at}: " + text};
  KerberosLoggingPending p;
  auto when = parse_iso8601(j["revert_at"].get<std::string>());
  if (!when) return Error{"stored Kerberos logging revert time is not ISO 8601: " + text};
  p.revert_at = *when;
  // "original" must be there: guessing "absent" would delete an administrator's value on revert.
  if (!j.contains("original")) return Error{"stored Kerberos logging state has no original value: " + text};
  const auto& original = j["original"];
  if (original.is_number_unsigned() && original.get<uint64_t>() <= UINT32_MAX) p.original = original.get<uint32_t>();
  else if (!original.is_null()) return Error{"stored Kerberos logging original value is not a 32-bit number or null: " + text};
  return p;
}

KerberosLoggingDecision decide_kerberos_logging(const KerberosLoggingSettings& settings,
                                                const std::optional<KerberosLoggingPending>& pending, bool incident_opened,
                                                std::optional<uint32_t> current, TimePoint now) {
  using Action = KerberosLoggingDecision::Action;
  if (pending) {
    if (incident_opened && settings.on_incident) {
      // Another incident while it is on: keep it on for the new one's window too.
      KerberosLoggingPending longer = *pending;
      longer.revert_at = std::max(pending->revert_at, now + settings.window);
      return {Action::Extend, longer, "another incident opened: Kerberos logging stays on until " + format_iso8601(longer.revert_at)};
    }
    if (now >= pending->revert_at)
      return {Action::Revert, std::nullopt,
              "the Kerberos logging window ended: LogLevel back to " +
                  (pending->original ? std::to_string(*pending->original) : std::string("absent (Windows' default)"))};
    return {Action::None, pending, ""};
  }
  if (!incident_opened || !settings.on_incident) return {Action::None, std::nullopt, ""};
  if (current && *current != 0)
    return {Action::None, std::nullopt, "Kerberos logging is already on (LogLevel " + std::to_string(*current) + "): left as it is"};
  return {Action::Enable, KerberosLoggingPending{current, now + settings.window},
          "an incident opened: Kerberos logging on (LogLevel 1) until " + format_iso8601(now + settings.window)};
}

}  // namespace authwatch

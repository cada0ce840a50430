#include "core/evidence_causes.hpp"

#include <algorithm>
#include <set>

namespace authwatch {
namespace {

struct NamedCause {
  std::string_view status;  // the signal status that names it
  std::string_view cause;
  std::string_view kb_step;
  std::string_view summary;
  std::string_view fix;
};

// Rows, as in core/diagnosis_rules.cpp.
constexpr NamedCause kNamedCauses[] = {
    {"CannotLoadInternalTransportCertificate", "transport-certificate", "connector",
     "This server cannot load its Internal Transport Certificate (451 5.7.3), without which Exchange server "
     "authentication cannot start",
     "On this server: `Get-ExchangeCertificate | Format-List Thumbprint,Services,NotAfter,Subject,HasPrivateKey` — the "
     "Internal Transport Certificate is the self-signed one with SMTP among its Services and the server's name as Subject; "
     "if it is missing or expired, `New-ExchangeCertificate` (self-signed, SMTP; answer Yes to replace the default SMTP "
     "certificate), check that Network Service can read its private key, then `Restart-Service MSExchangeTransport`"},
};

}  // namespace

std::vector<Cause> causes_named_by_signals(const std::vector<Signal>& signals) {
  std::vector<Cause> out;
  for (const auto& row : kNamedCauses) {
    Cause cause;
    std::set<std::string> records;
    for (const auto& s : signals) {
      if (s.signal_class != SignalClass::Fault || s.status != row.status) continue;
      records.insert(s.event_key.empty() ? s.key : s.event_key);
      cause.evidence.push_back({{"probe", "evidence"},
                                {"target", s.rule},
                                {"status", "fail"},
                                {"role", "shows"},
                                {"time", format_iso8601(s.time)},
                                {"text", s.reply.empty() ? s.status : s.reply}});
    }
    if (records.empty()) continue;
    cause.cause = std::string(row.cause);
    cause.kb_step = std::string(row.kb_step);
    cause.target = "this server";
    cause.summary = std::string(row.summary);
    cause.fix = std::string(row.fix);
    cause.confidence = records.size() >= 2 ? 0.9 : 0.8;
    out.push_back(std::move(cause));
  }
  return out;
}

void add_named_causes(Diagnosis& diagnosis, std::vector<Cause> causes) {
  for (auto& c : causes) diagnosis.causes.push_back(std::move(c));
  std::stable_sort(diagnosis.causes.begin(), diagnosis.causes.end(),
                   [](const Cause& a, const Cause& b) { return a.confidence > b.confidence; });
}

}  // namespace authwatch

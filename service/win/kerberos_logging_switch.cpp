// The Kerberos LogLevel switch on Windows: the decision (core/kerberos_logging_switch.hpp) applied
// to the registry (probes/kerberos_logging.hpp). The pending revert is stored before LogLevel is
// written and cleared only after the old value is back, so a crash at any point leaves either
// nothing changed or a stored revert the next monitor carries out.
#include <boost/log/trivial.hpp>

#include "core/kerberos_logging_switch.hpp"
#include "probes/kerberos_logging.hpp"
#include "service/monitor.hpp"
#include "service/platform.hpp"
#include "storage/kerberos_switch_state.hpp"

namespace authwatch::service {
namespace {

class KerberosLoggingSwitch final : public PassHook {
 public:
  KerberosLoggingSwitch(KerberosLoggingSettings settings, probes::LogLevelLocation where, const Clock& clock)
      : settings_(settings), where_(std::move(where)), clock_(clock) {}

  std::vector<std::string> on_pass(storage::Database& db, bool incident_opened) override {
    std::vector<std::string> problems;
    storage::Store store(db);
    auto pending = storage::load_kerberos_logging_pending(store);
    if (!pending) return {pending.error()};
    if (!pending.value() && !(incident_opened && settings_.on_incident)) return {};  // nothing to do: no registry read
    std::optional<uint32_t> current;
    if (!pending.value()) {
      auto read = probes::read_log_level(where_);
      if (!read) return {"Kerberos logging: cannot read " + where_.text() + ": " + read.error()};
      current = read.value();
    }
    const auto now = clock_.now();
    const auto decision = decide_kerberos_logging(settings_, pending.value(), incident_opened, current, now);
    using Action = KerberosLoggingDecision::Action;
    switch (decision.action) {
      case Action::None:
        if (!decision.reason.empty()) BOOST_LOG_TRIVIAL(info) << decision.reason;
        break;
      case Action::Enable:
        db.transaction([&] { storage::store_kerberos_logging_pending(store, decision.pending, now); });
        if (auto written = probes::write_log_level(where_, 1); !written) {
          problems.push_back("Kerberos logging: cannot set " + where_.text() + " to 1: " + written.error());
          db.transaction([&] { storage::store_kerberos_logging_pending(store, std::nullopt, now); });
        } else {
          BOOST_LOG_TRIVIAL(info) << decision.reason;
        }
        break;
      case Action::Extend:
        db.transaction([&] { storage::store_kerberos_logging_pending(store, decision.pending, now); });
        BOOST_LOG_TRIVIAL(info) << decision.reason;
        break;
      case Action::Revert: {
        const auto& original = pending.value()->original;
        auto restored = original ? probes::write_log_level(where_, *original) : probes::delete_log_level(where_);
        if (!restored) {
          problems.push_back("Kerberos logging: cannot restore " + where_.text() + ": " + restored.error() + " (tried again next pass)");
          break;
        }
        db.transaction([&] { storage::store_kerberos_logging_pending(store, std::nullopt, now); });
        BOOST_LOG_TRIVIAL(info) << decision.reason;
        break;
      }
    }
    return problems;
  }

 private:
  KerberosLoggingSettings settings_;
  probes::LogLevelLocation where_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<PassHook> make_kerberos_logging_switch(const MonitorOptions& options, const Clock& clock) {
  return std::make_unique<KerberosLoggingSwitch>(options.config.kerberos_logging, options.kerberos_log_level, clock);
}

}  // namespace authwatch::service

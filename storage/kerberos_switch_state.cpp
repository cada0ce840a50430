#include "storage/kerberos_switch_state.hpp"

namespace authwatch::storage {

Result<std::optional<KerberosLoggingPending>> load_kerberos_logging_pending(Store& store) {
  const auto state = store.monitor_state();
  const auto it = state.find(kKerberosLoggingStateName);
  if (it == state.end() || it->second.value.empty()) return std::optional<KerberosLoggingPending>{};
  auto parsed = KerberosLoggingPending::from_json(it->second.value);
  if (!parsed) return Error{"monitor_state '" + std::string(kKerberosLoggingStateName) + "': " + parsed.error()};
  return std::optional<KerberosLoggingPending>{parsed.value()};
}

void store_kerberos_logging_pending(Store& store, const std::optional<KerberosLoggingPending>& pending, TimePoint now) {
  store.set_monitor_state(kKerberosLoggingStateName, pending ? pending->to_json() : std::string(), now);
}

}  // namespace authwatch::storage

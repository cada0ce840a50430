#pragma once
// Where the pending Kerberos LogLevel revert (core/kerberos_logging_switch.hpp) is kept: the
// monitor_state row 'kerberos_logging' (migration 2), so it outlives a crash or a restart. An empty
// value means nothing is pending. Call inside Database::transaction to commit it with the incident.
#include <optional>

#include "core/kerberos_logging_switch.hpp"
#include "core/result.hpp"
#include "storage/store.hpp"

namespace authwatch::storage {

inline constexpr const char* kKerberosLoggingStateName = "kerberos_logging";

// nullopt: nothing pending; an error: the stored text is damaged (it names the row).
Result<std::optional<KerberosLoggingPending>> load_kerberos_logging_pending(Store& store);
// nullopt clears the row (after a revert).
void store_kerberos_logging_pending(Store& store, const std::optional<KerberosLoggingPending>& pending, TimePoint now);

}  // namespace authwatch::storage

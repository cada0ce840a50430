// The monitor's state (migration 2): a few named values the service updates and `authwatch
// status` reads.
#include <stdexcept>

#include "storage/connection.hpp"
#include "storage/store.hpp"

namespace authwatch::storage {

void Store::set_monitor_state(const std::string& name, const std::string& value, TimePoint now) {
  StatementUse st(connection_of(db_).statement(
      "INSERT INTO monitor_state(name, value, updated_at) VALUES (:name, :value, :now) "
      "ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"));
  st->bind(":name", name);
  st->bind(":value", value);
  st->bind(":now", format_iso8601(now));
  st->exec();
}

std::map<std::string, Store::MonitorStateValue> Store::monitor_state() {
  StatementUse st(connection_of(db_).statement("SELECT name, value, updated_at FROM monitor_state"));
  std::map<std::string, MonitorStateValue> out;
  while (st->executeStep()) {
    auto when = parse_iso8601(st->getColumn(2).getString());
    if (!when) throw std::runtime_error("monitor_state: stored time of '" + st->getColumn(0).getString() + "' is not ISO 8601");
    out[st->getColumn(0).getString()] = {st->getColumn(1).getString(), *when};
  }
  return out;
}

}  // namespace authwatch::storage

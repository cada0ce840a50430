#pragma once
// The alerts on their way to the sinks, in the order they were raised, whether the database can
// take them or not.
//
// Most alerts are written to the outbox (storage alerts table) in the transaction of the change
// they report, and the queue loads them from there. An alert raised while the database cannot be
// written (above all the health alert saying so) is held here instead: it goes to the sinks
// straight away, and into the outbox, marked as delivered, once the database works again. The
// delivered marks of outbox alerts wait here the same way. So:
// - order: the sinks get alerts in queue order, and an alert is not given to any sink before the
//   one before it was taken by every sink (a failing sink holds the rest back);
// - at least once: an alert leaves the queue only when it is delivered and the outbox says so;
// - no duplicates: each sink that took an alert is remembered, and the mark is written before the
//   outbox is read again, so no sink gets an alert twice while the process lives. After a crash
//   between a sink's write and the mark reaching the database, that alert is delivered once more.
// - bounded: at most kMaxHeld alerts wait here unstored (the oldest go, counted in dropped()),
//   and at most kMaxLoaded undelivered outbox alerts are read at a time.
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "pipeline/alerts.hpp"
#include "storage/database.hpp"
#include "storage/store.hpp"

namespace authwatch::service {

class AlertQueue {
 public:
  static constexpr size_t kMaxHeld = 1000;
  static constexpr size_t kMaxLoaded = 1000;

  // An alert the outbox does not have yet (a health alert; anything raised while the database fails).
  void hold(storage::AlertRecord alert);
  // Writes the held alerts (as delivered when they were) and the delivered marks into the outbox,
  // in one transaction. Throws when the database fails; then everything stays as it was.
  void store(storage::Database& db);
  // Queues the outbox's undelivered alerts that are not queued yet, oldest first.
  void load(storage::Store& store);

  struct Delivery {
    int delivered = 0;
    int suppressed = 0;
    std::vector<std::string> errors;  // a sink that failed, naming it
  };
  // Hands the queued alerts to the sinks in order until one fails; `held_back` (a maintenance
  // window, ServerWideOffline) marks them suppressed instead. Needs no database.
  Delivery deliver(const std::vector<std::unique_ptr<pipeline::AlertSink>>& sinks, const std::string& held_back, TimePoint now);

  // The database was replaced by a new one: whatever it has not taken is held again (the incident
  // ids of the old one stay in the payloads only).
  void database_replaced();

  size_t waiting() const;                 // not delivered yet
  size_t held() const;                    // not in the outbox yet
  uint64_t dropped() const { return dropped_; }

 private:
  struct Entry {
    storage::AlertRecord alert;  // alert.delivered_at: taken by every sink (or suppressed)
    bool stored = false;         // the outbox has it (alert.id is its row)
    bool marked = false;         // the outbox has its delivered mark
    std::set<size_t> taken_by;   // indexes of the sinks that took it
  };
  void drop_done();

  std::deque<Entry> queue_;
  std::set<int64_t> queued_ids_;  // outbox rows in the queue
  int64_t loaded_up_to_ = 0;      // the highest outbox row loaded
  uint64_t dropped_ = 0;
};

}  // namespace authwatch::service

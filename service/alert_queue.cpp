#include "service/alert_queue.hpp"

#include <algorithm>

#include <boost/log/trivial.hpp>

namespace authwatch::service {

void AlertQueue::hold(storage::AlertRecord alert) {
  alert.id = 0;
  if (held() >= kMaxHeld) {
    // The oldest unstored one makes room: a delivered one if there is one, it is only history.
    auto victim = std::find_if(queue_.begin(), queue_.end(), [](const Entry& e) { return !e.stored && e.alert.delivered_at; });
    if (victim == queue_.end()) victim = std::find_if(queue_.begin(), queue_.end(), [](const Entry& e) { return !e.stored; });
    BOOST_LOG_TRIVIAL(error) << "alert queue full (" << kMaxHeld << " alerts the database has not taken): dropped \""
                             << pipeline::alert_message(victim->alert) << "\"";
    queue_.erase(victim);
    ++dropped_;
  }
  Entry entry;
  entry.alert = std::move(alert);
  queue_.push_back(std::move(entry));
}

void AlertQueue::store(storage::Database& db) {
  std::vector<std::pair<Entry*, int64_t>> inserted;  // applied once the transaction commits
  std::vector<Entry*> marked;
  bool any = false;
  for (const auto& e : queue_) any = any || !e.stored || (e.alert.delivered_at && !e.marked);
  if (!any) return;
  storage::Store store(db);
  db.transaction([&] {
    for (auto& e : queue_) {
      if (!e.stored) {
        inserted.emplace_back(&e, store.insert_alert(e.alert));
      } else if (e.alert.delivered_at && !e.marked) {
        store.mark_alert_delivered(e.alert.id, *e.alert.delivered_at, e.alert.sink);
        marked.push_back(&e);
      }
    }
  });
  for (auto& [e, id] : inserted) {
    e->alert.id = id;
    e->stored = true;
    e->marked = e->alert.delivered_at.has_value();
    queued_ids_.insert(id);
  }
  for (auto* e : marked) e->marked = true;
  drop_done();
}

void AlertQueue::load(storage::Store& store) {
  size_t loaded_waiting = 0;
  for (const auto& e : queue_) loaded_waiting += e.stored && !e.alert.delivered_at;
  if (loaded_waiting >= kMaxLoaded) return;
  for (auto& alert : store.pending_alerts(loaded_up_to_, static_cast<int>(kMaxLoaded - loaded_waiting))) {
    loaded_up_to_ = std::max(loaded_up_to_, alert.id);
    if (!queued_ids_.insert(alert.id).second) continue;  // queued already (held here, then stored)
    Entry entry;
    entry.alert = std::move(alert);
    entry.stored = true;
    queue_.push_back(std::move(entry));
  }
}

AlertQueue::Delivery AlertQueue::deliver(const std::vector<std::unique_ptr<pipeline::AlertSink>>& sinks, const std::string& held_back, TimePoint now) {
  Delivery d;
  for (auto& e : queue_) {
    if (e.alert.delivered_at) continue;
    if (!held_back.empty()) {  // recorded, marked, never sent: no flood of stale alerts when it ends
      e.alert.delivered_at = now;
      e.alert.sink = "suppressed: " + held_back;
      ++d.suppressed;
      continue;
    }
    for (size_t i = 0; i < sinks.size(); ++i) {
      if (e.taken_by.count(i)) continue;  // never twice to one sink
      Result<void> ok = Error{"threw"};
      try {
        ok = sinks[i]->deliver(e.alert);
      } catch (const std::exception& ex) {
        ok = Error{ex.what()};
      }
      if (ok) e.taken_by.insert(i);
      else d.errors.push_back(sinks[i]->name() + ": " + ok.error());
    }
    if (e.taken_by.size() < sinks.size()) break;  // keep the order: retry from this alert on the next pass
    e.alert.delivered_at = now;
    ++d.delivered;
  }
  drop_done();
  return d;
}

void AlertQueue::database_replaced() {
  for (auto& e : queue_) {
    e.stored = e.marked = false;
    e.alert.id = 0;
    e.alert.incident_id.reset();  // the new database has no such incident (yet); the payload names it
  }
  queued_ids_.clear();
  loaded_up_to_ = 0;
}

size_t AlertQueue::waiting() const {
  return static_cast<size_t>(std::count_if(queue_.begin(), queue_.end(), [](const Entry& e) { return !e.alert.delivered_at; }));
}

size_t AlertQueue::held() const {
  return static_cast<size_t>(std::count_if(queue_.begin(), queue_.end(), [](const Entry& e) { return !e.stored; }));
}

// Done: delivered and the outbox says so. Only from the front, so the order stays visible.
void AlertQueue::drop_done() {
  while (!queue_.empty() && queue_.front().stored && queue_.front().marked) {
    queued_ids_.erase(queue_.front().alert.id);
    queue_.pop_front();
  }
}

}  // namespace authwatch::service

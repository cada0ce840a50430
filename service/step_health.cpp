#include "service/step_health.hpp"

#include "pipeline/alerts.hpp"

namespace authwatch::service {
namespace {

using storage::DatabaseFailure;

// What an administrator can do about it, by kind.
std::string database_hint(DatabaseFailure kind) {
  switch (kind) {
    case DatabaseFailure::Busy:
      return "another program holds its write lock (a long `authwatch scan` or `prune`, a backup tool, an sqlite3 shell) "
             "longer than database.busy_timeout_ms";
    case DatabaseFailure::Full: return "the disk (or quota) holding it is full: free some space";
    case DatabaseFailure::ReadOnly: return "the file or its folder cannot be written: check its permissions, attributes and file system";
    case DatabaseFailure::Io:
      return "the operating system failed a read or write: check the disk and its file system (errors, a read-only remount)";
    case DatabaseFailure::NotADatabase:
      return "the file is not an SQLite database; AuthWatch does not touch it: move it away or point database.path elsewhere";
    case DatabaseFailure::OutOfMemory: return "the process ran out of memory";
    case DatabaseFailure::Refused: return "a newer AuthWatch's database or another program's: point database.path elsewhere";
    default: return "it cannot be opened";
  }
}

std::string database_kind(DatabaseFailure kind) { return "database " + std::string(storage::failure_name(kind)); }

}  // namespace

std::optional<storage::AlertRecord> StepHealth::failed(const StepFailure& f, TimePoint now) {
  const bool database = f.database != DatabaseFailure::None;
  const std::string kind = database ? database_kind(f.database) : f.step + ": " + f.thrown;
  auto [it, is_new] = failing_.try_emplace(kind);
  auto& k = it->second;
  k.database = database;
  k.failed_this_pass = true;
  ++k.failures;
  k.steps.insert(f.step);
  k.last_error = f.error;
  if (!is_new) return std::nullopt;
  k.since = now;
  nlohmann::json details = {{"source", "monitor"}, {"failure", kind}, {"step", f.step}, {"error", f.error}, {"ok", false}};
  if (database) {
    details["database"] = database_path_;
    auto alert = pipeline::health_alert("AuthWatch cannot use its database " + database_path_ + " (" + std::string(storage::failure_name(f.database)) +
                                  ": " + f.error + "): " + database_hint(f.database) +
                                  ". It goes on watching and alerting: what it cannot store waits (each source keeps its "
                                  "position; alerts are held in memory and sent straight to the sinks) and is stored once the "
                                  "database works again, which it tries every pass.",
                              details, now);
    alert.windows_event_id = kEventDatabaseFailing;
    return alert;
  }
  auto alert = pipeline::health_alert("AuthWatch's monitor step '" + f.step + "' fails (" + f.thrown + ": " + f.error +
                                "); it is tried again every pass, the other steps go on",
                            details, now);
  alert.windows_event_id = kEventStepFailing;
  return alert;
}

void StepHealth::succeeded(const std::string& step) { succeeded_.insert(step); }

std::vector<storage::AlertRecord> StepHealth::pass_over(TimePoint now) {
  std::vector<storage::AlertRecord> alerts;
  for (auto it = failing_.begin(); it != failing_.end();) {
    auto& [kind, k] = *it;
    bool worked = false;
    for (const auto& step : k.steps) worked = worked || succeeded_.count(step);
    if (k.failed_this_pass || !worked) {
      k.failed_this_pass = false;
      ++it;
      continue;
    }
    const std::string since = format_iso8601(k.since);
    nlohmann::json details = {{"source", "monitor"}, {"failure", kind}, {"failures", k.failures}, {"since", since}, {"ok", true}};
    std::string message;
    if (k.database) {
      details["database"] = database_path_;
      message = "AuthWatch's database " + database_path_ + " works again (" + kind + " since " + since + ", " + std::to_string(k.failures) +
                " failed step(s)); what waited is being stored";
    } else {
      message = "AuthWatch's monitor step '" + *k.steps.begin() + "' works again (" + kind + " since " + since + ", " +
                std::to_string(k.failures) + " failure(s))";
    }
    auto alert = pipeline::health_alert(message, details, now);
    alert.windows_event_id = k.database ? kEventDatabaseFailing : kEventStepFailing;
    alerts.push_back(std::move(alert));
    it = failing_.erase(it);
  }
  succeeded_.clear();
  return alerts;
}

nlohmann::json StepHealth::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [kind, k] : failing_)
    out[kind] = {{"since", format_iso8601(k.since)}, {"failures", k.failures}, {"steps", k.steps}, {"last_error", k.last_error}};
  return out;
}

}  // namespace authwatch::service

#pragma once
// The monitor's own failures, by kind, for its log, its health alerts and `authwatch status`.
//
// A step of a pass (service/monitor.cpp) that throws is a failure of a kind: "database busy",
// "database full", ... when the database itself failed (every step that needs it would fail the
// same way), else "<step>: <what was thrown>" (a bug, a JSON error, memory). Each kind raises one
// health alert when it starts failing and one when it works again; in between it is counted, not
// alerted, however many passes it fails.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "storage/database_failure.hpp"
#include "storage/store.hpp"

namespace authwatch::service {

// Event IDs of the monitor's health alerts (installer/windows/events.mc), beside 1950 (a source
// such as the queue command, or a monitor that could not start).
inline constexpr int kEventDatabaseFailing = 1951;    // the database cannot be used (busy, full, read-only, I/O, ...) / works again
inline constexpr int kEventDatabaseReplaced = 1952;   // damaged: moved aside and a new one started; deleted: written back
inline constexpr int kEventStepFailing = 1953;        // a step of the monitor failed for another reason / works again
inline constexpr int kEventRecordsQuarantined = 1954; // records that could not be stored were quarantined

struct StepFailure {
  std::string step;                 // "update incidents", "read protocol logs: D:\\Logs\\..."
  storage::DatabaseFailure database = storage::DatabaseFailure::None;
  std::string error;                // what was thrown
  std::string thrown;               // its kind when not the database's: "JSON error", "out of memory", ...
};

class StepHealth {
 public:
  explicit StepHealth(std::string database_path) : database_path_(std::move(database_path)) {}

  // A step failed. Returns the alert to raise when its kind was not failing yet.
  std::optional<storage::AlertRecord> failed(const StepFailure& failure, TimePoint now);
  // A step ran to its end.
  void succeeded(const std::string& step);
  // The pass is over: a kind that did not fail in it while one of its steps succeeded works again
  // (its alert is returned). Starts the next pass's bookkeeping.
  std::vector<storage::AlertRecord> pass_over(TimePoint now);

  bool failing() const { return !failing_.empty(); }
  // The kinds failing now: {"database busy": {"since", "failures", "steps", "last_error"}}.
  nlohmann::json to_json() const;

 private:
  struct Failing {
    bool database = false;
    TimePoint since{};
    uint64_t failures = 0;
    std::set<std::string> steps;
    std::string last_error;
    bool failed_this_pass = false;
  };
  std::string database_path_;
  std::map<std::string, Failing> failing_;
  std::set<std::string> succeeded_;  // steps that ran to their end in this pass
};

}  // namespace authwatch::service

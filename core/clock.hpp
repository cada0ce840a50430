#pragma once
// Injectable time: the incident state machine and the monitor's timers ask a Clock, so tests drive
// them without sleeping.
//
// Two readings, as the platform has them: now() is the wall time (UTC) that is recorded and compared
// with the times in logs; steady_now() is monotonic and measures intervals (a heartbeat, the next
// run of a command, a settle time), so a wall clock stepped by NTP or by hand neither fires them
// early nor holds them back.
#include <chrono>

#include "core/time.hpp"

namespace authwatch {

using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  virtual SteadyTime steady_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  }
  SteadyTime steady_now() const override { return std::chrono::steady_clock::now(); }
};

// advance() is time passing: both readings move. set() steps the wall time only, as NTP or an
// administrator does; the monotonic reading stays. Read and changed on one thread (the test's,
// which also runs the monitor's passes).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint now() const override { return now_; }
  // Starts an hour after the steady clock's epoch, as a real one is far from it: "never happened
  // yet" (a default time point) is then long enough ago for every interval.
  SteadyTime steady_now() const override { return steady_; }
  void set(TimePoint t) { now_ = t; }
  template <class Rep, class Period>
  void advance(std::chrono::duration<Rep, Period> d) {
    now_ += std::chrono::duration_cast<std::chrono::microseconds>(d);
    steady_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
  }

 private:
  TimePoint now_;
  SteadyTime steady_ = SteadyTime{} + std::chrono::hours{1};
};

}  // namespace authwatch

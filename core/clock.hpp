#pragma once
// Injectable time: the incident state machine asks a Clock, so tests drive it without sleeping.
#include "core/time.hpp"

namespace authwatch {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint now() const override { return now_; }
  void set(TimePoint t) { now_ = t; }
  template <class Rep, class Period>
  void advance(std::chrono::duration<Rep, Period> d) { now_ += std::chrono::duration_cast<std::chrono::microseconds>(d); }

 private:
  TimePoint now_;
};

}  // namespace authwatch

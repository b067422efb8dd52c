// The clock seam: wall time for data, a monotonic time for pacing, and sleeping. Tests
// use ManualClock so that backoffs of minutes take no time at all.
#pragma once

#include <chrono>
#include <mutex>

#include "ghtraffic/util/date.hpp"

namespace ghtraffic::util {

class Clock {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
  virtual SteadyTime steady_now() const = 0;
  virtual void sleep_until(SteadyTime deadline) = 0;

  void sleep_for(std::chrono::milliseconds duration) { sleep_until(steady_now() + duration); }
};

Clock& system_clock();

// A clock that moves only when told to, or when something sleeps on it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : m_wall(start) {}

  Timestamp now() const override;
  SteadyTime steady_now() const override;
  void sleep_until(SteadyTime deadline) override;
  void advance(std::chrono::milliseconds duration);
  std::chrono::milliseconds slept() const;

 private:
  mutable std::mutex m_mutex;
  Timestamp m_wall;
  std::chrono::milliseconds m_elapsed{0};
  std::chrono::milliseconds m_slept{0};
};

}  // namespace ghtraffic::util

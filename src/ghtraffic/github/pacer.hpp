// Pacing shared by every thread of one Client: at most N requests in flight, request
// starts spaced evenly so that no 60-second window holds more than the per-minute
// ceiling, and a global pause while a rate-limit wait is in progress. All waiting for
// time goes through the Clock, so tests on a ManualClock take no real time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "ghtraffic/util/clock.hpp"

namespace ghtraffic::github {

class Pacer {
 public:
  using SteadyTime = util::Clock::SteadyTime;

  // An in-flight place; given back when destroyed.
  class Permit {
   public:
    Permit(Permit&& other) noexcept : m_pacer(std::exchange(other.m_pacer, nullptr)) {}
    Permit& operator=(Permit&&) = delete;
    Permit(const Permit&) = delete;
    ~Permit() {
      if (m_pacer != nullptr) {
        m_pacer->release();
      }
    }

   private:
    friend class Pacer;
    explicit Permit(Pacer* pacer) : m_pacer(pacer) {}
    Pacer* m_pacer;
  };

  Pacer(util::Clock& clock, int concurrency, int max_per_minute);

  // Blocks until an in-flight place is free, any pause is over and the next start slot
  // has come.
  Permit acquire();

  // Holds every request not yet started until `until`. Returns how much later the pause
  // now ends than it did before (zero when a pause at least as long was already running).
  std::chrono::milliseconds pause_until(SteadyTime until, const std::string& reason);

  // The reason of the pause in progress, empty when none.
  std::string current_pause() const;

  std::chrono::milliseconds interval() const { return m_interval; }
  int concurrency() const { return m_concurrency; }

 private:
  void release();

  util::Clock& m_clock;
  const int m_concurrency;
  const std::chrono::milliseconds m_interval;

  mutable std::mutex m_mutex;
  std::condition_variable m_place_freed;
  int m_in_flight = 0;
  std::optional<SteadyTime> m_next_slot;
  SteadyTime m_paused_until{};
  std::string m_pause_reason;
};

}  // namespace ghtraffic::github

#include "ghtraffic/util/clock.hpp"

#include <thread>

namespace ghtraffic::util {
namespace {

class SystemClock final : public Clock {
 public:
  Timestamp now() const override {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
  SteadyTime steady_now() const override { return std::chrono::steady_clock::now(); }
  void sleep_until(SteadyTime deadline) override { std::this_thread::sleep_until(deadline); }
};

}  // namespace

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

Timestamp ManualClock::now() const {
  std::lock_guard lock(m_mutex);
  return m_wall + std::chrono::floor<std::chrono::seconds>(m_elapsed);
}

Clock::SteadyTime ManualClock::steady_now() const {
  std::lock_guard lock(m_mutex);
  return SteadyTime{} + m_elapsed;
}

void ManualClock::sleep_until(SteadyTime deadline) {
  std::lock_guard lock(m_mutex);
  auto target = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyTime{});
  if (target > m_elapsed) {
    m_slept += target - m_elapsed;
    m_elapsed = target;
  }
}

void ManualClock::advance(std::chrono::milliseconds duration) {
  std::lock_guard lock(m_mutex);
  m_elapsed += duration;
}

std::chrono::milliseconds ManualClock::slept() const {
  std::lock_guard lock(m_mutex);
  return m_slept;
}

}  // namespace ghtraffic::util

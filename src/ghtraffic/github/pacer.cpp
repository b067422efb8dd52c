#include "ghtraffic/github/pacer.hpp"

#include <algorithm>
#include <cstdint>

namespace ghtraffic::github {
namespace {

// Rounded up to a whole millisecond: a slightly slower pace keeps every 60-second window
// within the ceiling even on clocks that count in milliseconds.
std::chrono::milliseconds start_interval(int max_per_minute) {
  const auto per_minute = static_cast<std::int64_t>(std::max(max_per_minute, 1));
  return std::chrono::milliseconds((60'000 + per_minute - 1) / per_minute);
}

}  // namespace

Pacer::Pacer(util::Clock& clock, int concurrency, int max_per_minute)
    : m_clock(clock),
      m_concurrency(std::max(concurrency, 1)),
      m_interval(start_interval(max_per_minute)) {}

Pacer::Permit Pacer::acquire() {
  {
    std::unique_lock lock(m_mutex);
    m_place_freed.wait(lock, [this] { return m_in_flight < m_concurrency; });
    ++m_in_flight;
  }
  // The place is taken before the start slot so that requests released together by a
  // freed place cannot start in a burst.
  Permit permit(this);
  for (;;) {
    SteadyTime slot;
    {
      std::lock_guard lock(m_mutex);
      const SteadyTime now = m_clock.steady_now();
      slot = std::max({m_next_slot.value_or(now), now, m_paused_until});
      m_next_slot = slot + m_interval;
    }
    m_clock.sleep_until(slot);
    std::lock_guard lock(m_mutex);
    if (m_paused_until <= slot) {
      return permit;
    }
    // A pause began while this request waited for its slot; queue again behind it.
  }
}

std::chrono::milliseconds Pacer::pause_until(SteadyTime until, const std::string& reason) {
  std::lock_guard lock(m_mutex);
  const SteadyTime previous = std::max(m_paused_until, m_clock.steady_now());
  if (until <= previous) {
    return std::chrono::milliseconds(0);
  }
  m_paused_until = until;
  m_pause_reason = reason;
  return std::chrono::ceil<std::chrono::milliseconds>(until - previous);
}

std::string Pacer::current_pause() const {
  std::lock_guard lock(m_mutex);
  if (m_paused_until <= m_clock.steady_now()) {
    return {};
  }
  return m_pause_reason;
}

void Pacer::release() {
  {
    std::lock_guard lock(m_mutex);
    --m_in_flight;
  }
  m_place_freed.notify_one();
}

}  // namespace ghtraffic::github

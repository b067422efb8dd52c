#include "ghtraffic/github/pacer.hpp"

#include <algorithm>

namespace ghtraffic::github {

Pacer::Pacer(util::Clock& clock, int concurrency, int max_per_minute, int graphql_per_minute,
             std::chrono::milliseconds window)
    : m_clock(clock),
      m_concurrency(std::max(concurrency, 1)),
      m_window(std::max(window, std::chrono::milliseconds(1))) {
  for (auto [budget, size] :
       {std::pair{Budget::rest, max_per_minute}, std::pair{Budget::graphql, graphql_per_minute}}) {
    Window& w = this->window(budget);
    w.size = std::max(size, 1);
    w.smallest = std::max(w.size / 4, 1);
  }
}

std::optional<Pacer::SteadyTime> Pacer::room_at(Window& w, int points, SteadyTime now) {
  auto it = w.leaving.begin();
  while (it != w.leaving.end() && it->first <= now) {
    w.leaving_points -= it->second;
    it = w.leaving.erase(it);
  }
  int excess = w.in_flight_points + w.leaving_points + points - w.size;
  if (excess <= 0) {
    return now;
  }
  for (const auto& [at, leaving] : w.leaving) {
    excess -= leaving;
    if (excess <= 0) {
      return at;
    }
  }
  return std::nullopt;  // the window is held by requests still waiting for their answers
}

Pacer::Permit Pacer::acquire(Budget budget, int points) {
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [this] { return m_in_flight < m_concurrency; });
  ++m_in_flight;
  // The place is held while waiting for the window, so that it is given back (by the
  // permit) whatever happens.
  Window& w = window(budget);
  for (;;) {
    const SteadyTime now = m_clock.steady_now();
    SteadyTime wake = m_paused_until;
    if (now >= m_paused_until) {
      const int need = std::clamp(points, 1, w.size);
      auto room = room_at(w, need, now);
      if (!room) {
        m_changed.wait(lock);
        continue;
      }
      if (*room <= now) {
        w.in_flight_points += need;
        return Permit(this, budget, need, now);
      }
      wake = *room;
    }
    // A pause, a shrink or another request may have changed things meanwhile: check again.
    lock.unlock();
    m_clock.sleep_until(wake);
    lock.lock();
  }
}

std::optional<int> Pacer::shrink(Budget budget, SteadyTime started) {
  std::lock_guard lock(m_mutex);
  Window& w = window(budget);
  if (w.last_shrink && started <= *w.last_shrink) {
    return std::nullopt;
  }
  w.last_shrink = m_clock.steady_now();
  const int smaller =
      std::max(w.smallest, static_cast<int>(static_cast<long long>(w.size) * 3 / 4));
  if (smaller == w.size) {
    return std::nullopt;
  }
  w.size = smaller;
  return smaller;
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

int Pacer::window_size(Budget budget) const {
  std::lock_guard lock(m_mutex);
  return window(budget).size;
}

void Pacer::release(Budget budget, int points) {
  {
    std::lock_guard lock(m_mutex);
    --m_in_flight;
    Window& w = window(budget);
    w.in_flight_points -= points;
    w.leaving.emplace(m_clock.steady_now() + m_window, points);
    w.leaving_points += points;
  }
  m_changed.notify_all();
}

}  // namespace ghtraffic::github

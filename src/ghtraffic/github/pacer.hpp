// Pacing shared by every thread of one Client, to GitHub's secondary limits: at most N
// requests in flight, and for each budget (REST, GraphQL) a sliding window that never lets
// more points start in any 60 seconds than the budget holds. Below the window requests go
// as fast as latency and the in-flight places allow; past it they wait for the oldest
// point to leave. A point leaves the window one window length after its request's answer
// came (not after it started), so that however late a request reached GitHub, GitHub
// cannot count more than the budget in any of its own 60-second windows. A global pause
// holds every start while a rate-limit wait is in progress. All waiting for time goes
// through the Clock, so tests on a ManualClock take no real time.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "ghtraffic/util/clock.hpp"

namespace ghtraffic::github {

// GitHub's secondary limits count points a minute, apart for REST and for GraphQL.
enum class Budget { rest, graphql };

inline constexpr std::chrono::milliseconds k_pace_window{60'000};
inline constexpr int k_graphql_points_per_minute = 2000;

class Pacer {
 public:
  using SteadyTime = util::Clock::SteadyTime;

  // An in-flight place and the points of one request in its budget's window; given back
  // when destroyed, and the points then stay in the window for one window length.
  class Permit {
   public:
    Permit(Permit&& other) noexcept
        : m_pacer(std::exchange(other.m_pacer, nullptr)),
          m_budget(other.m_budget),
          m_points(other.m_points),
          m_started(other.m_started) {}
    Permit& operator=(Permit&&) = delete;
    Permit(const Permit&) = delete;
    ~Permit() {
      if (m_pacer != nullptr) {
        m_pacer->release(m_budget, m_points);
      }
    }

    Budget budget() const { return m_budget; }
    SteadyTime started() const { return m_started; }

   private:
    friend class Pacer;
    Permit(Pacer* pacer, Budget budget, int points, SteadyTime started)
        : m_pacer(pacer), m_budget(budget), m_points(points), m_started(started) {}
    Pacer* m_pacer;
    Budget m_budget;
    int m_points;
    SteadyTime m_started;
  };

  // max_per_minute and graphql_per_minute are the windows' sizes in points (a REST GET is
  // one); window is their length (60 s; tests shorten it).
  Pacer(util::Clock& clock, int concurrency, int max_per_minute,
        int graphql_per_minute = k_graphql_points_per_minute,
        std::chrono::milliseconds window = k_pace_window);

  // Blocks until an in-flight place is free, any pause is over and the budget's window has
  // room for `points` (more points than the window holds count as the whole window).
  Permit acquire(Budget budget = Budget::rest, int points = 1);

  // GitHub answered a secondary limit anyway (another process spends the same token): the
  // budget's window loses a quarter of its size for the rest of the run, but never falls
  // below a quarter of the size it started with, so that a run keeps going. Only a refusal
  // of a request started after the last shrink shrinks it again, so the answers of
  // requests in flight together count once. Returns the new size, or nullopt when nothing
  // changed.
  std::optional<int> shrink(Budget budget, SteadyTime started);

  // Holds every request not yet started until `until`. Returns how much later the pause
  // now ends than it did before (zero when a pause at least as long was already running).
  std::chrono::milliseconds pause_until(SteadyTime until, const std::string& reason);

  // The reason of the pause in progress, empty when none.
  std::string current_pause() const;

  int window_size(Budget budget) const;
  std::chrono::milliseconds window_length() const { return m_window; }
  int concurrency() const { return m_concurrency; }

 private:
  struct Window {
    int size = 1;
    int smallest = 1;  // what shrinking leaves at least
    int in_flight_points = 0;
    // When points of answered requests leave the window, and how many.
    std::multimap<SteadyTime, int> leaving;
    int leaving_points = 0;
    std::optional<SteadyTime> last_shrink;
  };

  Window& window(Budget budget) { return m_windows[static_cast<std::size_t>(budget)]; }
  const Window& window(Budget budget) const { return m_windows[static_cast<std::size_t>(budget)]; }
  // Under m_mutex: drops the points whose time has passed; returns when the window has
  // room for `points`, or nullopt when only an answer still in flight can make room.
  std::optional<SteadyTime> room_at(Window& w, int points, SteadyTime now);
  void release(Budget budget, int points);

  util::Clock& m_clock;
  const int m_concurrency;
  const std::chrono::milliseconds m_window;

  mutable std::mutex m_mutex;
  std::condition_variable m_changed;  // a place was freed or an answer came
  int m_in_flight = 0;
  std::array<Window, 2> m_windows;
  SteadyTime m_paused_until{};
  std::string m_pause_reason;
};

}  // namespace ghtraffic::github

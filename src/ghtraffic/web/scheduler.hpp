// The server's collection schedule: the same collection as `ghtraffic collect`, every
// interval with a little jitter, never two at once, holding the store's collection lock
// only while it runs. It remembers the last run's outcome and the rate limit for
// /api/status, and stops between repositories when asked (R7 keeps each one whole). Each
// run follows the collection plan; one that deferred repositories for the rate limit is
// followed by the next as soon as the limit is whole again. After each collection it runs
// the star and fork backfill in what the run's budget left (collect/scheduled_backfill.hpp),
// to end before the next collection can start.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/collect/scheduled_backfill.hpp"
#include "ghtraffic/collect/settings.hpp"
#include "ghtraffic/github/client.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/web/api.hpp"

namespace ghtraffic::web {

struct SchedulerOptions {
  std::string store_url;
  std::chrono::seconds interval{24 * 3600};
  github::ClientOptions client;         // with the token
  std::optional<collect::AppAuth> app;  // a GitHub App instead of the token
  collect::Plan plan;
  double jitter = 0.05;                      // ± this share of the interval
  std::chrono::seconds max_jitter{15 * 60};  // at most this much either way
  std::chrono::seconds retry_when_busy{60};  // another collection held the lock
  collect::BackfillSettings backfill;
};

// When a run deferred repositories to keep within the primary rate limit (the collection
// plan, collect/budget.hpp), the next run need not wait a whole interval: it may start once
// the limit is whole again, a few seconds after the reset that `stats` saw. None when the
// run deferred nothing for the rate limit or saw no reset.
inline constexpr std::chrono::seconds k_resume_margin{10};
std::optional<util::Timestamp> resume_time(const collect::Summary& summary,
                                           const github::ClientStats& stats, util::Timestamp now,
                                           util::Clock::SteadyTime steady_now);

// When the backfill after a run that ended at `now` must stop: a little before the earliest
// the next run may start (the interval less its jitter, or `resume` when sooner).
std::optional<util::Timestamp> backfill_deadline(util::Timestamp now, std::chrono::seconds interval,
                                                 double jitter, std::chrono::seconds max_jitter,
                                                 std::optional<util::Timestamp> resume);

// "24h", "90m", "30s", "2d", "1h30m"; "off" is nullopt. Anything else is a util::Error.
std::optional<std::chrono::seconds> parse_interval(std::string_view text);

class Scheduler {
 public:
  // on_finished is called from the scheduler's thread after each run.
  Scheduler(SchedulerOptions options, std::function<void()> on_finished = {},
            util::Clock& clock = util::system_clock());
  ~Scheduler();  // stops and joins
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  // Asks a run in progress to start no further repository and the loop to end; returns
  // at once. join() waits for the current repository to commit.
  void request_stop();
  void join();

  SchedulerState state() const;
  // Errors of the last run by repository, for /api/repos.
  std::map<std::string, std::string> repo_errors() const;
  // How many runs have ended since start (for tests and logs).
  int runs() const;

 private:
  void loop();
  util::Timestamp first_run_time();
  std::chrono::seconds jittered(std::chrono::seconds interval);
  void run_once();

  SchedulerOptions m_options;
  std::function<void()> m_on_finished;
  util::Clock& m_clock;
  std::atomic<bool> m_cancel{false};
  std::thread m_thread;

  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_running = false;
  int m_runs = 0;
  std::optional<util::Timestamp> m_next_run;
  std::optional<RunReport> m_last_run;
  std::map<std::string, std::string> m_repo_errors;
  RateLimit m_rate_limit;
  std::optional<util::Timestamp> m_resume;  // the last run's resume_time()
  std::optional<BackfillReport> m_backfill;
  std::int64_t m_backfill_requests = 0;
};

}  // namespace ghtraffic::web

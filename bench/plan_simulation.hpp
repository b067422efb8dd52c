// The collection plan simulated (issue 13 part 3): many repositories on one token, for
// days, in this process. The manual clock stands for time; a fake transport answers like
// GitHub, with its primary limit (N requests an hour, counted from the first request of
// the hour) and its secondary limits (900 REST points in any 60 s, at most 100 requests in
// flight), each day's traffic growing through the day and the oldest day of a window cut
// short. The real collection job, the real plan and a real SQLite store do the rest, run
// on serve's schedule: every interval, and as soon as the hourly limit is whole again after
// a run that deferred repositories for it (web::resume_time).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace ghtraffic::bench {

struct PlanSimulationOptions {
  int repos = 100'000;
  int rate_limit = 5'000;  // requests an hour
  int days = 14;
  std::chrono::seconds interval{24 * 3600};  // serve's default --collect-every
  std::chrono::milliseconds latency{50};     // added to the clock by every answer
  int concurrency = 1;                       // the collection's; the clock is shared
  std::string store_path;                    // a fresh SQLite file
  // Called after each run with a line for a person (progress of a long simulation).
  std::function<void(const std::string&)> progress;
};

struct PlanSimulationResult {
  int repos = 0;
  int days = 0;
  std::int64_t runs = 0;
  std::int64_t collections = 0;         // repositories collected, all runs together
  std::int64_t requests = 0;            // answered by the fake, refusals included
  std::int64_t primary_refused = 0;     // answered 403 for the primary limit
  std::int64_t secondary_refused = 0;   // answered 403 for a secondary limit
  std::int64_t peak_hour_requests = 0;  // the most core requests in one hour of the limit
  std::int64_t failed = 0;              // repositories that failed in some run
  // Days lost as `status` counts them: for each repository, the days that left GitHub's
  // window between two collections (or after the last, or before the first, counting from
  // the simulation's first day).
  std::int64_t days_lost = 0;
  // Days from the first simulated day to 14 days before the end whose stored views are not
  // the day's whole count: what the store itself says was lost.
  std::int64_t days_not_whole = 0;
  int never_collected = 0;
  // Each repository's longest time between two collections, in days: the largest and the
  // median of them; and the latest first collection.
  double longest_interval_max_days = 0;
  double longest_interval_p50_days = 0;
  double first_collection_max_days = 0;
  double cpu_seconds = 0;  // this process, user + system
  double cpu_ms_per_collection = 0;
  double wall_seconds = 0;
};

PlanSimulationResult run_plan_simulation(const PlanSimulationOptions& options);

// The figures as a Markdown table, and the goals (0 days lost, never above the limit).
std::string plan_simulation_markdown(const PlanSimulationResult& result,
                                     const PlanSimulationOptions& options);
bool plan_simulation_goals_met(const PlanSimulationResult& result,
                               const PlanSimulationOptions& options);

}  // namespace ghtraffic::bench

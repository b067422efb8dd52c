// The collection plan's simulation (bench/plan_simulation.hpp) at a small scale: 2,000
// repositories on a token of 100 requests an hour for 14 simulated days keep every day,
// and no hour ever spends more than the limit. `ghtraffic-bench plan` runs it at 100,000.
#include "plan_simulation.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using namespace ghtraffic;

TEST(plan_simulation, two_thousand_repositories_on_100_an_hour_lose_no_day_in_14_days) {
  auto dir = std::filesystem::temp_directory_path() /
             ("ghtraffic-plan-simulation-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  bench::PlanSimulationOptions options;
  options.repos = 2'000;
  options.rate_limit = 100;
  options.days = 14;
  options.store_path = (dir / "sim.db").string();
  auto result = bench::run_plan_simulation(options);
  std::filesystem::remove_all(dir);

  EXPECT_EQ(result.days_lost, 0);
  EXPECT_EQ(result.days_not_whole, 0);
  EXPECT_EQ(result.never_collected, 0);
  EXPECT_EQ(result.failed, 0);
  EXPECT_EQ(result.primary_refused, 0);
  EXPECT_EQ(result.secondary_refused, 0);
  EXPECT_LE(result.peak_hour_requests, 100);
  // The plan spends the hour: more than the limit less a listing of 20 pages and a
  // repository's four requests and the reserve.
  EXPECT_GE(result.peak_hour_requests, 100 - 4 - 2);
  EXPECT_LT(result.longest_interval_max_days, 13.0);
  EXPECT_TRUE(bench::plan_simulation_goals_met(result, options))
      << bench::plan_simulation_markdown(result, options);
}

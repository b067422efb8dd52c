// When serve's next collection starts after a run that deferred repositories for the
// rate limit (web::resume_time).
#include <gtest/gtest.h>

#include "ghtraffic/web/scheduler.hpp"

using namespace ghtraffic;

namespace {

util::Timestamp at(const char* iso) {
  return *util::parse_iso8601(iso);
}

}  // namespace

TEST(scheduler_resume, a_run_deferred_for_the_rate_limit_resumes_once_the_hour_is_whole) {
  collect::Summary summary;
  summary.deferred.push_back({"o/a", collect::DeferReason::rate_limit});
  github::ClientStats stats;
  const util::Clock::SteadyTime steady{std::chrono::hours(5)};
  stats.core_reset_steady = steady + std::chrono::minutes(20);
  auto resume = web::resume_time(summary, stats, at("2026-03-20T12:00:00Z"), steady);
  ASSERT_TRUE(resume);
  EXPECT_EQ(*resume, at("2026-03-20T12:20:00Z") + web::k_resume_margin);
  // A reset already past: at once, after the margin.
  stats.core_reset_steady = steady - std::chrono::minutes(1);
  EXPECT_EQ(web::resume_time(summary, stats, at("2026-03-20T12:00:00Z"), steady),
            at("2026-03-20T12:00:00Z") + web::k_resume_margin);
}

TEST(scheduler_resume, other_deferrals_or_no_reset_wait_for_the_interval) {
  collect::Summary summary;
  summary.deferred.push_back({"o/a", collect::DeferReason::collected_today});
  summary.deferred.push_back({"o/b", collect::DeferReason::max_requests});
  github::ClientStats stats;
  const util::Clock::SteadyTime steady{std::chrono::hours(5)};
  stats.core_reset_steady = steady + std::chrono::minutes(20);
  EXPECT_EQ(web::resume_time(summary, stats, at("2026-03-20T12:00:00Z"), steady), std::nullopt);
  summary.deferred.push_back({"o/c", collect::DeferReason::rate_limit});
  stats.core_reset_steady.reset();
  EXPECT_EQ(web::resume_time(summary, stats, at("2026-03-20T12:00:00Z"), steady), std::nullopt);
}

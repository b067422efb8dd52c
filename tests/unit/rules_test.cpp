#include "ghtraffic/core/rules.hpp"

#include <gtest/gtest.h>

using namespace ghtraffic;
using core::DayCount;

namespace {
util::Day day(const char* text) {
  return *util::parse_day(text);
}
}  // namespace

TEST(rules, covered_days_span_fifteen_days_ending_on_the_observation_day) {
  core::TrafficWindow w;
  w.observed_at = *util::parse_iso8601("2026-03-20T17:45:00Z");
  w.days = {{day("2026-03-10"), 5, 2}};
  auto covered = core::covered_days(w);
  ASSERT_EQ(covered.size(), 15u);
  EXPECT_EQ(covered.front().day, day("2026-03-06"));
  EXPECT_EQ(covered.back().day, day("2026-03-20"));
  for (const auto& c : covered) {
    if (c.day == day("2026-03-10")) {
      EXPECT_EQ(c.count, 5);
      EXPECT_EQ(c.uniques, 2);
    } else {
      EXPECT_EQ(c.count, 0) << util::format_day(c.day);
    }
  }
}

TEST(rules, max_merge_keeps_the_larger_count_and_uniques_independently) {
  DayCount stored{day("2026-01-01"), 9, 5};
  auto merged = core::max_merge(stored, {day("2026-01-01"), 12, 3});
  EXPECT_EQ(merged.count, 12);
  EXPECT_EQ(merged.uniques, 5);
  merged = core::max_merge(merged, {day("2026-01-01"), 7, 1});
  EXPECT_EQ(merged.count, 12);
  EXPECT_EQ(merged.uniques, 5);
}

TEST(rules, merge_days_writes_only_new_or_grown_days) {
  std::map<util::Day, DayCount> stored{{day("2026-01-01"), {day("2026-01-01"), 9, 4}},
                                       {day("2026-01-02"), {day("2026-01-02"), 3, 1}}};
  auto outcome = core::merge_days(
      stored, {{day("2026-01-01"), 12, 4}, {day("2026-01-02"), 1, 1}, {day("2026-01-03"), 0, 0}});
  EXPECT_EQ(outcome.new_days, 1);
  EXPECT_EQ(outcome.grown_days, 1);
  ASSERT_EQ(outcome.to_write.size(), 2u);
  EXPECT_EQ(outcome.to_write[0], (DayCount{day("2026-01-01"), 12, 4}));
  EXPECT_EQ(outcome.to_write[1], (DayCount{day("2026-01-03"), 0, 0}));
}

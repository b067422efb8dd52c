// The store conformance suite, continued: what a store keeps of an observation whose
// metadata answer was incomplete (R6: unknown counters are no snapshot, never zeros).
#include <gtest/gtest.h>

#include "store_conformance.hpp"

using namespace ghtraffic;
using namespace ghtraffic::store::testing;
using core::TrafficKind;

TEST_P(store_conformance, an_observation_without_its_details_stores_its_traffic_and_no_counters) {
  auto store = open();
  auto first = observation(8, "octo/cat", "2026-07-01T08:00:00Z");
  first.meta.visibility = "private";
  first.meta.archived = true;
  first.meta.stars = 100;
  store->commit(first);
  // The next day's metadata answer named the repository but nothing else: its counters are
  // unknown, not zero, and what the store knows of it stays.
  auto next = observation(8, "octo/cat", "2026-07-02T08:00:00Z");
  next.details_known = false;
  next.meta.visibility.clear();
  next.views = window(TrafficKind::views, "2026-07-02T08:00:00Z", {{day("2026-07-02"), 5, 2}});
  store->commit(next);

  auto counters = store->counters(8);
  ASSERT_EQ(counters.size(), 1u);
  EXPECT_EQ(counters[0].stars, 100);
  auto repos = store->repositories();
  ASSERT_EQ(repos.size(), 1u);
  EXPECT_EQ(repos[0].visibility, "private");
  EXPECT_TRUE(repos[0].archived);
  EXPECT_EQ(repos[0].last_collected, at("2026-07-02T08:00:00Z"));
  EXPECT_EQ(store->days(8, TrafficKind::views).size(), 15u);
}

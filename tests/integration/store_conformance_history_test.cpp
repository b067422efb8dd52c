// The store conformance suite, continued: star and fork history, backfill states and
// release download snapshots, on every backend (R3, R6, R7, R9).
#include <gtest/gtest.h>

#include "ghtraffic/util/error.hpp"
#include "store_conformance.hpp"

using namespace ghtraffic;
using namespace ghtraffic::store::testing;
using core::CountKind;
using core::TrafficKind;

namespace {

core::RepoObservation collected(core::RepoId id, const std::string& name, const char* when) {
  auto o = observation(id, name, when);
  o.meta.stars = 40;
  o.meta.forks = 4;
  o.views = window(TrafficKind::views, when, {{day("2026-03-19"), 3, 1}}, 3, 1);
  return o;
}

core::Backfill backfill(std::vector<core::HistoryCount> stars,
                        std::vector<core::HistoryCount> forks = {}) {
  return {7, "octo/alpha", std::move(stars), std::move(forks), {}};
}

core::BackfillState state_of(CountKind kind, const char* source, std::int64_t position) {
  return {kind,
          source,
          "http://127.0.0.1:1/repos/octo/alpha/" + std::string(source) + "?page=3",
          position,
          day("2026-03-10"),
          false,
          day("2026-03-12"),
          day("2026-01-01"),
          std::nullopt,
          "",
          at("2026-03-20T10:00:00Z")};
}

core::RepoObservation with_downloads(const char* when, std::vector<core::AssetDownloads> assets) {
  auto o = collected(7, "octo/alpha", when);
  o.downloads = core::DownloadSnapshot{at(when), std::move(assets)};
  return o;
}

}  // namespace

TEST_P(store_conformance, keeps_only_the_backfilled_days_and_no_zero_for_the_others_r3) {
  auto store = open();
  store->commit(collected(7, "octo/alpha", "2026-03-20T10:00:00Z"));
  auto result = store->commit_backfill(
      backfill({{day("2026-03-01"), 10}, {day("2026-03-03"), 12}}, {{day("2026-02-27"), 1}}));
  EXPECT_EQ(result.new_days, 3);
  EXPECT_EQ(store->history_counts(7, CountKind::stars),
            (std::vector<core::HistoryCount>{{day("2026-03-01"), 10}, {day("2026-03-03"), 12}}));
  EXPECT_EQ(store->history_counts(7, CountKind::forks),
            (std::vector<core::HistoryCount>{{day("2026-02-27"), 1}}));
  EXPECT_EQ(store->history_counts(7, CountKind::stars, {day("2026-03-02"), day("2026-03-31")}),
            (std::vector<core::HistoryCount>{{day("2026-03-03"), 12}}));
  EXPECT_TRUE(store->history_counts(8, CountKind::stars).empty());
}

TEST_P(store_conformance, a_history_day_only_grows_and_is_never_lowered_r9) {
  auto store = open();
  store->commit(collected(7, "octo/alpha", "2026-03-20T10:00:00Z"));
  EXPECT_EQ(store->commit_backfill(backfill({{day("2026-03-01"), 10}})).new_days, 1);
  auto lower = store->commit_backfill(backfill({{day("2026-03-01"), 8}}));
  EXPECT_EQ(lower.new_days + lower.grown_days, 0);
  auto higher =
      store->commit_backfill(backfill({{day("2026-03-01"), 11}, {day("2026-04-02"), 13}}));
  EXPECT_EQ(higher.grown_days, 1);
  EXPECT_EQ(higher.new_days, 1);
  // A collection in between rolls the history forward on DynamoDB; nothing changes.
  store->commit(collected(7, "octo/alpha", "2026-03-21T10:00:00Z"));
  EXPECT_EQ(store->commit_backfill(backfill({{day("2026-03-01"), 9}})).grown_days, 0);
  EXPECT_EQ(store->history_counts(7, CountKind::stars),
            (std::vector<core::HistoryCount>{{day("2026-03-01"), 11}, {day("2026-04-02"), 13}}));
}

TEST_P(store_conformance, backfilling_the_same_history_twice_changes_nothing_r7) {
  auto store = open();
  store->commit(collected(7, "octo/alpha", "2026-03-20T10:00:00Z"));
  auto b = backfill({{day("2026-03-01"), 10}, {day("2026-03-02"), 10}}, {{day("2026-03-02"), 2}});
  b.states = {state_of(CountKind::stars, "stargazers", 100)};
  store->commit_backfill(b);
  const auto before = visible_state(*store);
  auto again = store->commit_backfill(b);
  EXPECT_EQ(again.new_days + again.grown_days, 0);
  EXPECT_EQ(visible_state(*store), before);
  EXPECT_EQ(visible_state(*open({.read_only = true})), before);
}

TEST_P(store_conformance, refuses_a_backfill_of_a_repository_it_does_not_hold) {
  auto store = open();
  store->commit(collected(7, "octo/alpha", "2026-03-20T10:00:00Z"));
  const auto before = visible_state(*store);
  core::Backfill unknown{99, "octo/unknown", {{day("2026-03-01"), 1}}, {}, {}};
  unknown.states = {state_of(CountKind::stars, "stargazers", 100)};
  try {
    store->commit_backfill(unknown);
    ADD_FAILURE() << "a backfill of a repository the store does not hold was taken";
  } catch (const util::Error& e) {
    EXPECT_NE(std::string(e.what()).find("octo/unknown is not in"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(store->history_counts(99, CountKind::stars).empty());
  EXPECT_FALSE(store->backfill_state(99, CountKind::stars));
  EXPECT_EQ(visible_state(*store), before);
}

TEST_P(store_conformance, keeps_where_each_backfill_source_stopped_and_replaces_it_with_the_next) {
  auto store = open();
  store->commit(collected(7, "octo/alpha", "2026-03-20T10:00:00Z"));
  auto b = backfill({});
  b.states = {state_of(CountKind::forks, "forks", 200)};
  b.states[0].approximate_from = day("2026-03-11");
  b.states[0].note = "cut off";
  store->commit_backfill(b);
  auto read = store->backfill_state(7, CountKind::forks);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->source, "forks");
  EXPECT_EQ(read->next_url, b.states[0].next_url);
  EXPECT_EQ(read->next_position, 200);
  EXPECT_EQ(read->through_day, day("2026-03-10"));
  EXPECT_FALSE(read->complete);
  EXPECT_EQ(read->resume_before, day("2026-03-12"));
  EXPECT_EQ(read->pass_until, day("2026-01-01"));
  EXPECT_EQ(read->approximate_from, day("2026-03-11"));
  EXPECT_EQ(read->note, "cut off");
  EXPECT_EQ(read->updated_at, at("2026-03-20T10:00:00Z"));
  EXPECT_FALSE(store->backfill_state(7, CountKind::stars));

  // A later state of the kind replaces it, after a collection as before one.
  store->commit(collected(7, "octo/alpha", "2026-03-21T10:00:00Z"));
  auto next = backfill({});
  next.states = {state_of(CountKind::forks, "forks", 300), state_of(CountKind::stars, "x", 1)};
  next.states[0].complete = true;
  next.states[0].next_url.clear();
  next.states[0].through_day.reset();
  next.states[0].resume_before.reset();
  next.states[0].pass_until.reset();
  store->commit_backfill(next);
  std::vector<std::unique_ptr<store::Store>> stores;
  stores.push_back(std::move(store));
  stores.push_back(open({.read_only = true}));
  for (const auto& reopened : stores) {
    auto forks = reopened->backfill_state(7, CountKind::forks);
    ASSERT_TRUE(forks);
    EXPECT_EQ(forks->next_position, 300);
    EXPECT_TRUE(forks->complete);
    EXPECT_EQ(forks->next_url, "");
    EXPECT_FALSE(forks->through_day);
    EXPECT_FALSE(forks->resume_before);
    EXPECT_FALSE(forks->pass_until);
    EXPECT_FALSE(forks->approximate_from);
    EXPECT_EQ(forks->note, "");
    ASSERT_TRUE(reopened->backfill_state(7, CountKind::stars));
    EXPECT_EQ(reopened->backfill_state(7, CountKind::stars)->source, "x");
  }
}

TEST_P(store_conformance, a_backfill_that_fails_midway_shows_nothing_of_it_r7) {
  auto store = open();
  store->commit(collected(7, "octo/alpha", "2026-03-20T10:00:00Z"));
  store->commit_backfill(backfill({{day("2026-02-01"), 3}}));
  const auto before = visible_state(*store);

  auto b = backfill({{day("2026-01-01"), 1}, {day("2026-02-01"), 5}, {day("2026-03-01"), 9}},
                    {{day("2026-03-01"), 2}});
  b.states = {state_of(CountKind::stars, "stargazers", 100)};
  int failed = 0;
  for (int point = 0; m_backend->fail_backfill_at(point); ++point) {
    bool committed = false;
    try {
      store->commit_backfill(b);
      committed = true;
    } catch (const util::Error& e) {
      EXPECT_NE(std::string(e.what()).find("nothing of octo/alpha was backfilled"),
                std::string::npos)
          << e.what();
    }
    m_backend->heal();
    if (committed) {
      break;  // past the last request of a backfill commit
    }
    ++failed;
    EXPECT_EQ(visible_state(*open({.read_only = true})), before) << "failed at point " << point;
  }
  EXPECT_GE(failed, 2);

  std::unique_ptr<StoreBackend> reference_backend;
  if (GetParam() == "sqlite") {
    reference_backend = std::make_unique<SqliteBackend>();
  } else {
    reference_backend = std::make_unique<DynamoBackend>();
  }
  auto reference = reference_backend->open();
  reference->commit(collected(7, "octo/alpha", "2026-03-20T10:00:00Z"));
  reference->commit_backfill(backfill({{day("2026-02-01"), 3}}));
  reference->commit_backfill(b);
  store->commit_backfill(b);
  EXPECT_EQ(visible_state(*store), visible_state(*reference));
  EXPECT_EQ(store->history_counts(7, CountKind::stars).size(), 3u);
}

TEST_P(store_conformance, keeps_each_assets_latest_download_count_of_a_day_r6) {
  auto store = open();
  store->commit(with_downloads("2026-03-20T08:00:00Z", {{"v1", "a.zip", 30}, {"v1", "b.zip", 3}}));
  store->commit(with_downloads("2026-03-20T12:00:00Z", {{"v1", "a.zip", 50}}));
  // An earlier snapshot of the day committed late changes nothing.
  store->commit(with_downloads("2026-03-20T06:00:00Z", {{"v1", "a.zip", 20}}));
  auto snapshots = store->downloads(7);
  ASSERT_EQ(snapshots.size(), 1u);
  EXPECT_EQ(snapshots[0].observed_at, at("2026-03-20T12:00:00Z"));
  EXPECT_EQ(snapshots[0].assets,
            (std::vector<core::AssetDownloads>{{"v1", "a.zip", 50}, {"v1", "b.zip", 3}}));

  // A backfill between two collections of a day does not lose the earlier assets either.
  store->commit(with_downloads("2026-03-21T08:00:00Z", {{"v2", "c.zip", 1}, {"v1", "a.zip", 60}}));
  store->commit_backfill(backfill({{day("2026-03-01"), 10}}));
  store->commit(with_downloads("2026-03-21T09:00:00Z", {{"v1", "a.zip", 61}}));
  const auto before = visible_state(*store);
  EXPECT_EQ(visible_state(*open({.read_only = true})), before);
  snapshots = store->downloads(7);
  ASSERT_EQ(snapshots.size(), 2u);
  EXPECT_EQ(snapshots[1].observed_at, at("2026-03-21T09:00:00Z"));
  EXPECT_EQ(snapshots[1].assets,
            (std::vector<core::AssetDownloads>{{"v1", "a.zip", 61}, {"v2", "c.zip", 1}}));
  auto second_day = store->downloads(7, {day("2026-03-21"), std::nullopt});
  ASSERT_EQ(second_day.size(), 1u);
  EXPECT_EQ(second_day[0].observed_at, at("2026-03-21T09:00:00Z"));
}

TEST_P(store_conformance, keeps_download_snapshots_of_each_day_sorted_by_day_and_none_of_no_asset) {
  auto store = open();
  store->commit(with_downloads("2026-03-22T08:00:00Z", {{"v1", "a.zip", 40}}));
  store->commit(with_downloads("2026-03-20T08:00:00Z", {{"v1", "a.zip", 30}}));
  store->commit(with_downloads("2026-03-21T08:00:00Z", {}));
  auto snapshots = store->downloads(7);
  ASSERT_EQ(snapshots.size(), 2u);
  EXPECT_EQ(snapshots[0].observed_at, at("2026-03-20T08:00:00Z"));
  EXPECT_EQ(snapshots[1].observed_at, at("2026-03-22T08:00:00Z"));
  const auto state = visible_state(*store);
  store->commit(with_downloads("2026-03-22T08:00:00Z", {{"v1", "a.zip", 40}}));
  EXPECT_EQ(visible_state(*store), state);
}

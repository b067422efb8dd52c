// The store conformance suite: the data rules R1-R9 and the reading API, one set of tests
// run on every backend (SQLite, and DynamoDB against dynalite on loopback).
#include "store_conformance.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "ghtraffic/util/error.hpp"

using namespace ghtraffic;
using namespace ghtraffic::store::testing;
using core::DayCount;
using core::TrafficKind;

namespace {

std::vector<util::Day> days_of(const std::vector<store::DayRecord>& records) {
  std::vector<util::Day> out;
  for (const auto& r : records) {
    out.push_back(r.day);
  }
  return out;
}

std::optional<store::DayRecord> find_day(const std::vector<store::DayRecord>& records,
                                         util::Day d) {
  for (const auto& r : records) {
    if (r.day == d) {
      return r;
    }
  }
  return std::nullopt;
}

core::RepoObservation full_observation(core::RepoId id, const std::string& name, const char* when) {
  auto o = observation(id, name, when);
  o.meta.stars = 42;
  o.views = window(TrafficKind::views, when, {{day("2026-08-01"), 10, 4}}, 10, 4);
  o.clones = window(TrafficKind::clones, when, {{day("2026-08-02"), 2, 1}}, 2, 1);
  o.paths = core::PathSnapshot{at(when), {{"/", "Home", 10, 4}}};
  o.referrers = core::ReferrerSnapshot{at(when), {{"news.ycombinator.com", 5, 3}}};
  o.events = {{core::EventKind::star, at("2026-08-01T01:00:00Z"), "alice"}};
  o.cache = {{"https://api.github.com/repos/" + name + "/traffic/views?per=day", "\"etag1\"",
              "{\"count\":10}"}};
  return o;
}

// A later observation of the same repository that changes every kind of data.
core::RepoObservation next_observation(core::RepoId id, const std::string& name) {
  const char* when = "2026-08-04T09:00:00Z";
  auto o = observation(id, name, when);
  o.names = {name, name + "-renamed"};
  o.meta.full_name = name + "-renamed";
  o.meta.stars = 43;
  o.views = window(TrafficKind::views, when,
                   {{day("2026-08-01"), 12, 5}, {day("2026-08-04"), 3, 3}}, 15, 8);
  o.clones = window(TrafficKind::clones, when, {{day("2026-08-04"), 1, 1}}, 3, 2);
  o.paths = core::PathSnapshot{at(when), {{"/docs", "Docs", 4, 2}}};
  o.referrers = core::ReferrerSnapshot{at(when), {}};
  o.events = {{core::EventKind::fork, at("2026-08-04T01:00:00Z"), "bob/cat"}};
  return o;
}

// A second, empty store of the same kind, to compare against.
struct store_conformance_reference {
  explicit store_conformance_reference(const std::string& kind) {
    if (kind == "sqlite") {
      backend = std::make_unique<SqliteBackend>();
    } else {
      backend = std::make_unique<DynamoBackend>();
    }
    store = backend->open();
  }
  std::unique_ptr<StoreBackend> backend;
  std::unique_ptr<store::Store> store;
};

}  // namespace

// Instantiates the suite's tests of every file (store_conformance_*_test.cpp too).
INSTANTIATE_TEST_SUITE_P(backends, store_conformance, ::testing::Values("sqlite", "dynamodb"),
                         [](const ::testing::TestParamInfo<std::string>& backend) {
                           return backend.param;
                         });

TEST_P(store_conformance, keeps_views_and_clones_in_separate_day_buckets) {
  auto store = open();
  auto o = observation(1, "octo/cat", "2026-03-20T12:00:00Z");
  o.views = window(TrafficKind::views, "2026-03-20T12:00:00Z", {{day("2026-03-19"), 40, 10}});
  o.clones = window(TrafficKind::clones, "2026-03-20T12:00:00Z", {{day("2026-03-19"), 3, 2}});
  auto result = store->commit(o);
  EXPECT_EQ(result.repo_id, 1);
  EXPECT_EQ(result.days_stored, 15);  // UTC days: one with views and clones counts once
  EXPECT_EQ(result.new_days, 30);

  auto views = store->days(1, TrafficKind::views);
  auto clones = store->days(1, TrafficKind::clones);
  ASSERT_EQ(views.size(), 15u);
  ASSERT_EQ(clones.size(), 15u);
  EXPECT_EQ(find_day(views, day("2026-03-19")), (DayCount{day("2026-03-19"), 40, 10}));
  EXPECT_EQ(find_day(clones, day("2026-03-19")), (DayCount{day("2026-03-19"), 3, 2}));
}

TEST_P(store_conformance, counts_the_days_stored_once_whichever_kinds_cover_them) {
  auto store = open();
  auto o = observation(3, "octo/cat", "2026-03-20T12:00:00Z");
  o.views = window(TrafficKind::views, "2026-03-20T12:00:00Z", {});  // 03-06..03-20
  EXPECT_EQ(store->commit(o).days_stored, 15);
  auto later = observation(3, "octo/cat", "2026-03-25T12:00:00Z");
  later.clones = window(TrafficKind::clones, "2026-03-25T12:00:00Z", {});  // 03-11..03-25
  EXPECT_EQ(store->commit(later).days_stored, 20);                         // 03-06..03-25
  auto both = observation(3, "octo/cat", "2026-04-20T12:00:00Z");
  both.views = window(TrafficKind::views, "2026-04-20T12:00:00Z", {});  // 04-06..04-20
  both.clones = window(TrafficKind::clones, "2026-04-20T12:00:00Z", {});
  EXPECT_EQ(store->commit(both).days_stored, 35);  // and a gap of 03-26..04-05 between
  EXPECT_EQ(store->commit(both).days_stored, 35);
}

TEST_P(store_conformance, keeps_the_largest_count_and_uniques_a_day_was_ever_reported_with) {
  auto store = open();
  const auto d = day("2026-01-10");
  const char* times[] = {"2026-01-10T08:00:00Z", "2026-01-10T12:00:00Z", "2026-01-10T20:00:00Z"};
  const DayCount reports[] = {{d, 9, 5}, {d, 12, 3}, {d, 7, 1}};
  std::vector<store::CommitResult> results;
  for (int i = 0; i < 3; ++i) {
    auto o = observation(5, "octo/cat", times[i]);
    o.views = window(TrafficKind::views, times[i], {reports[i]});
    results.push_back(store->commit(o));
  }
  EXPECT_EQ(find_day(store->days(5, TrafficKind::views), d), (DayCount{d, 12, 5}));
  EXPECT_EQ(results[0].new_days, 15);
  EXPECT_EQ(results[1].new_days, 0);
  EXPECT_EQ(results[1].grown_days, 1);
  EXPECT_EQ(results[2].grown_days, 0);
}

TEST_P(store_conformance, stores_a_covered_missing_day_as_zero_and_leaves_an_uncovered_day_a_gap) {
  auto store = open();
  auto first = observation(2, "octo/cat", "2026-03-20T17:45:00Z");
  first.views = window(TrafficKind::views, "2026-03-20T17:45:00Z", {{day("2026-03-10"), 5, 2}});
  store->commit(first);
  auto second = observation(2, "octo/cat", "2026-04-20T09:00:00Z");
  second.views = window(TrafficKind::views, "2026-04-20T09:00:00Z", {{day("2026-04-19"), 8, 4}});
  store->commit(second);

  auto views = store->days(2, TrafficKind::views);
  EXPECT_EQ(views.size(), 30u);
  EXPECT_EQ(find_day(views, day("2026-03-11")), (DayCount{day("2026-03-11"), 0, 0}));
  EXPECT_EQ(find_day(views, day("2026-03-10")), (DayCount{day("2026-03-10"), 5, 2}));
  EXPECT_FALSE(find_day(views, day("2026-03-05")));  // before the first window: a gap
  for (auto d = day("2026-03-21"); d <= day("2026-04-05"); d += std::chrono::days{1}) {
    EXPECT_FALSE(find_day(views, d)) << util::format_day(d) << " was never covered";
  }
  EXPECT_TRUE(store->days(2, TrafficKind::clones).empty());  // no clones response at all
}

TEST_P(store_conformance, takes_the_observation_day_from_the_window_not_from_the_local_clock) {
  auto store = open();
  // Read a few seconds after midnight by the counters, but the response is dated the day
  // before: coverage follows the response.
  auto o = observation(3, "octo/cat", "2020-01-16T00:00:05Z");
  o.views = window(TrafficKind::views, "2020-01-15T23:59:59Z", {});
  store->commit(o);
  auto views = store->days(3, TrafficKind::views);
  ASSERT_EQ(views.size(), 15u);
  EXPECT_EQ(views.front().day, day("2020-01-01"));
  EXPECT_EQ(views.back().day, day("2020-01-15"));
  auto repos = store->repositories();
  ASSERT_EQ(repos.size(), 1u);
  EXPECT_EQ(repos[0].first_day, day("2020-01-01"));
  EXPECT_EQ(repos[0].last_day, day("2020-01-15"));
}

TEST_P(store_conformance, keeps_the_window_totals_of_every_observation) {
  auto store = open();
  auto o = observation(4, "octo/cat", "2026-05-01T10:00:00Z");
  o.views = window(TrafficKind::views, "2026-05-01T10:00:00Z", {}, 120, 31);
  o.clones = window(TrafficKind::clones, "2026-05-01T10:00:00Z", {}, 9, 4);
  store->commit(o);
  store->commit(o);  // the same observation again adds nothing
  auto later = observation(4, "octo/cat", "2026-05-01T16:00:00Z");
  later.views = window(TrafficKind::views, "2026-05-01T16:00:00Z", {}, 130, 33);
  store->commit(later);

  auto windows = store->windows(4);
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(windows[0].kind, TrafficKind::views);
  EXPECT_EQ(windows[0].count, 120);
  EXPECT_EQ(windows[0].uniques, 31);
  EXPECT_EQ(windows[1].kind, TrafficKind::clones);
  EXPECT_EQ(windows[1].count, 9);
  EXPECT_EQ(windows[2].observed_at, at("2026-05-01T16:00:00Z"));
  EXPECT_EQ(windows[2].uniques, 33);
}

TEST_P(store_conformance,
       lists_window_totals_by_time_then_views_before_clones_in_any_commit_order) {
  auto store = open();
  auto commit = [&](const char* when, bool views, bool clones, std::int64_t uniques) {
    auto o = observation(4, "octo/cat", when);
    if (clones) {
      o.clones = window(TrafficKind::clones, when, {}, 1, uniques);
    }
    if (views) {
      o.views = window(TrafficKind::views, when, {}, 2, uniques);
    }
    store->commit(o);
  };
  commit("2026-05-03T10:00:00Z", true, true, 3);
  commit("2026-05-01T10:00:00Z", false, true, 1);
  commit("2026-05-02T10:00:00Z", true, true, 2);
  commit("2026-05-01T10:00:00Z", true, false, 1);

  auto windows = store->windows(4);
  ASSERT_EQ(windows.size(), 6u);
  const std::pair<const char*, TrafficKind> expected[] = {
      {"2026-05-01T10:00:00Z", TrafficKind::views}, {"2026-05-01T10:00:00Z", TrafficKind::clones},
      {"2026-05-02T10:00:00Z", TrafficKind::views}, {"2026-05-02T10:00:00Z", TrafficKind::clones},
      {"2026-05-03T10:00:00Z", TrafficKind::views}, {"2026-05-03T10:00:00Z", TrafficKind::clones}};
  for (std::size_t i = 0; i < windows.size(); ++i) {
    EXPECT_EQ(windows[i].observed_at, at(expected[i].first)) << i;
    EXPECT_EQ(windows[i].kind, expected[i].second) << i;
  }
}

TEST_P(store_conformance, replaces_a_days_top_ten_with_a_later_one_of_the_same_day) {
  auto store = open();
  auto morning = observation(6, "octo/cat", "2026-06-01T08:00:00Z");
  morning.paths = core::PathSnapshot{at("2026-06-01T08:00:00Z"),
                                     {{"/a", "A", 10, 3}, {"/b", "B", 5, 2}, {"/c", "C", 1, 1}}};
  morning.referrers = core::ReferrerSnapshot{at("2026-06-01T08:00:00Z"), {{"google.com", 7, 3}}};
  store->commit(morning);
  auto evening = observation(6, "octo/cat", "2026-06-01T20:00:00Z");
  evening.paths = core::PathSnapshot{at("2026-06-01T20:00:00Z"), {{"/b", "B", 12, 4}}};
  evening.referrers = core::ReferrerSnapshot{at("2026-06-01T20:00:00Z"), {{"github.com", 9, 5}}};
  store->commit(evening);

  auto paths = store->path_snapshots(6);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].observed_at, at("2026-06-01T20:00:00Z"));
  EXPECT_EQ(paths[0].entries, (std::vector<core::PopularPath>{{"/b", "B", 12, 4}}));
  auto referrers = store->referrer_snapshots(6);
  ASSERT_EQ(referrers.size(), 1u);
  EXPECT_EQ(referrers[0].entries, (std::vector<core::Referrer>{{"github.com", 9, 5}}));
}

TEST_P(store_conformance, never_replaces_a_days_top_ten_with_an_earlier_one) {
  auto store = open();
  auto evening = observation(6, "octo/cat", "2026-06-01T20:00:00Z");
  evening.paths = core::PathSnapshot{at("2026-06-01T20:00:00Z"), {{"/b", "B", 12, 4}}};
  store->commit(evening);
  auto morning = observation(6, "octo/cat", "2026-06-01T08:00:00Z");
  morning.paths = core::PathSnapshot{at("2026-06-01T08:00:00Z"), {{"/a", "A", 10, 3}}};
  store->commit(morning);

  auto paths = store->path_snapshots(6);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].observed_at, at("2026-06-01T20:00:00Z"));
  EXPECT_EQ(paths[0].entries, (std::vector<core::PopularPath>{{"/b", "B", 12, 4}}));
}

TEST_P(store_conformance, keeps_top_tens_of_different_days_as_separate_snapshots) {
  auto store = open();
  const char* times[] = {"2026-06-01T08:00:00Z", "2026-06-02T08:00:00Z", "2026-06-03T08:00:00Z"};
  for (int i = 0; i < 3; ++i) {
    auto o = observation(6, "octo/cat", times[i]);
    o.paths = core::PathSnapshot{at(times[i]), {{"/a", "A", 10 + i, 3}}};
    o.referrers = core::ReferrerSnapshot{at(times[i]), {{"google.com", 7 + i, 3}}};
    store->commit(o);
  }
  auto paths = store->path_snapshots(6);
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(paths[0].entries[0].count, 10);
  EXPECT_EQ(paths[2].entries[0].count, 12);
  EXPECT_EQ(store->referrer_snapshots(6).size(), 3u);
  auto middle = store->path_snapshots(6, {day("2026-06-02"), day("2026-06-02")});
  ASSERT_EQ(middle.size(), 1u);
  EXPECT_EQ(middle[0].observed_at, at("2026-06-02T08:00:00Z"));
}

TEST_P(store_conformance, lists_one_snapshot_a_day_sorted_by_day_in_any_commit_order) {
  auto store = open();
  auto commit = [&](const char* when, std::int64_t n) {
    auto o = observation(6, "octo/cat", when);
    o.meta.stars = n;
    o.paths = core::PathSnapshot{at(when), {{"/a", "A", n, 1}}};
    o.referrers = core::ReferrerSnapshot{at(when), {{"google.com", n, 1}}};
    store->commit(o);
  };
  commit("2026-06-03T08:00:00Z", 30);
  commit("2026-06-01T20:00:00Z", 11);  // the latest of 06-01
  commit("2026-06-02T08:00:00Z", 20);
  commit("2026-06-01T08:00:00Z", 10);  // earlier the same day: kept out

  const util::Timestamp expected_at[] = {at("2026-06-01T20:00:00Z"), at("2026-06-02T08:00:00Z"),
                                         at("2026-06-03T08:00:00Z")};
  const std::int64_t expected_n[] = {11, 20, 30};
  auto paths = store->path_snapshots(6);
  auto referrers = store->referrer_snapshots(6);
  auto counters = store->counters(6);
  ASSERT_EQ(paths.size(), 3u);
  ASSERT_EQ(referrers.size(), 3u);
  ASSERT_EQ(counters.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(paths[i].observed_at, expected_at[i]) << i;
    EXPECT_EQ(paths[i].entries.at(0).count, expected_n[i]) << i;
    EXPECT_EQ(referrers[i].observed_at, expected_at[i]) << i;
    EXPECT_EQ(referrers[i].entries.at(0).count, expected_n[i]) << i;
    EXPECT_EQ(counters[i].observed_at, expected_at[i]) << i;
    EXPECT_EQ(counters[i].stars, expected_n[i]) << i;
  }
}

TEST_P(store_conformance, keeps_an_empty_top_ten_as_a_snapshot_of_no_traffic) {
  auto store = open();
  auto o = observation(6, "octo/cat", "2026-06-01T08:00:00Z");
  o.paths = core::PathSnapshot{at("2026-06-01T08:00:00Z"), {}};
  store->commit(o);
  auto paths = store->path_snapshots(6);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_TRUE(paths[0].entries.empty());
  EXPECT_TRUE(store->referrer_snapshots(6).empty());  // never observed
}

TEST_P(store_conformance, keeps_the_order_of_a_top_ten_as_reported) {
  auto store = open();
  auto o = observation(6, "octo/cat", "2026-06-01T08:00:00Z");
  std::vector<core::PopularPath> entries;
  for (int i = 0; i < 10; ++i) {
    entries.push_back({"/p" + std::to_string(i), "title", 100 - i, 10 - i});
  }
  o.paths = core::PathSnapshot{at("2026-06-01T08:00:00Z"), entries};
  store->commit(o);
  EXPECT_EQ(store->path_snapshots(6).at(0).entries, entries);
}

TEST_P(store_conformance, keeps_the_latest_counters_of_each_day) {
  auto store = open();
  auto commit_counters = [&](const char* when, std::int64_t stars) {
    auto o = observation(7, "octo/cat", when);
    o.meta.stars = stars;
    o.meta.forks = stars / 10;
    o.meta.watchers = 3;
    o.meta.open_issues = 4;
    store->commit(o);
  };
  commit_counters("2026-07-01T08:00:00Z", 100);
  commit_counters("2026-07-01T20:00:00Z", 110);  // later the same day: replaces
  commit_counters("2026-07-01T12:00:00Z", 90);   // earlier the same day: ignored
  commit_counters("2026-07-02T08:00:00Z", 120);  // another day: another snapshot

  auto counters = store->counters(7);
  ASSERT_EQ(counters.size(), 2u);
  EXPECT_EQ(counters[0].observed_at, at("2026-07-01T20:00:00Z"));
  EXPECT_EQ(counters[0].stars, 110);
  EXPECT_EQ(counters[0].forks, 11);
  EXPECT_EQ(counters[0].watchers, 3);
  EXPECT_EQ(counters[0].open_issues, 4);
  EXPECT_EQ(counters[1].stars, 120);
  EXPECT_EQ(store->counters(7, {day("2026-07-02"), std::nullopt}).size(), 1u);
}

TEST_P(store_conformance, keeps_star_and_fork_events_once_each) {
  auto store = open();
  auto o = observation(8, "octo/cat", "2026-07-01T08:00:00Z");
  o.events = {{core::EventKind::star, at("2020-01-02T03:04:05Z"), "alice"},
              {core::EventKind::fork, at("2020-01-01T00:00:00Z"), "bob/cat"},
              {core::EventKind::star, at("2021-05-05T05:05:05Z"), "carol"}};
  store->commit(o);
  auto again = observation(8, "octo/cat", "2026-07-02T08:00:00Z");
  again.events = {o.events[0], {core::EventKind::star, at("2026-07-01T09:00:00Z"), "dave"}};
  store->commit(again);

  auto events = store->events(8);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].actor, "bob/cat");
  EXPECT_EQ(events[0].kind, core::EventKind::fork);
  EXPECT_EQ(events[1].actor, "alice");
  EXPECT_EQ(events[1].at, at("2020-01-02T03:04:05Z"));
  EXPECT_EQ(events[3].actor, "dave");
}

TEST_P(store_conformance, keeps_one_history_and_every_name_of_a_renamed_repository) {
  auto store = open();
  auto before = observation(10, "octo/old-name", "2026-09-01T10:00:00Z");
  before.views = window(TrafficKind::views, "2026-09-01T10:00:00Z", {{day("2026-09-01"), 5, 1}});
  store->commit(before);
  auto after = observation(10, "octo/new-name", "2026-09-20T10:00:00Z");
  after.names = {"octo/old-name", "octo/new-name"};  // reached through the redirect
  after.views = window(TrafficKind::views, "2026-09-20T10:00:00Z", {{day("2026-09-20"), 7, 2}});
  store->commit(after);

  auto repos = store->repositories();
  ASSERT_EQ(repos.size(), 1u);
  EXPECT_EQ(repos[0].id, 10);
  EXPECT_EQ(repos[0].full_name, "octo/new-name");
  EXPECT_EQ(repos[0].names, (std::vector<std::string>{"octo/old-name", "octo/new-name"}));
  EXPECT_EQ(repos[0].first_day, day("2026-08-18"));
  EXPECT_EQ(repos[0].last_day, day("2026-09-20"));
  EXPECT_EQ(store->days(10, TrafficKind::views).size(), 30u);
  EXPECT_EQ(find_repo(*store, "octo/old-name"), 10);
  EXPECT_EQ(find_repo(*store, "OCTO/New-Name"), 10);
  EXPECT_FALSE(find_repo(*store, "octo/other"));
}

TEST_P(store_conformance, finds_the_repository_that_holds_a_name_now_after_the_name_was_reused) {
  auto store = open();
  store->commit(observation(11, "octo/tool", "2026-01-01T00:00:00Z"));
  store->commit(observation(11, "octo/tool-legacy", "2026-02-01T00:00:00Z"));
  store->commit(observation(12, "octo/tool", "2026-03-01T00:00:00Z"));
  EXPECT_EQ(find_repo(*store, "octo/tool"), 12);
  EXPECT_EQ(find_repo(*store, "octo/tool-legacy"), 11);
}

TEST_P(store_conformance, an_older_observation_committed_late_keeps_the_newer_name) {
  auto store = open();
  store->commit(observation(13, "octo/new", "2026-02-01T00:00:00Z"));
  store->commit(observation(13, "octo/old", "2026-01-01T00:00:00Z"));
  auto repos = store->repositories();
  ASSERT_EQ(repos.size(), 1u);
  EXPECT_EQ(repos[0].full_name, "octo/new");
  EXPECT_EQ(repos[0].last_collected, at("2026-02-01T00:00:00Z"));
  EXPECT_EQ(repos[0].names, (std::vector<std::string>{"octo/old", "octo/new"}));
}

TEST_P(store_conformance, never_removes_a_stored_day_when_a_later_window_does_not_cover_it) {
  auto store = open();
  auto early = observation(14, "octo/cat", "2026-10-01T10:00:00Z");
  early.views = window(TrafficKind::views, "2026-10-01T10:00:00Z", {{day("2026-09-20"), 50, 9}});
  store->commit(early);
  const auto stored = store->days(14, TrafficKind::views);
  for (const char* when : {"2026-10-10T10:00:00Z", "2026-11-30T10:00:00Z"}) {
    auto later = observation(14, "octo/cat", when);
    later.views = window(TrafficKind::views, when, {});
    store->commit(later);
  }
  auto now = store->days(14, TrafficKind::views);
  for (const auto& d : stored) {
    EXPECT_EQ(find_day(now, d.day), d) << util::format_day(d.day);
  }
  EXPECT_EQ(now.size(), 15u + 9u + 15u);  // the second window overlaps the first by 6 days
}

TEST_P(store_conformance, lists_repositories_sorted_by_name_with_their_range_of_days) {
  auto store = open();
  store->commit(observation(20, "zeta/b", "2026-01-01T00:00:00Z"));
  auto o = observation(21, "Alpha/a", "2026-01-01T00:00:00Z");
  o.clones = window(TrafficKind::clones, "2026-01-15T00:00:00Z", {});
  o.meta.archived = true;
  o.meta.visibility = "private";
  store->commit(o);
  store->commit(observation(22, "beta/c", "2026-01-01T00:00:00Z"));
  auto repos = store->repositories();
  ASSERT_EQ(repos.size(), 3u);
  EXPECT_EQ(repos[0].full_name, "Alpha/a");
  EXPECT_EQ(repos[1].full_name, "beta/c");
  EXPECT_EQ(repos[2].full_name, "zeta/b");
  EXPECT_TRUE(repos[0].archived);
  EXPECT_EQ(repos[0].visibility, "private");
  EXPECT_EQ(repos[0].first_day, day("2026-01-01"));
  EXPECT_EQ(repos[0].last_day, day("2026-01-15"));
  EXPECT_FALSE(repos[1].first_day);
  EXPECT_EQ(repos[2].last_collected, at("2026-01-01T00:00:00Z"));
}

TEST_P(store_conformance, reads_days_within_a_range) {
  auto store = open();
  auto o = observation(23, "octo/cat", "2026-03-15T00:00:00Z");
  o.views = window(TrafficKind::views, "2026-03-15T00:00:00Z", {});
  store->commit(o);
  auto some = store->days(23, TrafficKind::views, {day("2026-03-10"), day("2026-03-12")});
  EXPECT_EQ(days_of(some),
            (std::vector<util::Day>{day("2026-03-10"), day("2026-03-11"), day("2026-03-12")}));
  EXPECT_EQ(store->days(23, TrafficKind::views, {std::nullopt, day("2026-03-01")}).size(), 1u);
  EXPECT_TRUE(store->days(99, TrafficKind::views).empty());
}

TEST_P(store_conformance, keeps_the_latest_cached_response_of_a_url) {
  auto store = open();
  const std::string url = "https://api.github.com/repos/octo/cat/traffic/views?per=day";
  EXPECT_FALSE(store->cached_response(url));
  auto o = observation(24, "octo/cat", "2026-03-15T00:00:00Z");
  o.cache = {{url, "\"a\"", "{}"}};
  store->commit(o);
  auto later = observation(24, "octo/cat", "2026-03-16T00:00:00Z");
  later.cache = {{url, "\"b\"", "{\"count\":1}"}};
  store->commit(later);
  auto cached = store->cached_response(url);
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->etag, "\"b\"");
  EXPECT_EQ(cached->body, "{\"count\":1}");
  EXPECT_EQ(cached->url, url);
}

TEST_P(store_conformance, records_collection_runs) {
  auto store = open();
  EXPECT_FALSE(store->last_run());
  auto first = store->begin_run(at("2026-03-15T00:00:00Z"));
  store->finish_run(first, at("2026-03-15T00:01:00Z"), 3, 1);
  auto second = store->begin_run(at("2026-03-16T00:00:00Z"));
  EXPECT_GT(second, first);
  auto run = store->last_run();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->id, second);
  EXPECT_FALSE(run->finished_at);
  store->finish_run(second, at("2026-03-16T00:02:00Z"), 4, 0);
  run = store->last_run();
  EXPECT_EQ(run->finished_at, at("2026-03-16T00:02:00Z"));
  EXPECT_EQ(run->repos_ok, 4);
  EXPECT_EQ(run->repos_failed, 0);
}

TEST_P(store_conformance, keeps_the_latest_attempt_of_each_repository) {
  auto store = open();
  EXPECT_TRUE(store->attempts().empty());
  store->record_attempt({"octo/cat", 7, 1, at("2026-03-15T00:00:00Z"), "403 Forbidden"});
  store->record_attempt({"Octo/Ghost", 0, 1, at("2026-03-15T00:00:01Z"), "404 Not Found"});
  store->record_attempt({"octo/bird", 9, 1, at("2026-03-15T00:00:02Z"), ""});
  // A later attempt replaces the earlier one, under the id even when the name changed.
  store->record_attempt({"octo/kitten", 7, 2, at("2026-03-16T00:00:00Z"), ""});
  // An attempt older than the stored one (a late writer) changes nothing.
  store->record_attempt({"octo/bird", 9, 1, at("2026-03-14T00:00:00Z"), "timeout"});
  // The same unknown name in another case is the same repository.
  store->record_attempt({"octo/ghost", 0, 2, at("2026-03-16T00:00:01Z"), "still 404"});

  auto attempts = store->attempts();
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0].full_name, "octo/bird");
  EXPECT_EQ(attempts[0].repo_id, 9);
  EXPECT_EQ(attempts[0].error, "");
  EXPECT_EQ(attempts[0].at, at("2026-03-15T00:00:02Z"));
  EXPECT_EQ(attempts[1].full_name, "octo/ghost");
  EXPECT_EQ(attempts[1].repo_id, 0);
  EXPECT_EQ(attempts[1].run_id, 2);
  EXPECT_EQ(attempts[1].error, "still 404");
  EXPECT_EQ(attempts[2].full_name, "octo/kitten");
  EXPECT_EQ(attempts[2].repo_id, 7);
  EXPECT_EQ(attempts[2].run_id, 2);
  EXPECT_EQ(attempts[2].at, at("2026-03-16T00:00:00Z"));
  EXPECT_EQ(attempts[2].error, "");

  auto reader = open({.read_only = true});
  EXPECT_EQ(reader->attempts().size(), 3u);
  EXPECT_THROW(reader->record_attempt({"octo/cat", 7, 3, at("2026-03-17T00:00:00Z"), ""}),
               util::Error);
}

TEST_P(store_conformance, keeps_data_after_the_store_is_closed_and_opened_again) {
  {
    auto store = open();
    store->commit(full_observation(25, "octo/cat", "2026-08-03T10:00:00Z"));
  }
  auto store = open({.read_only = true});
  EXPECT_EQ(store->days(25, TrafficKind::views).size(), 15u);
  EXPECT_EQ(find_repo(*store, "octo/cat"), 25);
}

TEST_P(store_conformance, read_only_store_reads_but_refuses_to_write) {
  open()->commit(full_observation(1, "octo/cat", "2026-08-03T10:00:00Z"));
  auto store = open({.read_only = true});
  EXPECT_EQ(store->repositories().size(), 1u);
  EXPECT_THROW(store->commit(full_observation(2, "octo/dog", "2026-08-03T10:00:00Z")), util::Error);
  EXPECT_THROW(store->begin_run(at("2026-08-03T10:00:00Z")), util::Error);
  EXPECT_FALSE(find_repo(*store, "octo/dog"));
}

// --- R7 ---

TEST_P(store_conformance, a_commit_that_fails_midway_shows_nothing_of_it) {
  auto store = open();
  store->commit(full_observation(1, "octo/first", "2026-08-03T10:00:00Z"));
  store->commit(full_observation(2, "octo/second", "2026-08-03T10:00:00Z"));
  const auto before = visible_state(*store);

  auto next = next_observation(2, "octo/second");
  for (int point = 0; point < m_backend->failure_points(); ++point) {
    m_backend->fail_at(point);
    try {
      store->commit(next);
      ADD_FAILURE() << "the commit should have failed at point " << point;
    } catch (const util::Error& e) {
      std::string message = e.what();
      EXPECT_NE(message.find("nothing of octo/second-renamed was stored"), std::string::npos)
          << message;
    }
    m_backend->heal();
    EXPECT_EQ(visible_state(*open({.read_only = true})), before) << "failed at point " << point;
    EXPECT_FALSE(find_repo(*store, "octo/second-renamed")) << "failed at point " << point;
  }

  // The same store object keeps working once the cause is gone, and the result is the same
  // as committing once without failures.
  auto result = store->commit(next);
  EXPECT_EQ(result.new_days, 2);  // 2026-08-04 of views and of clones
  EXPECT_EQ(result.grown_days, 1);
  EXPECT_EQ(find_repo(*store, "octo/second-renamed"), 2);
  store_conformance_reference reference(GetParam());
  reference.store->commit(full_observation(1, "octo/first", "2026-08-03T10:00:00Z"));
  reference.store->commit(full_observation(2, "octo/second", "2026-08-03T10:00:00Z"));
  reference.store->commit(next);
  EXPECT_EQ(visible_state(*store), visible_state(*reference.store));
}

TEST_P(store_conformance, committing_the_same_observation_again_changes_nothing) {
  auto store = open();
  auto o = full_observation(9, "octo/cat", "2026-08-03T10:00:00Z");
  auto first = store->commit(o);
  const auto after_first = visible_state(*store);
  auto second = store->commit(o);
  EXPECT_EQ(visible_state(*store), after_first);
  EXPECT_EQ(second.days_stored, first.days_stored);
  EXPECT_EQ(second.new_days, 0);
  EXPECT_EQ(second.grown_days, 0);
  store->commit(next_observation(9, "octo/cat"));
  const auto after_next = visible_state(*store);
  store->commit(o);  // an older observation again, after a newer one
  store->commit(next_observation(9, "octo/cat"));
  EXPECT_EQ(visible_state(*store), after_next);
}

// --- several writers ---

TEST_P(store_conformance, separate_stores_commit_side_by_side) {
  open();
  constexpr int k_writers = 3;
  constexpr int k_repos_each = 6;
  std::vector<std::thread> writers;
  std::vector<std::string> failures(k_writers);
  for (int w = 0; w < k_writers; ++w) {
    writers.emplace_back([&, w] {
      try {
        auto store = open();
        for (int i = 0; i < k_repos_each; ++i) {
          auto id = 100 + w * k_repos_each + i;
          store->commit(
              full_observation(id, "octo/r" + std::to_string(id), "2026-08-03T10:00:00Z"));
        }
      } catch (const std::exception& e) {
        failures[w] = e.what();
      }
    });
  }
  for (auto& t : writers) {
    t.join();
  }
  for (const auto& f : failures) {
    EXPECT_EQ(f, "");
  }
  EXPECT_EQ(open({.read_only = true})->repositories().size(),
            static_cast<std::size_t>(k_writers * k_repos_each));
}

TEST_P(store_conformance, two_writers_of_one_repository_keep_the_largest_of_each_day) {
  open();
  // Each writer reports growing figures for the same days; whatever the interleaving, every
  // day ends with the largest count and the largest uniques anyone reported (R2).
  constexpr int k_rounds = 6;
  std::vector<std::thread> writers;
  std::vector<std::string> failures(2);
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      try {
        auto store = open();
        for (int r = 0; r < k_rounds; ++r) {
          auto o = observation(77, "octo/race", "2026-08-03T10:00:00Z");
          // Writer 0 leads on counts, writer 1 on uniques.
          o.views = window(TrafficKind::views, "2026-08-03T10:00:00Z",
                           {{day("2026-08-02"), w == 0 ? 100 + r : r, w == 1 ? 50 + r : r}});
          store->commit(o);
        }
      } catch (const std::exception& e) {
        failures[w] = e.what();
      }
    });
  }
  for (auto& t : writers) {
    t.join();
  }
  EXPECT_EQ(failures, (std::vector<std::string>{"", ""}));
  auto views = open()->days(77, TrafficKind::views);
  EXPECT_EQ(find_day(views, day("2026-08-02")),
            (DayCount{day("2026-08-02"), 100 + k_rounds - 1, 50 + k_rounds - 1}));
  EXPECT_EQ(views.size(), 15u);
}

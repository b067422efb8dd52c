// The read model: choosing repositories by name, period sums with their coverage (R3), the
// window that stands for unique visitors (R4), snapshot series (R5, R6).
#include <gtest/gtest.h>

#include <map>

#include "export_support.hpp"
#include "ghtraffic/read/history.hpp"
#include "ghtraffic/read/period.hpp"
#include "ghtraffic/read/select.hpp"
#include "ghtraffic/read/series.hpp"
#include "ghtraffic/read/windows.hpp"
#include "ghtraffic/util/error.hpp"

using namespace export_test;
using ghtraffic::read::NameMiss;

namespace {

store::RepoRecord record(core::RepoId id, std::string name, std::vector<std::string> names = {}) {
  store::RepoRecord out;
  out.id = id;
  out.full_name = std::move(name);
  out.names = std::move(names);
  out.names.push_back(out.full_name);
  return out;
}

// octo/new was octo/old; octo/third and octo/fourth both were octo/shared once;
// octo/reused is a current name that octo/new also had before.
std::vector<store::RepoRecord> records() {
  return {record(1, "octo/new", {"octo/old", "octo/reused"}), record(2, "octo/reused"),
          record(3, "octo/third", {"octo/shared"}), record(4, "octo/fourth", {"octo/shared"})};
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(read_select, finds_a_repository_by_its_current_name_ignoring_case) {
  auto all = records();
  EXPECT_EQ(read::find_by_name(all, "Octo/Third"), 2u);
}

TEST(read_select, a_current_name_wins_over_an_earlier_name_of_another_repository) {
  auto all = records();
  EXPECT_EQ(read::find_by_name(all, "octo/reused"), 1u);
}

TEST(read_select, finds_a_repository_by_an_earlier_name) {
  auto all = records();
  EXPECT_EQ(read::find_by_name(all, "OCTO/OLD"), 0u);
}

TEST(read_select, an_earlier_name_of_several_repositories_is_ambiguous_and_lists_them) {
  auto all = records();
  auto found = read::find_by_name(all, "octo/shared");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().reason, NameMiss::Reason::ambiguous);
  EXPECT_EQ(found.error().candidates, (std::vector<std::string>{"octo/third", "octo/fourth"}));
  auto message = read::miss_message(found.error(), "sqlite:/tmp/t.db");
  EXPECT_TRUE(contains(message, "octo/shared")) << message;
  EXPECT_TRUE(contains(message, "octo/third, octo/fourth")) << message;
  EXPECT_TRUE(contains(message, "use the current name")) << message;
}

TEST(read_select, a_name_of_no_repository_names_the_store_and_how_to_collect_it) {
  auto all = records();
  auto found = read::find_by_name(all, "octo/nobody");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().reason, NameMiss::Reason::none);
  auto message = read::miss_message(found.error(), "sqlite:/tmp/t.db");
  EXPECT_TRUE(contains(message, "octo/nobody")) << message;
  EXPECT_TRUE(contains(message, "sqlite:/tmp/t.db")) << message;
  EXPECT_TRUE(contains(message, "`ghtraffic collect octo/nobody`")) << message;
  EXPECT_FALSE(contains(message, "--repo")) << message;
  auto odd = read::miss_message({NameMiss::Reason::none, "nobody", {}}, "sqlite:/tmp/t.db");
  EXPECT_TRUE(contains(odd, "`ghtraffic collect OWNER/REPO`")) << odd;
}

TEST(read_select, works_over_any_list_that_holds_records) {
  struct Holder {
    store::RepoRecord record;
  };
  std::vector<Holder> holders;
  for (auto& r : records()) {
    holders.push_back({r});
  }
  auto found = read::find_by_name(
      holders, "octo/old", [](const Holder& h) -> const store::RepoRecord& { return h.record; });
  EXPECT_EQ(found, 0u);
}

TEST(read_select, a_selection_keeps_the_list_order_and_each_repository_once) {
  auto all = records();
  auto picked = read::select_by_names(all, {"octo/fourth", "octo/old", "octo/new"});
  ASSERT_TRUE(picked);
  EXPECT_EQ(*picked, (std::vector<std::size_t>{0, 3}));
  EXPECT_EQ(read::select_by_names(all, {})->size(), 4u);
  auto missing = read::select_by_names(all, {"octo/new", "octo/nobody"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().name, "octo/nobody");
}

TEST(read_select, selecting_from_a_store_throws_the_one_message_for_a_name_of_none) {
  FakeStore store;
  fill_scenario(store);
  auto selected = read::select_repositories(store, {"octo-org/beta", "Octo-Org/Alpha-Old"});
  ASSERT_EQ(selected.size(), 2u);
  EXPECT_EQ(selected[0].full_name, "octo-org/alpha");
  EXPECT_EQ(selected[1].full_name, "octo-org/beta");
  try {
    read::select_repositories(store, {"octo-org/gamma"});
    FAIL() << "expected an error";
  } catch (const util::Error& e) {
    EXPECT_TRUE(contains(e.what(), "octo-org/gamma")) << e.what();
    EXPECT_TRUE(contains(e.what(), "fake:memory")) << e.what();
    EXPECT_TRUE(contains(e.what(), "ghtraffic collect octo-org/gamma")) << e.what();
  }
}

// --- period sums ---

namespace {

read::PeriodSums sums_of(const std::map<util::Day, read::DayFigures>& stored, const char* from,
                         const char* to) {
  return read::sum_period(day(from), day(to), [&](util::Day d) {
    auto it = stored.find(d);
    return it == stored.end() ? read::DayFigures{} : it->second;
  });
}

}  // namespace

TEST(read_period, a_fully_covered_period_sums_every_day_and_has_no_gap) {
  std::map<util::Day, read::DayFigures> stored{
      {day("2026-03-01"), {4, 1}}, {day("2026-03-02"), {0, 0}}, {day("2026-03-03"), {6, 2}}};
  auto sums = sums_of(stored, "2026-03-01", "2026-03-03");
  EXPECT_EQ(sums.length(), 3);
  EXPECT_EQ(sums.views.total(), 10);
  EXPECT_EQ(sums.views.covered, 3);
  EXPECT_EQ(sums.views.gaps, 0);
  EXPECT_EQ(sums.clones.total(), 3);
  EXPECT_EQ(sums.gap_days, 0);
}

TEST(read_period, a_partly_covered_period_counts_covered_days_only_and_says_how_many) {
  // 03-02 a gap for both kinds, 03-03 for clones only; 03-04 a covered zero.
  std::map<util::Day, read::DayFigures> stored{{day("2026-03-01"), {4, 1}},
                                               {day("2026-03-03"), {6, std::nullopt}},
                                               {day("2026-03-04"), {0, 0}}};
  auto sums = sums_of(stored, "2026-03-01", "2026-03-04");
  EXPECT_EQ(sums.views.total(), 10);
  EXPECT_EQ(sums.views.covered, 3);
  EXPECT_EQ(sums.views.gaps, 1);
  EXPECT_EQ(sums.clones.total(), 1);
  EXPECT_EQ(sums.clones.covered, 2);
  EXPECT_EQ(sums.clones.gaps, 2);
  EXPECT_EQ(sums.gap_days, 2);  // a day on which either kind is missing
}

TEST(read_period, a_period_without_a_covered_day_has_no_total_not_zero) {
  std::map<util::Day, read::DayFigures> stored{{day("2026-03-10"), {4, 1}}};
  auto sums = sums_of(stored, "2026-03-01", "2026-03-09");
  EXPECT_FALSE(sums.views.total());
  EXPECT_FALSE(sums.clones.total());
  EXPECT_EQ(sums.views.covered, 0);
  EXPECT_EQ(sums.views.gaps, 9);
  EXPECT_EQ(sums.gap_days, 9);
}

TEST(read_period, a_history_sums_like_the_accessor_it_is_read_through) {
  FakeStore store;
  fill_scenario(store);
  auto alpha = read::load_history(store, read::select_repositories(store, {"octo-org/alpha"})[0]);
  // Views cover 02-06..02-20 (02-10 a covered zero) and 03-06..03-20; clones also 02-21.
  auto sums = read::sum_period(alpha, day("2026-02-15"), day("2026-03-10"));
  EXPECT_EQ(sums.length(), 24);
  EXPECT_EQ(sums.views.covered, 6 + 5);
  EXPECT_EQ(sums.clones.covered, 7 + 5);
  EXPECT_EQ(sums.gap_days, 24 - 11);
  std::int64_t views = 0;
  for (const auto& d : alpha.days) {
    if (d.views && d.day >= day("2026-02-15") && d.day <= day("2026-03-10")) {
      views += d.views->count;
    }
  }
  EXPECT_EQ(sums.views.total(), views);
  auto none = read::sum_period(alpha, day("2026-03-01"), day("2026-03-05"));
  EXPECT_FALSE(none.views.total());
  EXPECT_EQ(none.views.gaps, 5);
}

// --- windows ---

TEST(read_windows, unique_visitors_come_from_the_latest_views_window_observed_in_the_period) {
  std::vector<store::WindowRecord> stored{
      {core::TrafficKind::views, at("2026-03-01T10:00:00Z"), 100, 40},
      {core::TrafficKind::clones, at("2026-03-01T10:00:00Z"), 9, 3},
      {core::TrafficKind::views, at("2026-03-10T10:00:00Z"), 120, 45},
      {core::TrafficKind::views, at("2026-03-10T18:00:00Z"), 130, 47},
      {core::TrafficKind::views, at("2026-03-25T10:00:00Z"), 90, 30},
  };
  auto windows = read::views_windows(stored);
  ASSERT_EQ(windows.size(), 4u);
  auto pick = read::uniques_window(windows, day("2026-03-07"), day("2026-03-20"));
  ASSERT_TRUE(pick);
  EXPECT_EQ(pick->uniques, 47);
  EXPECT_EQ(pick->observed_at, at("2026-03-10T18:00:00Z"));
  EXPECT_FALSE(read::uniques_window(windows, day("2026-03-11"), day("2026-03-24")));
  EXPECT_EQ(read::uniques_window(windows, day("2026-02-20"), day("2026-03-05"))->uniques, 40);
}

TEST(read_windows, a_longer_period_has_the_largest_window_wholly_inside_as_a_lower_bound) {
  std::vector<read::ViewsWindow> windows{{at("2026-03-01T10:00:00Z"), 40},
                                         {at("2026-03-15T10:00:00Z"), 55},
                                         {at("2026-03-30T10:00:00Z"), 70}};
  // A window observed on D covers D-14..D.
  EXPECT_EQ(read::largest_window_inside(windows, day("2026-02-15"), day("2026-03-29")), 55);
  EXPECT_EQ(read::largest_window_inside(windows, day("2026-02-15"), day("2026-03-30")), 70);
  EXPECT_FALSE(read::largest_window_inside(windows, day("2026-02-16"), day("2026-02-28")));
}

// --- snapshot series ---

TEST(read_series, snapshot_series_are_one_a_day_oldest_first_and_can_keep_the_latest_only) {
  FakeStore store;
  fill_scenario(store);
  auto alpha = read::select_repositories(store, {"octo-org/alpha"})[0];
  auto paths = read::path_series(store, alpha.id);
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(util::day_of(paths[0].observed_at), day("2026-02-20"));
  EXPECT_EQ(util::day_of(paths[1].observed_at), day("2026-03-20"));
  auto latest = read::path_series(store, alpha.id, {{}, 1});
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].observed_at, paths[1].observed_at);
  auto ranged = read::referrer_series(store, alpha.id, {{day("2026-02-01"), day("2026-02-28")}});
  ASSERT_EQ(ranged.size(), 1u);
  EXPECT_EQ(util::day_of(ranged[0].observed_at), day("2026-02-20"));
  auto counters = read::counter_series(store, alpha.id, {{}, 2});
  ASSERT_EQ(counters.size(), 2u);
  EXPECT_EQ(counters[0].stars, 11);
  EXPECT_EQ(counters[1].stars, 1234);
  EXPECT_EQ(read::latest_counters(store, alpha)->stars, 1234);
}

// --- gaps ---

TEST(read_history, gaps_are_the_uncovered_days_of_each_kind_edges_included) {
  FakeStore store;
  fill_scenario(store);
  auto alpha = read::load_history(store, read::select_repositories(store, {"octo-org/alpha"})[0]);
  EXPECT_EQ(read::gap_ranges(alpha, core::TrafficKind::views),
            (std::vector<read::DaySpan>{{day("2026-02-21"), day("2026-03-05")}}));
  EXPECT_EQ(read::gap_ranges(alpha, core::TrafficKind::clones),
            (std::vector<read::DaySpan>{{day("2026-02-22"), day("2026-03-05")}}));

  read::RepoHistory edges;
  auto stored = [&](const char* d, bool views, bool clones) {
    read::HistoryDay entry{day(d), {}, {}, {}};
    if (views) {
      entry.views = core::DayCount{day(d), 1, 1};
    }
    if (clones) {
      entry.clones = core::DayCount{day(d), 1, 1};
    }
    edges.days.push_back(entry);
  };
  stored("2026-04-01", true, false);
  stored("2026-04-02", true, true);
  stored("2026-04-05", true, false);
  EXPECT_EQ(read::gap_ranges(edges, core::TrafficKind::views),
            (std::vector<read::DaySpan>{{day("2026-04-03"), day("2026-04-04")}}));
  EXPECT_EQ(read::gap_ranges(edges, core::TrafficKind::clones),
            (std::vector<read::DaySpan>{{day("2026-04-01"), day("2026-04-01")},
                                        {day("2026-04-03"), day("2026-04-05")}}));
  EXPECT_TRUE(read::gap_ranges(read::RepoHistory{}, core::TrafficKind::views).empty());
}

// Star and fork history, backfill states and release download snapshots in the SQLite
// store, and the read model over them: each data rule they touch has its own test.
#include <gtest/gtest.h>

#include "ghtraffic/read/counts.hpp"
#include "ghtraffic/util/error.hpp"
#include "store_test_support.hpp"

using namespace ghtraffic;
using namespace ghtraffic::store::testing;

namespace {

class store_history : public ::testing::Test {
 protected:
  void SetUp() override {
    m_path = m_dir.file("history.db");
    m_store = store::make_store("sqlite:" + m_path);
    auto o = observation(7, "octo/alpha", "2026-03-20T10:00:00Z");
    o.meta.stars = 40;
    o.meta.forks = 4;
    o.views = window(core::TrafficKind::views, "2026-03-20T10:00:00Z", {});
    m_store->commit(o);
  }

  static core::Backfill backfill(std::vector<core::HistoryCount> stars,
                                 std::vector<core::HistoryCount> forks = {}) {
    return core::Backfill{7, "octo/alpha", std::move(stars), std::move(forks), {}};
  }

  TempDir m_dir;
  std::string m_path;
  std::unique_ptr<store::Store> m_store;
};

TEST_F(store_history, keeps_only_the_days_listed_and_no_zero_for_the_others_r3) {
  m_store->commit_backfill(backfill({{day("2026-03-01"), 10}, {day("2026-03-03"), 12}}));
  auto stored = m_store->history_counts(7, core::CountKind::stars);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0], (core::HistoryCount{day("2026-03-01"), 10}));
  EXPECT_EQ(stored[1], (core::HistoryCount{day("2026-03-03"), 12}));
  EXPECT_TRUE(m_store->history_counts(7, core::CountKind::forks).empty());
}

TEST_F(store_history, a_day_only_grows_and_is_never_lowered_r9) {
  auto first = m_store->commit_backfill(backfill({{day("2026-03-01"), 10}}));
  EXPECT_EQ(first.new_days, 1);
  auto lower = m_store->commit_backfill(backfill({{day("2026-03-01"), 8}}));
  EXPECT_EQ(lower.new_days + lower.grown_days, 0);
  auto higher = m_store->commit_backfill(backfill({{day("2026-03-01"), 11}}));
  EXPECT_EQ(higher.grown_days, 1);
  EXPECT_EQ(m_store->history_counts(7, core::CountKind::stars).at(0).count, 11);
}

TEST_F(store_history, the_same_backfill_twice_changes_nothing_r7) {
  auto b = backfill({{day("2026-03-01"), 10}}, {{day("2026-03-02"), 2}});
  b.states.push_back({core::CountKind::stars, "stargazers/history", "", 0, day("2026-03-19"), true,
                      std::nullopt, std::nullopt, std::nullopt, "", at("2026-03-20T10:00:00Z")});
  m_store->commit_backfill(b);
  auto before = dump(m_path);
  auto again = m_store->commit_backfill(b);
  EXPECT_EQ(again.new_days + again.grown_days, 0);
  EXPECT_EQ(dump(m_path), before);
}

TEST_F(store_history, a_backfill_of_a_repository_not_stored_is_refused_whole_r7) {
  core::Backfill unknown{99, "octo/unknown", {{day("2026-03-01"), 1}}, {}, {}};
  EXPECT_THROW(m_store->commit_backfill(unknown), util::Error);
  EXPECT_TRUE(m_store->history_counts(99, core::CountKind::stars).empty());
  EXPECT_TRUE(query_rows(m_path, "SELECT * FROM history_counts").empty());
}

TEST_F(store_history, keeps_where_each_source_stopped) {
  core::BackfillState state{core::CountKind::forks,
                            "forks",
                            "http://127.0.0.1:1/repos/octo/alpha/forks?page=3",
                            200,
                            day("2026-03-10"),
                            false,
                            std::nullopt,
                            std::nullopt,
                            day("2026-03-11"),
                            "cut off",
                            at("2026-03-20T10:00:00Z")};
  auto b = backfill({});
  b.states.push_back(state);
  m_store->commit_backfill(b);
  auto read = m_store->backfill_state(7, core::CountKind::forks);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->next_url, state.next_url);
  EXPECT_EQ(read->next_position, 200);
  EXPECT_EQ(read->through_day, day("2026-03-10"));
  EXPECT_FALSE(read->complete);
  EXPECT_EQ(read->approximate_from, day("2026-03-11"));
  EXPECT_EQ(read->note, "cut off");
  EXPECT_FALSE(m_store->backfill_state(7, core::CountKind::stars));
}

TEST_F(store_history, a_collected_snapshot_is_the_truth_on_its_day_r6) {
  m_store->commit_backfill(
      backfill({{day("2026-03-19"), 37}, {day("2026-03-20"), 38}, {day("2026-03-21"), 41}}));
  auto days = read::count_days(*m_store, 7, core::CountKind::stars);
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days[0], (read::CountDay{day("2026-03-19"), 37, false}));
  EXPECT_EQ(days[1], (read::CountDay{day("2026-03-20"), 40, true}));  // the snapshot's 40
  EXPECT_EQ(days[2], (read::CountDay{day("2026-03-21"), 41, false}));
}

TEST_F(store_history, a_day_s_download_snapshot_is_the_latest_of_the_day_r6) {
  auto o = observation(7, "octo/alpha", "2026-03-20T12:00:00Z");
  o.views = window(core::TrafficKind::views, "2026-03-20T12:00:00Z", {});
  o.downloads = core::DownloadSnapshot{at("2026-03-20T12:00:00Z"), {{"v1", "a.zip", 50}}};
  m_store->commit(o);
  auto earlier = o;
  earlier.observed_at = at("2026-03-20T08:00:00Z");
  earlier.downloads = core::DownloadSnapshot{at("2026-03-20T08:00:00Z"), {{"v1", "a.zip", 30}}};
  m_store->commit(earlier);
  auto snapshots = m_store->downloads(7);
  ASSERT_EQ(snapshots.size(), 1u);
  EXPECT_EQ(snapshots[0].observed_at, at("2026-03-20T12:00:00Z"));
  ASSERT_EQ(snapshots[0].assets.size(), 1u);
  EXPECT_EQ(snapshots[0].assets[0].downloads, 50);
}

TEST_F(store_history, daily_downloads_are_differences_and_the_first_snapshot_is_a_gap_r3) {
  std::vector<core::DownloadSnapshot> snapshots{
      {at("2026-03-01T10:00:00Z"), {{"v1", "a.zip", 100}}},
      {at("2026-03-04T10:00:00Z"), {{"v1", "a.zip", 130}, {"v2", "b.zip", 5}}},
  };
  auto daily = read::daily_downloads(snapshots);
  ASSERT_EQ(daily.size(), 3u);
  EXPECT_FALSE(daily[0].downloads);  // nothing before it to difference: no number, not 0
  EXPECT_EQ(daily[1].day, day("2026-03-04"));
  EXPECT_EQ(daily[1].downloads, 30);  // 03-02 and 03-03 had no snapshot: never rows of 0
  EXPECT_FALSE(daily[2].downloads);
}

TEST_F(store_history, an_import_merges_history_and_downloads_and_twice_changes_nothing_r9) {
  core::ImportedHistory history;
  history.id = 7;
  history.full_name = "octo/alpha";
  history.star_history = {{day("2026-03-01"), 12}};
  history.fork_history = {{day("2026-03-01"), 1}};
  history.downloads = {{at("2026-03-01T00:00:00Z"), {{"v1", "a.zip", 9}}}};
  auto first = m_store->import_history(history);
  EXPECT_EQ(first.history_days, 2);
  auto before = dump(m_path);
  auto second = m_store->import_history(history);
  EXPECT_EQ(second.history_days, 0);
  EXPECT_EQ(second.new_snapshots, 0);
  EXPECT_EQ(dump(m_path), before);
  EXPECT_EQ(m_store->downloads(7).size(), 1u);
}

TEST_F(store_history, history_imported_by_name_moves_to_the_id_of_its_first_collection_r8) {
  core::ImportedHistory history;
  history.full_name = "octo/later";
  history.names = {{"octo/later", at("2026-03-01T00:00:00Z")}};
  history.star_history = {{day("2026-03-01"), 5}};
  history.downloads = {{at("2026-03-01T00:00:00Z"), {{"v1", "a.zip", 9}}}};
  auto imported = m_store->import_history(history);
  ASSERT_LT(imported.repo_id, 0);
  auto o = observation(55, "octo/later", "2026-03-20T10:00:00Z");
  o.views = window(core::TrafficKind::views, "2026-03-20T10:00:00Z", {});
  m_store->commit(o);
  EXPECT_EQ(m_store->history_counts(55, core::CountKind::stars).size(), 1u);
  EXPECT_EQ(m_store->downloads(55).size(), 1u);
  EXPECT_TRUE(m_store->history_counts(imported.repo_id, core::CountKind::stars).empty());
}

}  // namespace

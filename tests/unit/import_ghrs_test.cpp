// `ghtraffic import ghrs`: github-repo-stats data branches as the Action writes them (both
// header generations, snapshots several times a day, series fragments), and repositories
// imported by name linked to GitHub's id at their first collection (R8).
#include <gtest/gtest.h>

#include "export_support.hpp"
#include "ghtraffic/export/export.hpp"
#include "ghtraffic/import/ghrs.hpp"
#include "ghtraffic/import/import.hpp"
#include "ghtraffic/import/own_csv.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "store_test_support.hpp"

namespace {

using namespace ghtraffic;
using export_test::at;
using export_test::day;
using export_test::write_file;
namespace fs = std::filesystem;

std::vector<std::string> g_logged;
void ignore_log(std::string_view line) {
  g_logged.emplace_back(line);
}

constexpr const char* k_aggregate_header =
    "time_iso8601,clones_total,clones_unique,views_total,views_unique\n";

class ImportGhrs : public ::testing::Test {
 protected:
  void SetUp() override {
    g_logged.clear();
    util::set_log_sink(&ignore_log);
  }
  void TearDown() override { util::reset_log_sink(); }

  std::string db_path() const { return (m_temp.path() / "ghtraffic.db").string(); }
  std::unique_ptr<store::Store> open() const { return store::make_store("sqlite:" + db_path()); }
  fs::path branch() const { return m_temp.path() / "data"; }
  fs::path data(const std::string& repo) const { return branch() / repo / "ghrs-data"; }

  // octo-org/alpha as the current Action writes it; octo-org/beta from an older one.
  void write_branch() const {
    write_file(data("octo-org/alpha") / "views_clones_aggregate.csv",
               std::string(k_aggregate_header) +
                   "2026-03-01 00:00:00+00:00,2,1,15,4\n"
                   "2026-03-02 00:00:00+00:00,0,0,7,3\n"
                   "2026-03-04 00:00:00+00:00,1,1,,\n");
    write_file(
        data("octo-org/alpha") / "snapshots/2026-03-05_080000_views_clones_series_fragment.csv",
        std::string(k_aggregate_header) +
            "2026-03-04 00:00:00+00:00,3,1,9,2\n"
            "2026-03-05 00:00:00+00:00,1,1,4,4\n");
    write_file(data("octo-org/alpha") / "snapshots/2026-03-05_080000_top_paths_snapshot.csv",
               "url_path,views_total,views_unique\n/octo-org/alpha,20,8\n");
    write_file(data("octo-org/alpha") / "snapshots/2026-03-05_200000_top_paths_snapshot.csv",
               "url_path,views_total,views_unique\n/octo-org/alpha,24,9\n"
               "/octo-org/alpha/issues,3,2\n");
    write_file(data("octo-org/alpha") / "snapshots/2026-03-05_200000_top_referrers_snapshot.csv",
               "referrer,views_total,views_unique\ngithub.com,12,5\n");
    write_file(data("octo-org/beta") / "views_clones_aggregate.csv",
               std::string(k_aggregate_header) + "2021-06-01 00:00:00,4,2,30,11\n");
    write_file(data("octo-org/beta") / "snapshots/2021-06-01_120000_top_paths_snapshot.csv",
               "url_paths,count_total,count_unique\n/octo-org/beta,30,11\n");
    write_file(data("octo-org/beta") / "snapshots/2021-06-01_120000_top_referrers_snapshot.csv",
               "referrers,count_total,count_unique\ngoogle.com,6,4\n");
  }

  core::RepoId id_of(store::Store& store, const std::string& name) {
    auto id = store::testing::find_repo(store, name);
    EXPECT_TRUE(id.has_value()) << name;
    return id.value_or(0);
  }

  export_test::TempDir m_temp;
};

TEST(import_ghrs_time, reads_both_generations_of_timestamps) {
  EXPECT_EQ(imports::parse_ghrs_time("2020-12-01 00:00:00+00:00"), at("2020-12-01T00:00:00Z"));
  EXPECT_EQ(imports::parse_ghrs_time("2020-12-01 00:00:00"), at("2020-12-01T00:00:00Z"));
  EXPECT_EQ(imports::parse_ghrs_time("2020-12-01T00:00:00Z"), at("2020-12-01T00:00:00Z"));
  EXPECT_FALSE(imports::parse_ghrs_time("12/01/2020").has_value());
}

TEST_F(ImportGhrs, reads_every_repository_of_a_data_branch) {
  write_branch();
  auto repos = imports::read_ghrs_folder(branch());
  ASSERT_EQ(repos.size(), 2u);
  EXPECT_EQ(repos[0].name, "octo-org/alpha");
  EXPECT_EQ(repos[1].name, "octo-org/beta");
  auto store = open();
  auto summary = imports::import_histories(*store, repos);
  EXPECT_EQ(summary.repos, 2);
  EXPECT_EQ(summary.failed, 0);

  auto alpha = id_of(*store, "octo-org/alpha");
  EXPECT_LT(alpha, 0);  // by name until its first collection (R8)
  auto views = store->days(alpha, core::TrafficKind::views);
  ASSERT_EQ(views.size(), 4u);  // 03-03 is listed nowhere: a gap, not a zero (R3)
  EXPECT_EQ(views[0], (core::DayCount{day("2026-03-01"), 15, 4}));
  EXPECT_EQ(views[1], (core::DayCount{day("2026-03-02"), 7, 3}));
  // 03-04: the aggregate's empty cells are 0, the fragment's figures are larger (R2).
  EXPECT_EQ(views[2], (core::DayCount{day("2026-03-04"), 9, 2}));
  EXPECT_EQ(views[3], (core::DayCount{day("2026-03-05"), 4, 4}));
  auto clones = store->days(alpha, core::TrafficKind::clones);
  ASSERT_EQ(clones.size(), 4u);
  EXPECT_EQ(clones[2], (core::DayCount{day("2026-03-04"), 3, 1}));

  // Two snapshots on 03-05: the latest of the day (R5).
  auto paths = store->path_snapshots(alpha);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].observed_at, at("2026-03-05T20:00:00Z"));
  ASSERT_EQ(paths[0].entries.size(), 2u);
  EXPECT_EQ(paths[0].entries[0], (core::PopularPath{"/octo-org/alpha", "", 24, 9}));
  auto referrers = store->referrer_snapshots(alpha);
  ASSERT_EQ(referrers.size(), 1u);
  EXPECT_EQ(referrers[0].entries[0], (core::Referrer{"github.com", 12, 5}));
  EXPECT_TRUE(store->windows(alpha).empty());  // the Action keeps no window totals (R4)
}

TEST_F(ImportGhrs, reads_the_older_headers_and_times_without_an_offset) {
  write_branch();
  auto store = open();
  imports::import_histories(*store, imports::read_ghrs_folder(branch()));
  auto beta = id_of(*store, "octo-org/beta");
  auto views = store->days(beta, core::TrafficKind::views);
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0], (core::DayCount{day("2021-06-01"), 30, 11}));
  auto paths = store->path_snapshots(beta);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].entries[0], (core::PopularPath{"/octo-org/beta", "", 30, 11}));
  auto referrers = store->referrer_snapshots(beta);
  ASSERT_EQ(referrers.size(), 1u);
  EXPECT_EQ(referrers[0].entries[0], (core::Referrer{"google.com", 6, 4}));
}

TEST_F(ImportGhrs, one_repository_folder_of_the_branch_imports_that_repository) {
  write_branch();
  auto repos = imports::read_ghrs_folder(branch() / "octo-org/beta");
  ASSERT_EQ(repos.size(), 1u);
  EXPECT_EQ(repos[0].name, "octo-org/beta");
  EXPECT_TRUE(repos[0].history.has_value());
}

TEST_F(ImportGhrs, importing_the_same_branch_twice_changes_nothing) {
  write_branch();
  {
    auto store = open();
    imports::import_histories(*store, imports::read_ghrs_folder(branch()));
  }
  auto before = store::testing::dump(db_path());
  auto store = open();
  auto second = imports::import_histories(*store, imports::read_ghrs_folder(branch()));
  EXPECT_EQ(second.repos, 2);
  EXPECT_EQ(second.new_repos, 0);
  EXPECT_EQ(second.new_days + second.grown_days + second.new_snapshots, 0);
  EXPECT_EQ(store::testing::dump(db_path()), before);
}

TEST_F(ImportGhrs, a_malformed_file_fails_its_repository_only_and_names_file_and_line) {
  write_branch();
  write_file(
      data("octo-org/beta") / "views_clones_aggregate.csv",
      std::string(k_aggregate_header) + "2021-06-01 00:00:00,4,2,30,11\nyesterday,1,1,1,1\n");
  auto repos = imports::read_ghrs_folder(branch());
  ASSERT_EQ(repos.size(), 2u);
  EXPECT_TRUE(repos[0].history.has_value());
  ASSERT_FALSE(repos[1].history.has_value());
  EXPECT_EQ(repos[1].error,
            "octo-org/beta/ghrs-data/views_clones_aggregate.csv:3: time_iso8601 is "
            "\"yesterday\", not a time like 2020-12-01 00:00:00+00:00");
  auto store = open();
  auto summary = imports::import_histories(*store, repos);
  EXPECT_EQ(summary.repos, 1);
  EXPECT_EQ(summary.failed, 1);
  EXPECT_FALSE(store::testing::find_repo(*store, "octo-org/beta").has_value());
}

TEST_F(ImportGhrs, star_and_fork_history_is_imported_as_history_the_last_row_of_each_day) {
  write_branch();
  write_file(data("octo-org/alpha") / "stargazers.csv",
             "time_iso8601,stars_cumulative\n2020-01-01 10:00:00+00:00,1\n"
             "2020-01-01 18:00:00+00:00,3\n2020-01-04 09:00:00+00:00,4\n");
  write_file(data("octo-org/alpha") / "stargazer-snapshots.csv",
             "time_iso8601,stargazers_cumulative_snapshot\n2020-01-05 00:00:00+00:00,4\n");
  write_file(data("octo-org/beta") / "forks.csv",
             "time_iso8601,forks_cumulative\n2020-01-02 10:00:00+00:00,1\n");
  auto repos = imports::read_ghrs_folder(branch());
  EXPECT_TRUE(g_logged.empty());
  ASSERT_EQ(repos.size(), 2u);
  ASSERT_TRUE(repos[0].history);
  EXPECT_EQ(repos[0].history->star_history,
            (std::vector<core::HistoryCount>{{util::Day{*util::parse_day("2020-01-01")}, 3},
                                             {util::Day{*util::parse_day("2020-01-04")}, 4},
                                             {util::Day{*util::parse_day("2020-01-05")}, 4}}));
  ASSERT_TRUE(repos[1].history);
  EXPECT_EQ(repos[1].history->fork_history.size(), 1u);  // days not listed stay unknown (R3)
  auto store = open();
  auto summary = imports::import_histories(*store, repos);
  EXPECT_EQ(summary.history_days, 4);
  auto again = imports::import_histories(*store, repos);
  EXPECT_EQ(again.history_days, 0);  // R7
}

TEST_F(ImportGhrs, a_malformed_star_history_fails_its_repository_naming_the_line) {
  write_branch();
  write_file(data("octo-org/alpha") / "stargazers.csv",
             "time_iso8601,stars_cumulative\n2020-01-01 10:00:00+00:00,many\n");
  auto repos = imports::read_ghrs_folder(branch());
  ASSERT_EQ(repos.size(), 2u);
  EXPECT_FALSE(repos[0].history);
  EXPECT_NE(repos[0].error.find("octo-org/alpha/ghrs-data/stargazers.csv:2"), std::string::npos)
      << repos[0].error;
  EXPECT_TRUE(repos[1].history);
}

TEST_F(ImportGhrs, a_folder_that_is_no_data_branch_is_a_usage_error) {
  fs::create_directories(branch() / "something");
  EXPECT_THROW(imports::read_ghrs_folder(branch()), util::Error);
}

// --- R8: by name, then linked ---

TEST_F(ImportGhrs, the_first_collection_links_a_repository_imported_by_name_to_its_id) {
  write_branch();
  auto store = open();
  imports::import_histories(*store, imports::read_ghrs_folder(branch()));
  const auto provisional = id_of(*store, "octo-org/alpha");
  ASSERT_LT(provisional, 0);
  // GitHub answers for the name with id 555 (spelled in another case) and 03-05 grew.
  auto o = store::testing::observation(555, "Octo-Org/Alpha", "2026-03-06T09:00:00Z");
  o.names = {"octo-org/alpha"};
  o.views = store::testing::window(core::TrafficKind::views, "2026-03-06T09:00:00Z",
                                   {{day("2026-03-05"), 6, 5}});
  o.paths = core::PathSnapshot{at("2026-03-06T09:00:01Z"), {{"/octo-org/alpha", "Alpha", 25, 9}}};
  store->commit(o);

  auto repos = store->repositories();
  ASSERT_EQ(repos.size(), 2u);  // one history for alpha, not two
  EXPECT_EQ(repos[0].id, 555);
  EXPECT_EQ(repos[0].full_name, "Octo-Org/Alpha");
  EXPECT_LT(repos[1].id, 0);  // beta, still by name
  auto views = store->days(555, core::TrafficKind::views, {day("2026-03-01"), day("2026-03-05")});
  ASSERT_EQ(views.size(), 5u);  // the collection covered 03-03, the gap of the import
  EXPECT_EQ(views[0], (core::DayCount{day("2026-03-01"), 15, 4}));  // imported
  EXPECT_EQ(views[2], (core::DayCount{day("2026-03-03"), 0, 0}));   // collected: a zero
  EXPECT_EQ(views[4], (core::DayCount{day("2026-03-05"), 6, 5}));   // the larger of both
  EXPECT_EQ(store->path_snapshots(555).size(), 2u);                 // 03-05 imported, 03-06
  // Nothing is left under the provisional id.
  for (const char* table :
       {"traffic_days", "top_snapshots", "path_snapshots", "referrer_snapshots", "repo_names"}) {
    EXPECT_EQ(
        store::testing::query_rows(db_path(), std::string("SELECT count(*) FROM ") + table +
                                                  " WHERE repo_id = " + std::to_string(provisional))
            .front(),
        "0")
        << table;
  }
}

TEST_F(ImportGhrs, a_name_the_store_already_collected_is_imported_under_its_id) {
  auto store = open();
  auto o = store::testing::observation(555, "octo-org/alpha", "2026-03-06T09:00:00Z");
  o.views = store::testing::window(core::TrafficKind::views, "2026-03-06T09:00:00Z", {});
  store->commit(o);
  write_branch();
  auto summary = imports::import_histories(*store, imports::read_ghrs_folder(branch()));
  EXPECT_EQ(summary.new_repos, 1);  // beta only
  EXPECT_EQ(id_of(*store, "octo-org/alpha"), 555);
  auto views = store->days(555, core::TrafficKind::views, {day("2026-03-01"), day("2026-03-01")});
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].count, 15);
}

TEST_F(ImportGhrs, a_repository_known_by_name_only_is_exported_without_an_id_and_read_back) {
  write_branch();
  auto store = open();
  imports::import_histories(*store, imports::read_ghrs_folder(branch()));
  exports::MemorySink sink;
  exports::export_store(*store, {}, sink);
  const auto& repos_csv = sink.files().at("repos.csv");
  EXPECT_NE(repos_csv.find("octo-org/alpha,,octo-org/alpha,2026-03-01,2026-03-05,\n"),
            std::string::npos)
      << repos_csv;
  auto again = export_test::TempDir();
  for (const auto& [path, content] : sink.files()) {
    write_file(again.path() / path, content);
  }
  auto other = store::make_store("sqlite:" + (again.path() / "other.db").string());
  imports::import_histories(*other, imports::read_export_folder(again.path()));
  EXPECT_LT(id_of(*other, "octo-org/alpha"), 0);
  exports::MemorySink second;
  exports::export_store(*other, {}, second);
  EXPECT_EQ(second.files(), sink.files());
}

}  // namespace

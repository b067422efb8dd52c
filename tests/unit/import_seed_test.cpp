// `ghtraffic import seed`: the reference design's CSV pair read into a real SQLite store
// under the data rules (R2, R3, R7, R9), with uniques it never had kept unknown, and every
// view (export, the API, the report's columns, show) saying unknown rather than 0.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "export_support.hpp"
#include "ghtraffic/cli/show_summary.hpp"
#include "ghtraffic/export/export.hpp"
#include "ghtraffic/import/import.hpp"
#include "ghtraffic/import/own_csv.hpp"
#include "ghtraffic/import/seed.hpp"
#include "ghtraffic/store/sqlite/schema.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/web/api.hpp"
#include "ghtraffic/web/report.hpp"
#include "ghtraffic/web/snapshot.hpp"
#include "store_test_support.hpp"

namespace {

using namespace ghtraffic;
using export_test::at;
using export_test::day;
using export_test::read_tree;
using export_test::write_file;
using nlohmann::json;
namespace fs = std::filesystem;

void ignore_log(std::string_view) {}

constexpr const char* k_days_header = "timestamp,clones,views,stars,forks\n";

class ImportSeed : public ::testing::Test {
 protected:
  void SetUp() override { util::set_log_sink(&ignore_log); }
  void TearDown() override { util::reset_log_sink(); }

  std::string db_path() const { return (m_temp.path() / "ghtraffic.db").string(); }
  std::unique_ptr<store::Store> open() const { return store::make_store("sqlite:" + db_path()); }
  fs::path folder() const { return m_temp.path() / "seed"; }

  void write_days(const std::string& rows) const {
    write_file(folder() / "views_clones_stars/views_clones_stars.csv", k_days_header + rows);
  }
  void write_paths(const std::string& rows) const {
    write_file(folder() / "top_paths/top_paths.csv", "path,views\n" + rows);
  }

  imports::ImportSummary import(store::Store& store, const char* paths_day = "2026-03-05") {
    return imports::import_histories(
        store, imports::read_seed_folder(folder(), "octo-org/alpha", day(paths_day)));
  }

  // The repository imported by name (R8): its provisional id.
  core::RepoId repo_id(store::Store& store) const {
    auto id = store::testing::find_repo(store, "octo-org/alpha");
    EXPECT_TRUE(id.has_value());
    return id.value_or(0);
  }

  // A collection of octo-org/alpha (GitHub id 1001) on 2026-03-05 with views of the day
  // before: 3 views by 2 visitors.
  static core::RepoObservation collected() {
    auto o = store::testing::observation(1001, "octo-org/alpha", "2026-03-05T10:00:00Z");
    o.views = store::testing::window(core::TrafficKind::views, "2026-03-05T10:00:00Z",
                                     {{day("2026-03-04"), 3, 2}}, 3, 2);
    return o;
  }

  export_test::TempDir m_temp;
};

TEST(import_seed_time, reads_the_designs_timestamps_iso_8601_and_bare_days) {
  EXPECT_EQ(imports::parse_seed_time("2026-01-02 00:00:00"), at("2026-01-02T00:00:00Z"));
  EXPECT_EQ(imports::parse_seed_time("2026-01-02T05:00:00Z"), at("2026-01-02T05:00:00Z"));
  EXPECT_EQ(imports::parse_seed_time("2026-01-02 00:00:00+00:00"), at("2026-01-02T00:00:00Z"));
  EXPECT_EQ(imports::parse_seed_time("2026-01-02"), at("2026-01-02T00:00:00Z"));
  EXPECT_FALSE(imports::parse_seed_time("yesterday").has_value());
  EXPECT_FALSE(imports::parse_seed_time("2026-13-02").has_value());
}

TEST_F(ImportSeed, reads_the_pair_with_uniques_unknown_and_counters_of_each_day) {
  write_days(
      "2026-03-01 00:00:00,2,15,40,4\n"
      "2026-03-02 00:00:00,0,7,41,4\n");
  write_paths("/octo-org/alpha,20\n/octo-org/alpha/issues,3\n");
  auto store = open();
  auto summary = import(*store);
  EXPECT_EQ(summary.repos, 1);
  EXPECT_EQ(summary.failed, 0);
  EXPECT_EQ(summary.new_days, 4);  // views and clones of two days
  auto id = repo_id(*store);
  auto views = store->days(id, core::TrafficKind::views);
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0].count, 15);
  EXPECT_FALSE(views[0].uniques.has_value());  // unknown, not 0
  EXPECT_EQ(views[1].count, 7);
  auto clones = store->days(id, core::TrafficKind::clones);
  ASSERT_EQ(clones.size(), 2u);
  EXPECT_EQ(clones[1], (core::DayCount{day("2026-03-02"), 0, std::nullopt}));
  auto counters = store->counters(id);
  ASSERT_EQ(counters.size(), 2u);
  EXPECT_EQ(counters[1].stars, 41);
  EXPECT_EQ(counters[1].forks, 4);
  EXPECT_FALSE(counters[1].watchers.has_value());
  auto paths = store->path_snapshots(id);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(util::day_of(paths[0].observed_at), day("2026-03-05"));  // --date
  ASSERT_EQ(paths[0].entries.size(), 2u);
  EXPECT_EQ(paths[0].entries[0].path, "/octo-org/alpha");
  EXPECT_EQ(paths[0].entries[0].count, 20);
  EXPECT_FALSE(paths[0].entries[0].uniques.has_value());
  EXPECT_TRUE(store->windows(id).empty());  // no window total is made up (R4)
  EXPECT_EQ(store::testing::query_rows(db_path(),
                                       "SELECT count(*) FROM traffic_days "
                                       "WHERE uniques IS NULL"),
            std::vector<std::string>{"4"});
}

TEST_F(ImportSeed, days_the_file_does_not_list_and_empty_cells_stay_gaps) {
  write_days(
      "2026-03-01 00:00:00,2,15,,\n"
      "2026-03-04 00:00:00,,0,,\n");
  auto store = open();
  import(*store);
  auto id = repo_id(*store);
  auto views = store->days(id, core::TrafficKind::views);
  ASSERT_EQ(views.size(), 2u);  // 03-02 and 03-03 are not stored, not even as zeros (R3)
  EXPECT_EQ(views[1], (core::DayCount{day("2026-03-04"), 0, std::nullopt}));
  auto clones = store->days(id, core::TrafficKind::clones);
  ASSERT_EQ(clones.size(), 1u);  // 03-04 has no clones figure: not covered
  EXPECT_EQ(clones[0].day, day("2026-03-01"));
  EXPECT_TRUE(store->counters(id).empty());
  EXPECT_TRUE(store->path_snapshots(id).empty());
}

TEST_F(ImportSeed, a_day_keeps_the_larger_count_and_the_known_uniques_and_is_never_lowered) {
  auto store = open();
  store->commit(collected());  // 03-04: 3 views, 2 visitors; 03-05 covered without traffic
  write_days(
      "2026-03-04 00:00:00,,5,,\n"
      "2026-03-06 00:00:00,,1,,\n");
  auto summary = import(*store);
  EXPECT_EQ(summary.grown_days, 1);  // R2: 03-04's count grew ...
  EXPECT_EQ(summary.new_days, 1);
  const store::DayRange range{day("2026-03-04"), day("2026-03-06")};
  auto views = store->days(1001, core::TrafficKind::views, range);
  ASSERT_EQ(views.size(), 3u);
  EXPECT_EQ(views[0], (core::DayCount{day("2026-03-04"), 5, 2}));  // ... its uniques stayed
  EXPECT_EQ(views[1], (core::DayCount{day("2026-03-05"), 0, 0}));
  EXPECT_EQ(views[2], (core::DayCount{day("2026-03-06"), 1, std::nullopt}));

  // Smaller figures lower nothing (R9), and a later collection fills unknown uniques in.
  write_days("2026-03-04 00:00:00,,1,,\n2026-03-06 00:00:00,,0,,\n");
  EXPECT_EQ(import(*store).grown_days, 0);
  auto later = store::testing::observation(1001, "octo-org/alpha", "2026-03-06T10:00:00Z");
  later.views =
      store::testing::window(core::TrafficKind::views, "2026-03-06T10:00:00Z",
                             {{day("2026-03-04"), 3, 2}, {day("2026-03-06"), 1, 1}}, 4, 3);
  store->commit(later);
  views = store->days(1001, core::TrafficKind::views, range);
  ASSERT_EQ(views.size(), 3u);
  EXPECT_EQ(views[0], (core::DayCount{day("2026-03-04"), 5, 2}));
  EXPECT_EQ(views[2], (core::DayCount{day("2026-03-06"), 1, 1}));
}

TEST_F(ImportSeed, importing_the_same_files_twice_changes_nothing) {
  write_days("2026-03-01 00:00:00,2,15,40,4\n2026-03-02 00:00:00,0,7,41,4\n");
  write_paths("/octo-org/alpha,20\n");
  {
    auto store = open();
    import(*store);
  }
  auto before = store::testing::dump(db_path());
  auto store = open();
  auto second = import(*store);
  EXPECT_EQ(second.new_repos, 0);
  EXPECT_EQ(second.new_days, 0);
  EXPECT_EQ(second.grown_days, 0);
  EXPECT_EQ(second.new_snapshots, 0);
  EXPECT_EQ(store::testing::dump(db_path()), before);  // R7
}

TEST_F(ImportSeed, its_first_collection_links_it_to_githubs_id_and_keeps_the_imported_days) {
  write_days("2026-02-01 00:00:00,2,15,,\n");
  auto store = open();
  import(*store);
  EXPECT_LT(repo_id(*store), 0);  // known by name only (R8)
  store->commit(collected());     // covers 02-19 to 03-05
  auto repos = store->repositories();
  ASSERT_EQ(repos.size(), 1u);
  EXPECT_EQ(repos[0].id, 1001);
  auto views = store->days(1001, core::TrafficKind::views);
  ASSERT_EQ(views.size(), 16u);
  EXPECT_EQ(views[0], (core::DayCount{day("2026-02-01"), 15, std::nullopt}));
  EXPECT_EQ(views[14], (core::DayCount{day("2026-03-04"), 3, 2}));
}

TEST_F(ImportSeed, every_view_shows_unknown_uniques_as_unknown_never_0) {
  write_days("2026-03-04 00:00:00,1,6,40,4\n");
  write_paths("/octo-org/alpha,20\n");
  auto store = open();
  import(*store);
  auto beta = store::testing::observation(2002, "octo-org/beta", "2026-03-05T10:00:00Z");
  beta.views = store::testing::window(core::TrafficKind::views, "2026-03-05T10:00:00Z",
                                      {{day("2026-03-04"), 3, 2}}, 3, 2);
  store->commit(beta);

  // The CSV export: the count, an empty uniques cell.
  exports::MemorySink sink;
  exports::export_store(*store, {}, sink);
  auto files = sink.files();
  EXPECT_NE(files["daily.csv"].find("octo-org/alpha,2026-03-04,6,,1,,40,4\n"), std::string::npos)
      << files["daily.csv"];
  EXPECT_NE(files["paths.csv"].find("octo-org/alpha,2026-03-05,/octo-org/alpha,,20,\n"),
            std::string::npos)
      << files["paths.csv"];
  // The JSON export: null.
  exports::MemorySink json_sink;
  exports::ExportOptions json_options;
  json_options.format = exports::ExportOptions::Format::json;
  exports::export_store(*store, json_options, json_sink);
  auto doc = json::parse(json_sink.files().at("ghtraffic.json"));
  const auto& alpha = doc["repos"][0];
  ASSERT_EQ(alpha["repo"], "octo-org/alpha");
  EXPECT_EQ(alpha["daily"][0]["views"], 6);
  EXPECT_TRUE(alpha["daily"][0]["views_unique"].is_null());
  EXPECT_TRUE(alpha["paths"][0]["entries"][0]["views_unique"].is_null());

  // The API: the day alone and summed with a repository that knows its uniques.
  auto snapshot = web::load_snapshot(*store, nullptr);
  auto daily = web::daily_json(*snapshot, {{"repo", "octo-org/alpha"}});
  auto day_of = [](const json& answer, const char* date) {
    for (const auto& d : answer["days"]) {
      if (d["date"] == date) {
        return d;
      }
    }
    return json();
  };
  auto alone = day_of(daily, "2026-03-04");
  EXPECT_EQ(alone["views"], 6);
  EXPECT_TRUE(alone["views_unique"].is_null());
  auto both =
      day_of(web::daily_json(*snapshot, {{"repo", "octo-org/alpha"}, {"repo", "octo-org/beta"}}),
             "2026-03-04");
  EXPECT_EQ(both["views"], 9);
  EXPECT_TRUE(both["views_unique"].is_null());  // not 2, as if alpha had none
  auto beta_alone = day_of(web::daily_json(*snapshot, {{"repo", "octo-org/beta"}}), "2026-03-04");
  EXPECT_EQ(beta_alone["views_unique"], 2);
  auto paths = web::paths_json(*store, *snapshot, {{"repo", "octo-org/alpha"}});
  EXPECT_TRUE(paths["snapshots"][0]["entries"][0]["uniques"].is_null()) << paths.dump();

  // The report's columns for the dashboard: null where the uniques are unknown.
  std::ostringstream html;
  web::ReportOptions report;
  report.generated_at = at("2026-03-05T12:00:00Z");
  web::write_report(*store, report, html);
  EXPECT_NE(html.str().find(R"("views":[6],"views_unique":[null])"), std::string::npos);

  // show: the top paths' unique column is "–".
  cli::ShowOptions show;
  show.today = day("2026-03-05");
  show.repo = "octo-org/alpha";
  auto text = cli::render_summary(*store, show);
  auto row = text.find("    /octo-org/alpha ");
  ASSERT_NE(row, std::string::npos) << text;
  auto line = text.substr(row, text.find('\n', row) - row);
  EXPECT_NE(line.find(" 20 "), std::string::npos) << line;
  EXPECT_TRUE(line.ends_with(" –")) << line;  // the unique column
}

TEST_F(ImportSeed, export_import_export_keeps_unknown_uniques_unknown) {
  write_days("2026-03-01 00:00:00,2,15,40,4\n2026-03-03 00:00:00,,7,,\n");
  write_paths("/octo-org/alpha,20\n");
  auto store = open();
  import(*store);
  auto sink = exports::make_directory_sink(m_temp.path() / "first");
  exports::export_store(*store, {}, *sink);
  auto other = store::make_store("sqlite:" + (m_temp.path() / "other.db").string());
  imports::import_histories(*other, imports::read_export_folder(m_temp.path() / "first"));
  exports::MemorySink again;
  exports::export_store(*other, {}, again);
  EXPECT_EQ(again.files(), read_tree(m_temp.path() / "first"));
  auto id = store::testing::find_repo(*other, "octo-org/alpha").value_or(0);
  auto views = other->days(id, core::TrafficKind::views);
  ASSERT_EQ(views.size(), 2u);
  EXPECT_FALSE(views[0].uniques.has_value());
}

TEST_F(ImportSeed, a_malformed_file_names_file_and_line_and_imports_nothing_of_it) {
  write_days("2026-03-01 00:00:00,2,15,,\nsoon,1,1,,\n");
  write_paths("/octo-org/alpha,20\n");
  auto repos = imports::read_seed_folder(folder(), "octo-org/alpha", day("2026-03-05"));
  ASSERT_EQ(repos.size(), 1u);
  EXPECT_FALSE(repos[0].history.has_value());
  EXPECT_EQ(repos[0].error,
            "views_clones_stars/views_clones_stars.csv:3: timestamp is \"soon\", not a time "
            "like 2026-01-02 00:00:00");
  auto store = open();
  auto summary = imports::import_histories(*store, repos);
  EXPECT_EQ(summary.failed, 1);
  EXPECT_TRUE(store->repositories().empty());
}

TEST_F(ImportSeed, a_folder_without_the_pair_or_a_bad_repo_name_is_a_usage_error) {
  fs::create_directories(folder());
  EXPECT_THROW(imports::read_seed_folder(folder(), "octo-org/alpha", day("2026-03-05")),
               util::Error);
  write_paths("/a,1\n");
  EXPECT_THROW(imports::read_seed_folder(folder(), "alpha", day("2026-03-05")), util::Error);
  EXPECT_THROW(
      imports::read_seed_folder(m_temp.path() / "missing", "octo-org/alpha", day("2026-03-05")),
      util::Error);
}

TEST_F(ImportSeed, reads_the_two_files_side_by_side_as_well) {
  write_file(folder() / "views_clones_stars.csv",
             std::string(k_days_header) + "2026-03-01,2,15,,\n");
  write_file(folder() / "top_paths.csv", "path,views\n/a,1\n");
  auto store = open();
  auto summary = import(*store);
  EXPECT_EQ(summary.new_days, 2);
  EXPECT_EQ(store->path_snapshots(repo_id(*store)).size(), 1u);
}

// A version-2 store (uniques NOT NULL, no star history tables) keeps its days through the
// migration that lets uniques be unknown, and then takes a seed import.
TEST_F(ImportSeed, a_version_2_store_is_upgraded_and_keeps_its_days) {
  open()->commit(collected());
  store::testing::run_sql(db_path(), R"sql(
CREATE TABLE v2 (
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  kind TEXT NOT NULL CHECK (kind IN ('views', 'clones')),
  day TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  uniques INTEGER NOT NULL CHECK (uniques >= 0),
  PRIMARY KEY (repo_id, kind, day)
) WITHOUT ROWID;
INSERT INTO v2 SELECT * FROM traffic_days;
DROP TABLE traffic_days;
ALTER TABLE v2 RENAME TO traffic_days;
DROP TABLE history_counts;
DROP TABLE backfill_state;
DROP TABLE downloads;
PRAGMA user_version = 2;)sql");
  {
    auto reader = store::make_store("sqlite:" + db_path(), {.read_only = true});
    EXPECT_EQ(reader->days(1001, core::TrafficKind::views).size(), 15u);
  }
  write_days("2026-03-04 00:00:00,,9,,\n");
  auto store = open();
  import(*store);
  EXPECT_EQ(store::testing::query_rows(db_path(), "PRAGMA user_version"),
            std::vector<std::string>{std::to_string(store::sqlite::current_schema_version())});
  EXPECT_EQ(store->days(1001, core::TrafficKind::views).size(), 15u);
  auto views = store->days(1001, core::TrafficKind::views, {day("2026-03-04"), day("2026-03-04")});
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0], (core::DayCount{day("2026-03-04"), 9, 2}));
  store->import_history(
      {.full_name = "octo-org/alpha", .views = {{day("2026-02-01"), 4, std::nullopt}}});
  EXPECT_EQ(store::testing::query_rows(db_path(),
                                       "SELECT day, count, quote(uniques) FROM "
                                       "traffic_days WHERE day = '2026-02-01'"),
            std::vector<std::string>{"2026-02-01|4|NULL"});
}

}  // namespace

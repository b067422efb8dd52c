// `ghtraffic import csv`: the CSV reader, and our own export folder read back into a real
// SQLite store under the data rules (R2, R3, R5-R9), including the round trip.
#include <gtest/gtest.h>

#include "export_support.hpp"
#include "ghtraffic/export/export.hpp"
#include "ghtraffic/import/csv_file.hpp"
#include "ghtraffic/import/import.hpp"
#include "ghtraffic/import/own_csv.hpp"
#include "ghtraffic/read/freshness.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "store_test_support.hpp"

namespace {

using namespace ghtraffic;
using export_test::at;
using export_test::day;
using export_test::read_tree;
using export_test::write_file;
namespace fs = std::filesystem;

std::vector<std::string> g_logged;
void capture(std::string_view line) {
  g_logged.emplace_back(line);
}

class ImportCsv : public ::testing::Test {
 protected:
  void SetUp() override {
    g_logged.clear();
    util::set_log_sink(&capture);
  }
  void TearDown() override { util::reset_log_sink(); }

  std::string db_path() const { return (m_temp.path() / "ghtraffic.db").string(); }
  std::unique_ptr<store::Store> open() const { return store::make_store("sqlite:" + db_path()); }
  fs::path folder(const std::string& name) const { return m_temp.path() / name; }

  imports::ImportSummary import(store::Store& store, const fs::path& from) {
    return imports::import_histories(store, imports::read_export_folder(from));
  }

  static std::map<std::string, std::string> export_csv(
      store::Store& store,
      exports::ExportOptions::Format format = exports::ExportOptions::Format::csv) {
    exports::MemorySink sink;
    exports::ExportOptions options;
    options.format = format;
    exports::export_store(store, options, sink);
    return sink.files();
  }

  export_test::TempDir m_temp;
};

// --- the reader ---

TEST(import_csv_file, reads_quoted_fields_with_commas_quotes_and_line_breaks) {
  auto file = imports::CsvFile::parse(
      "\xEF\xBB\xBFrepo,title\r\no/r,\"Say \"\"hi\"\", world\"\r\n\r\no/r,\"line one\nline "
      "two\"\no/r,\n",
      "paths.csv");
  ASSERT_EQ(file.header(), (std::vector<std::string>{"repo", "title"}));
  ASSERT_EQ(file.rows().size(), 3u);
  EXPECT_EQ(file.rows()[0].fields[1], "Say \"hi\", world");
  EXPECT_EQ(file.rows()[1].fields[1], "line one\nline two");
  EXPECT_EQ(file.rows()[1].line, 4u);
  EXPECT_EQ(file.rows()[2].fields[1], "");
  EXPECT_EQ(file.rows()[2].line, 6u);
}

TEST(import_csv_file, names_the_file_and_line_of_what_it_cannot_read) {
  auto message = [](std::string_view text) {
    try {
      imports::CsvFile::parse(text, "daily.csv");
    } catch (const imports::ImportError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("a,b\n1,2\n3\n"), "daily.csv:3: 1 fields where the header has 2");
  EXPECT_EQ(message("a,b\n1,2\n\"3,4\n"), "daily.csv:3: a quoted field is never closed");
  EXPECT_EQ(message("a,b\n1,x\"y\"\n"),
            "daily.csv:2: a quote inside a field that is not quoted; quote the whole field and "
            "double the quotes in it");
  EXPECT_EQ(message(""), "daily.csv:1: the file is empty; it needs at least its header line");
}

TEST(import_csv_file, undoes_the_exports_formula_guard_only) {
  EXPECT_EQ(imports::untrusted_text("'=HYPERLINK(1)"), "=HYPERLINK(1)");
  EXPECT_EQ(imports::untrusted_text("'@evil"), "@evil");
  EXPECT_EQ(imports::untrusted_text("'quoted'"), "'quoted'");
  EXPECT_EQ(imports::untrusted_text("/a/b"), "/a/b");
}

// --- our own export folder ---

TEST_F(ImportCsv, export_then_import_into_an_empty_store_then_export_gives_identical_files) {
  auto golden = export_test::golden_root() / "csv";
  auto store = open();
  auto summary = import(*store, golden);
  EXPECT_EQ(summary.repos, 2);
  EXPECT_EQ(summary.new_repos, 2);
  EXPECT_EQ(summary.failed, 0);
  auto files = export_csv(*store);
  auto expected = read_tree(golden);
  ASSERT_EQ(files.size(), expected.size());
  for (const auto& [path, content] : expected) {
    EXPECT_EQ(files[path], content) << path;
  }
  // The JSON export holds the same, so it matches its golden file too.
  auto json = export_csv(*store, exports::ExportOptions::Format::json);
  EXPECT_EQ(json["ghtraffic.json"],
            export_test::read_file(export_test::golden_root() / "json/ghtraffic.json"));
}

TEST_F(ImportCsv, a_store_exported_imported_and_exported_again_keeps_every_file) {
  auto source = store::make_store("sqlite:" + folder("source.db").string());
  export_test::fill_scenario(*source);
  auto sink = exports::make_directory_sink(folder("first"));
  exports::export_store(*source, {}, *sink);
  auto store = open();
  import(*store, folder("first"));
  EXPECT_EQ(export_csv(*store), read_tree(folder("first")));
}

TEST_F(ImportCsv, importing_the_same_files_twice_changes_nothing) {
  auto golden = export_test::golden_root() / "csv";
  {
    auto store = open();
    auto first = import(*store, golden);
    EXPECT_GT(first.new_days, 0);
    EXPECT_GT(first.new_snapshots, 0);
    EXPECT_GT(first.new_windows, 0);
  }
  auto before = store::testing::dump(db_path());
  auto store = open();
  auto second = import(*store, golden);
  EXPECT_EQ(second.repos, 2);
  EXPECT_EQ(second.new_repos, 0);
  EXPECT_EQ(second.new_days, 0);
  EXPECT_EQ(second.grown_days, 0);
  EXPECT_EQ(second.new_snapshots, 0);
  EXPECT_EQ(second.new_windows, 0);
  EXPECT_EQ(store::testing::dump(db_path()), before);
}

TEST_F(ImportCsv, a_day_keeps_the_larger_count_and_the_larger_uniques_and_is_never_lowered) {
  auto store = open();
  auto o = store::testing::observation(7, "o/r", "2026-03-10T12:00:00Z");
  o.views = store::testing::window(core::TrafficKind::views, "2026-03-10T12:00:00Z",
                                   {{day("2026-03-09"), 10, 3}, {day("2026-03-10"), 4, 4}});
  store->commit(o);
  write_file(folder("in") / "repos.csv", "repo,id,names,first_day,last_day\no/r,7,o/r,,\n");
  write_file(folder("in") / "daily.csv",
             "repo,date,views,views_unique,clones,clones_unique,stars,forks\n"
             "o/r,2026-03-09,8,5,,,,\n"
             "o/r,2026-03-10,2,1,,,,\n");
  auto summary = import(*store, folder("in"));
  EXPECT_EQ(summary.grown_days, 1);
  EXPECT_EQ(summary.new_days, 0);
  auto days = store->days(7, core::TrafficKind::views, {day("2026-03-09"), day("2026-03-10")});
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days[0], (core::DayCount{day("2026-03-09"), 10, 5}));
  EXPECT_EQ(days[1], (core::DayCount{day("2026-03-10"), 4, 4}));
}

TEST_F(ImportCsv, days_the_files_do_not_list_stay_gaps) {
  write_file(folder("in") / "repos.csv", "repo,id,names,first_day,last_day\no/r,7,o/r,,\n");
  write_file(folder("in") / "daily.csv",
             "repo,date,views,views_unique,clones,clones_unique,stars,forks\n"
             "o/r,2026-03-01,5,2,,,,\n"
             "o/r,2026-03-04,0,0,1,1,,\n");
  auto store = open();
  import(*store, folder("in"));
  auto views = store->days(7, core::TrafficKind::views);
  ASSERT_EQ(views.size(), 2u);  // 03-02 and 03-03 are not stored, not even as zeros
  EXPECT_EQ(views[0].day, day("2026-03-01"));
  EXPECT_EQ(views[1], (core::DayCount{day("2026-03-04"), 0, 0}));
  auto clones = store->days(7, core::TrafficKind::clones);
  ASSERT_EQ(clones.size(), 1u);  // 03-01 has views only
  EXPECT_EQ(clones[0].day, day("2026-03-04"));
  EXPECT_TRUE(store->windows(7).empty());  // no window total is made up either
  EXPECT_TRUE(store->counters(7).empty());
}

TEST_F(ImportCsv, keeps_the_ids_and_every_name_in_their_order) {
  auto store = open();
  import(*store, export_test::golden_root() / "csv");
  auto repos = store->repositories();
  ASSERT_EQ(repos.size(), 2u);
  EXPECT_EQ(repos[0].id, 1001);
  EXPECT_EQ(repos[0].full_name, "octo-org/alpha");
  EXPECT_EQ(repos[0].names, (std::vector<std::string>{"octo-org/alpha-old", "octo-org/alpha"}));
  // The files' last collection, not the import's own time (an import is not a collection).
  EXPECT_EQ(repos[0].last_collected, at("2026-03-20T09:30:00Z"));
  EXPECT_EQ(repos[1].id, 2002);
  // A later collection of the same id continues the same history (R8).
  auto o = store::testing::observation(1001, "octo-org/alpha", "2026-03-25T08:00:00Z");
  o.views = store::testing::window(core::TrafficKind::views, "2026-03-25T08:00:00Z", {});
  store->commit(o);
  EXPECT_EQ(store->repositories().size(), 2u);
}

TEST_F(ImportCsv, a_store_rebuilt_from_an_export_counts_days_left_as_the_one_that_wrote_it) {
  auto source = store::make_store("sqlite:" + folder("source.db").string());
  export_test::fill_scenario(*source);
  auto sink = exports::make_directory_sink(folder("export"));
  exports::export_store(*source, {}, *sink);
  auto rebuilt = open();
  import(*rebuilt, folder("export"));
  auto today = day("2026-03-30");
  auto want = read::store_freshness(*source, today);
  auto got = read::store_freshness(*rebuilt, today);
  ASSERT_EQ(got.size(), want.size());
  ASSERT_FALSE(got.empty());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].full_name, want[i].full_name);
    ASSERT_TRUE(want[i].last_success.has_value()) << want[i].full_name;
    EXPECT_EQ(got[i].last_success, want[i].last_success) << got[i].full_name;
    EXPECT_EQ(got[i].freshness.days_left, want[i].freshness.days_left) << got[i].full_name;
    EXPECT_NE(got[i].freshness.urgency, read::Urgency::never_collected) << got[i].full_name;
  }
}

TEST_F(ImportCsv, the_last_collection_the_files_carry_only_ever_moves_forward) {
  auto store = open();
  auto o = store::testing::observation(7, "o/r", "2026-03-20T12:00:00Z");
  o.views = store::testing::window(core::TrafficKind::views, "2026-03-20T12:00:00Z", {});
  store->commit(o);
  auto last_collected = [&] { return store->repositories().at(0).last_collected; };
  auto import_repos_csv = [&](const std::string& text) {
    fs::remove_all(folder("in"));
    write_file(folder("in") / "repos.csv", text);
    import(*store, folder("in"));
  };
  import_repos_csv(
      "repo,id,names,first_day,last_day,last_collected\no/r,7,o/r,,,2026-03-10T09:00:00Z\n");
  EXPECT_EQ(last_collected(), at("2026-03-20T12:00:00Z"));  // older: never moved back (R9)
  import_repos_csv("repo,id,names,first_day,last_day\no/r,7,o/r,,\n");
  EXPECT_EQ(last_collected(), at("2026-03-20T12:00:00Z"));  // an export without the column
  import_repos_csv("repo,id,names,first_day,last_day,last_collected\no/r,7,o/r,,,\n");
  EXPECT_EQ(last_collected(), at("2026-03-20T12:00:00Z"));  // never collected where written
  import_repos_csv(
      "repo,id,names,first_day,last_day,last_collected\no/r,7,o/r,,,2026-03-25T08:30:00Z\n");
  EXPECT_EQ(last_collected(), at("2026-03-25T08:30:00Z"));
  auto before = store::testing::dump(db_path());
  import(*store, folder("in"));
  EXPECT_EQ(store::testing::dump(db_path()), before);  // R7: the same files again
}

TEST_F(ImportCsv, a_last_collection_that_is_no_time_fails_its_repository_naming_file_and_line) {
  write_file(folder("in") / "repos.csv",
             "repo,id,names,first_day,last_day,last_collected\no/r,7,o/r,,,yesterday\n");
  auto repos = imports::read_export_folder(folder("in"));
  ASSERT_EQ(repos.size(), 1u);
  EXPECT_FALSE(repos[0].history.has_value());
  EXPECT_EQ(repos[0].error,
            "repos.csv:2: last_collected is \"yesterday\", not a time like 2026-01-31T10:00:00Z");
}

TEST_F(ImportCsv, a_snapshot_collected_later_that_day_stays_the_latest) {
  auto store = open();
  auto o = store::testing::observation(7, "o/r", "2026-03-10T12:00:00Z");
  o.meta.stars = 40;
  o.meta.forks = 4;
  o.meta.watchers = 9;
  o.paths = core::PathSnapshot{at("2026-03-10T12:00:01Z"), {{"/o/r", "collected", 9, 3}}};
  store->commit(o);
  write_file(folder("in") / "repos.csv", "repo,id,names,first_day,last_day\no/r,7,o/r,,\n");
  write_file(folder("in") / "daily.csv",
             "repo,date,views,views_unique,clones,clones_unique,stars,forks\n"
             "o/r,2026-03-10,1,1,1,1,39,4\n"
             "o/r,2026-03-09,1,1,1,1,38,3\n");
  write_file(folder("in") / "paths.csv",
             "repo,date,path,title,views,views_unique\n"
             "o/r,2026-03-10,/o/r,imported,5,2\n"
             "o/r,2026-03-09,/o/r,older,4,2\n");
  auto summary = import(*store, folder("in"));
  EXPECT_EQ(summary.new_snapshots, 2);  // 03-09's paths and counters; 03-10 keeps its own
  auto paths = store->path_snapshots(7);
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0].entries[0].title, "older");
  EXPECT_EQ(paths[1].entries[0].title, "collected");
  auto counters = store->counters(7);
  ASSERT_EQ(counters.size(), 2u);
  EXPECT_EQ(counters[0].stars, 38);
  EXPECT_FALSE(counters[0].watchers.has_value());  // the files do not say; never 0
  EXPECT_EQ(counters[1].stars, 40);
  EXPECT_EQ(counters[1].watchers, 9);
}

TEST_F(ImportCsv, a_malformed_row_fails_its_repository_only_and_names_file_and_line) {
  write_file(folder("in") / "repos.csv",
             "repo,id,names,first_day,last_day\no/good,1,o/good,,\no/bad,2,o/bad,,\n");
  write_file(folder("in") / "daily.csv",
             "repo,date,views,views_unique,clones,clones_unique,stars,forks\n"
             "o/bad,2026-03-01,5,2,,,,\n"
             "o/good,2026-03-01,5,2,,,,\n"
             "o/bad,2026-03-02,many,2,,,,\n");
  auto repos = imports::read_export_folder(folder("in"));
  ASSERT_EQ(repos.size(), 2u);
  EXPECT_TRUE(repos[0].history.has_value());
  EXPECT_FALSE(repos[1].history.has_value());
  EXPECT_EQ(repos[1].error, "daily.csv:4: views is \"many\", not a count (a whole number from 0)");
  auto store = open();
  auto summary = imports::import_histories(*store, repos);
  EXPECT_EQ(summary.repos, 1);
  EXPECT_EQ(summary.failed, 1);
  auto stored = store->repositories();
  ASSERT_EQ(stored.size(), 1u);  // nothing of o/bad, not even its first good day
  EXPECT_EQ(stored[0].full_name, "o/good");
  ASSERT_FALSE(g_logged.empty());
  EXPECT_NE(g_logged.back().find("o/bad: daily.csv:4: views is \"many\""), std::string::npos);
}

TEST_F(ImportCsv, a_file_that_cannot_be_read_fails_every_repository) {
  write_file(folder("in") / "repos.csv",
             "repo,id,names,first_day,last_day\no/one,1,o/one,,\no/two,2,o/two,,\n");
  write_file(folder("in") / "windows.csv", "repo,observed_at,kind,count\n");
  auto repos = imports::read_export_folder(folder("in"));
  ASSERT_EQ(repos.size(), 2u);
  for (const auto& repo : repos) {
    EXPECT_FALSE(repo.history.has_value());
    EXPECT_EQ(repo.error,
              "windows.csv:1: no column \"uniques\" in the header (repo,observed_at,kind,count)");
  }
}

TEST_F(ImportCsv, a_failed_write_stores_nothing_of_that_repository_and_the_others_go_on) {
  {
    auto store = open();  // creates the schema
  }
  store::testing::run_sql(db_path(),
                          "CREATE TRIGGER no_windows BEFORE INSERT ON windows WHEN NEW.repo_id = "
                          "1001 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;");
  auto store = open();
  auto summary = import(*store, export_test::golden_root() / "csv");
  EXPECT_EQ(summary.repos, 1);
  EXPECT_EQ(summary.failed, 1);
  auto repos = store->repositories();
  ASSERT_EQ(repos.size(), 1u);
  EXPECT_EQ(repos[0].id, 2002);
  EXPECT_TRUE(store->days(1001, core::TrafficKind::views).empty());
  EXPECT_TRUE(store::testing::query_rows(db_path(), "SELECT * FROM repo_names WHERE repo_id = 1001")
                  .empty());
}

TEST_F(ImportCsv, a_folder_without_export_files_is_a_usage_error) {
  fs::create_directories(folder("empty"));
  EXPECT_THROW(imports::read_export_folder(folder("empty")), util::Error);
  EXPECT_THROW(imports::read_export_folder(folder("missing")), util::Error);
}

}  // namespace

namespace {

constexpr const char* k_backfill_header =
    "repo,kind,source,next_url,next_position,through_day,complete,resume_before,pass_until,"
    "approximate_from,note,updated_at\n";

}  // namespace

TEST_F(ImportCsv, a_backfill_state_is_taken_over_only_when_it_is_later_than_the_stores) {
  auto store = open();
  auto o = store::testing::observation(7, "o/r", "2026-03-20T12:00:00Z");
  o.views = store::testing::window(core::TrafficKind::views, "2026-03-20T12:00:00Z", {});
  store->commit(o);
  auto import_backfill = [&](const std::string& rows) {
    fs::remove_all(folder("in"));
    write_file(folder("in") / "repos.csv", "repo,id,names,first_day,last_day\no/r,7,o/r,,\n");
    write_file(folder("in") / "backfill.csv", k_backfill_header + rows);
    return import(*store, folder("in"));
  };
  import_backfill(
      "o/r,forks,forks,https://api.github.com/repositories/7/forks?page=3,200,2026-03-10,false,"
      ",,,,2026-03-12T10:00:00Z\n"
      "o/r,stars,stargazers/history,,0,2026-03-19,true,,,,,2026-03-20T10:00:00Z\n");
  auto forks = store->backfill_state(7, core::CountKind::forks);
  ASSERT_TRUE(forks);
  EXPECT_EQ(forks->next_url, "https://api.github.com/repositories/7/forks?page=3");
  EXPECT_EQ(forks->next_position, 200);
  EXPECT_EQ(forks->through_day, day("2026-03-10"));
  EXPECT_FALSE(forks->complete);
  EXPECT_FALSE(forks->resume_before);
  EXPECT_EQ(store->backfill_state(7, core::CountKind::stars)->through_day, day("2026-03-19"));

  // An older place never moves the store's back; a later one replaces it.
  import_backfill("o/r,forks,forks,,0,2026-03-01,true,,,,,2026-03-11T10:00:00Z\n");
  EXPECT_EQ(store->backfill_state(7, core::CountKind::forks)->next_position, 200);
  import_backfill("o/r,forks,forks,,300,2026-03-18,true,,,,,2026-03-19T10:00:00Z\n");
  EXPECT_EQ(store->backfill_state(7, core::CountKind::forks)->next_position, 300);
  auto before = store::testing::dump(db_path());
  import(*store, folder("in"));
  EXPECT_EQ(store::testing::dump(db_path()), before);  // R7: the same files again
}

TEST_F(ImportCsv, a_malformed_backfill_row_fails_its_repository_naming_file_and_line) {
  write_file(folder("in") / "repos.csv",
             "repo,id,names,first_day,last_day\no/a,1,o/a,,\no/b,2,o/b,,\no/c,3,o/c,,\n");
  write_file(folder("in") / "backfill.csv",
             std::string(k_backfill_header) +
                 "o/a,watchers,forks,,0,,true,,,,,2026-03-12T10:00:00Z\n"
                 "o/b,stars,stargazers,,0,,maybe,,,,,2026-03-12T10:00:00Z\n"
                 "o/c,stars,stargazers,,0,,true,,,,,2026-03-12T10:00:00Z\n"
                 "o/c,stars,stargazers,,0,,true,,,,,2026-03-13T10:00:00Z\n");
  auto repos = imports::read_export_folder(folder("in"));
  ASSERT_EQ(repos.size(), 3u);
  EXPECT_EQ(repos[0].error, "backfill.csv:2: kind is \"watchers\"; it is stars or forks");
  EXPECT_EQ(repos[1].error, "backfill.csv:3: complete is \"maybe\"; it is true or false");
  EXPECT_EQ(repos[2].error, "backfill.csv:5: stars of o/c is listed again");
}

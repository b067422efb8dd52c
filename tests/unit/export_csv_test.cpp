#include <gtest/gtest.h>

#include "export_support.hpp"
#include "ghtraffic/export/csv.hpp"
#include "ghtraffic/export/export.hpp"
#include "ghtraffic/util/error.hpp"

using namespace export_test;
using namespace ghtraffic::exports;

namespace {

std::map<std::string, std::string> export_files(store::Store& store, ExportOptions options = {}) {
  MemorySink sink;
  export_store(store, options, sink);
  return sink.files();
}

std::vector<std::string> lines_of(const std::string& text) {
  auto lines = util::split(text, '\n');
  if (!lines.empty() && lines.back().empty()) {
    lines.pop_back();
  }
  return lines;
}

bool has_line(const std::string& text, const std::string& line) {
  auto lines = lines_of(text);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

bool has_line_starting(const std::string& text, const std::string& prefix) {
  auto lines = lines_of(text);
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.starts_with(prefix); });
}

}  // namespace

TEST(export_csv, fields_are_quoted_as_rfc_4180_says) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("one\ntwo"), "\"one\ntwo\"");
  EXPECT_EQ(csv_field("one\rtwo"), "\"one\rtwo\"");
}

TEST(export_csv, text_from_github_that_starts_a_formula_gets_a_leading_quote) {
  EXPECT_EQ(csv_untrusted_field("=1+1"), "'=1+1");
  EXPECT_EQ(csv_untrusted_field("+1"), "'+1");
  EXPECT_EQ(csv_untrusted_field("-1"), "'-1");
  EXPECT_EQ(csv_untrusted_field("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_untrusted_field("=HYPERLINK(\"x\",\"y\")"), "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
  EXPECT_EQ(csv_untrusted_field("/octo/a=b"), "/octo/a=b");
  EXPECT_EQ(csv_untrusted_field(""), "");
}

TEST(export_csv, daily_has_covered_zeros_and_no_row_for_gap_days) {
  FakeStore store;
  fill_scenario(store);
  auto daily = export_files(store).at("daily.csv");
  EXPECT_TRUE(has_line(daily, "octo-org/alpha,2026-02-10,0,0,0,0,,"));
  for (auto d = day("2026-02-22"); d <= day("2026-03-05"); d += std::chrono::days{1}) {
    EXPECT_FALSE(has_line_starting(daily, "octo-org/alpha," + util::format_day(d)))
        << util::format_day(d) << " is a gap and must not appear";
  }
  EXPECT_FALSE(has_line_starting(daily, "octo-org/beta,2026-03-02"));
}

TEST(export_csv, a_day_covered_for_clones_only_has_empty_views_cells) {
  FakeStore store;
  fill_scenario(store);
  auto daily = export_files(store).at("daily.csv");
  EXPECT_TRUE(has_line(daily, "octo-org/alpha,2026-02-21,,,2,1,11,2"));
}

TEST(export_csv, stars_and_forks_come_from_that_days_snapshot_only) {
  FakeStore store;
  fill_scenario(store);
  auto daily = export_files(store).at("daily.csv");
  EXPECT_TRUE(has_line(daily, "octo-org/alpha,2026-02-20,30,2,1,1,10,2"));
  EXPECT_TRUE(has_line(daily, "octo-org/alpha,2026-03-20,30,2,1,1,1234,3"));
  EXPECT_TRUE(has_line(daily, "octo-org/alpha,2026-02-19,29,6,4,1,,"));
}

TEST(export_csv, hostile_titles_are_quoted_and_defused) {
  FakeStore store;
  fill_scenario(store);
  auto files = export_files(store);
  const auto& paths = files.at("paths.csv");
  EXPECT_NE(
      paths.find("octo-org/beta,2026-03-01,/octo-org/beta,<img src=x onerror=alert(1)>,9,4\n"),
      std::string::npos);
  EXPECT_NE(paths.find(",\"Say \"\"hi\"\", world\",5,3\n"), std::string::npos);
  EXPECT_NE(paths.find(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",3,2\n"),
            std::string::npos);
  EXPECT_NE(paths.find(",\"line one\nline two\",1,1\n"), std::string::npos);
  EXPECT_TRUE(has_line(files.at("referrers.csv"), "octo-org/beta,2026-03-01,'@evil.example,2,1"));
}

TEST(export_csv, every_file_has_its_contract_header) {
  FakeStore store;
  auto files = export_files(store);
  EXPECT_EQ(files.at("daily.csv"),
            "repo,date,views,views_unique,clones,clones_unique,stars,forks\n");
  EXPECT_EQ(files.at("paths.csv"), "repo,date,path,title,views,views_unique\n");
  EXPECT_EQ(files.at("referrers.csv"), "repo,date,referrer,views,views_unique\n");
  EXPECT_EQ(files.at("windows.csv"), "repo,observed_at,kind,count,uniques\n");
  EXPECT_EQ(files.at("repos.csv"), "repo,id,names,first_day,last_day,last_collected\n");
  EXPECT_EQ(files.at("stars.csv"), "repo,date,stars,source\n");
  EXPECT_EQ(files.at("forks.csv"), "repo,date,forks,source\n");
  EXPECT_EQ(files.at("downloads.csv"), "repo,date,release,asset,downloads\n");
}

TEST(export_csv, stars_are_known_from_history_and_a_snapshot_is_the_truth_on_its_day) {
  FakeStore store;
  fill_scenario(store);
  auto stars = export_files(store).at("stars.csv");
  EXPECT_TRUE(has_line(stars, "octo-org/alpha,2026-02-19,9,history"));
  EXPECT_TRUE(has_line(stars, "octo-org/alpha,2026-02-20,10,snapshot"));  // not the history's 9
  EXPECT_FALSE(has_line(stars, "octo-org/alpha,2026-02-22,11,history"));  // unknown: no row
  EXPECT_EQ(stars.find("2026-02-16"), std::string::npos);
  auto downloads = export_files(store).at("downloads.csv");
  EXPECT_TRUE(has_line(downloads, "octo-org/alpha,2026-03-20,v1.1,\"alpha, \"\"full\"\".zip\",7"));
}

TEST(export_csv, repos_lists_every_name_oldest_first_and_the_last_collection) {
  FakeStore store;
  fill_scenario(store);
  auto repos = export_files(store).at("repos.csv");
  EXPECT_TRUE(has_line(repos,
                       "octo-org/alpha,1001,octo-org/alpha-old;octo-org/alpha,2026-02-06,2026-03-"
                       "20,2026-03-20T09:30:00Z"));
  EXPECT_TRUE(has_line(
      repos, "octo-org/beta,2002,octo-org/beta,2026-02-15,2026-03-01,2026-03-01T12:00:00Z"));
}

TEST(export_csv, windows_use_iso_8601_times) {
  FakeStore store;
  fill_scenario(store);
  auto windows = export_files(store).at("windows.csv");
  EXPECT_TRUE(has_line(windows, "octo-org/alpha,2026-03-20T09:30:00Z,views,345,61"));
}

TEST(export_csv, stats_count_data_rows_per_file) {
  FakeStore store;
  fill_scenario(store);
  MemorySink sink;
  auto stats = export_store(store, {}, sink);
  EXPECT_EQ(stats.repos, 2u);
  ASSERT_EQ(stats.files.size(), 9u);
  EXPECT_EQ(stats.files[0].path, "daily.csv");
  EXPECT_EQ(stats.files[0].rows, 46u);
  EXPECT_EQ(stats.files[4].path, "repos.csv");
  EXPECT_EQ(stats.files[4].rows, 2u);
  EXPECT_EQ(stats.files[8].path, "backfill.csv");
  EXPECT_EQ(stats.files[8].rows, 2u);  // stars and forks of octo-org/alpha
}

TEST(export_csv, repo_filter_matches_current_and_earlier_names_case_insensitively) {
  FakeStore store;
  fill_scenario(store);
  ExportOptions options;
  options.repos = {"Octo-Org/Alpha-OLD"};
  auto repos = export_files(store, options).at("repos.csv");
  EXPECT_EQ(lines_of(repos).size(), 2u);
  EXPECT_TRUE(has_line_starting(repos, "octo-org/alpha,1001,"));
}

TEST(export_csv, unknown_repo_is_an_error_naming_it) {
  FakeStore store;
  fill_scenario(store);
  ExportOptions options;
  options.repos = {"octo-org/alpha", "octo-org/gamma"};
  MemorySink sink;
  try {
    export_store(store, options, sink);
    FAIL() << "expected an error";
  } catch (const util::Error& e) {
    EXPECT_NE(std::string(e.what()).find("octo-org/gamma"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(sink.files().empty());
}

TEST(export_csv, format_names_round_trip) {
  for (auto format :
       {ExportOptions::Format::csv, ExportOptions::Format::seed, ExportOptions::Format::json}) {
    EXPECT_EQ(export_format_from(to_string(format)), format);
  }
  EXPECT_EQ(export_format_from("xml"), std::nullopt);
}

// Golden tests: the scenario of export_support.hpp, exported in each format into a folder
// and compared file by file with tests/golden/export/<format>/. On a mismatch the test
// prints a unified diff; GHTRAFFIC_UPDATE_GOLDEN=1 rewrites the golden files.
#include <gtest/gtest.h>

#include "export_support.hpp"
#include "ghtraffic/cli/show_summary.hpp"
#include "ghtraffic/export/export.hpp"

using namespace export_test;
using namespace ghtraffic::exports;
using ghtraffic::cli::render_summary;
using ghtraffic::cli::ShowOptions;

namespace {

class ExportGolden : public ::testing::TestWithParam<std::string> {
 protected:
  void export_into(const fs::path& out, ExportOptions::Format format,
                   std::vector<std::string> repos = {}) {
    auto store = make_scenario_store(GetParam(), m_store_folder.path());
    ExportOptions options;
    options.format = format;
    options.repos = std::move(repos);
    auto sink = make_directory_sink(out);
    export_store(*store, options, *sink);
  }

  TempDir m_store_folder;
  TempDir m_out;
};

}  // namespace

TEST_P(ExportGolden, csv_matches_the_golden_files) {
  export_into(m_out.path(), ExportOptions::Format::csv);
  expect_golden_tree(m_out.path(), "csv");
}

TEST_P(ExportGolden, seed_with_several_repositories_has_a_folder_per_repository) {
  export_into(m_out.path(), ExportOptions::Format::seed);
  expect_golden_tree(m_out.path(), "seed");
  EXPECT_TRUE(
      fs::exists(m_out.path() / "octo-org/alpha/views_clones_stars/views_clones_stars.csv"));
  EXPECT_TRUE(fs::exists(m_out.path() / "octo-org/beta/top_paths/top_paths.csv"));
}

TEST_P(ExportGolden, seed_with_one_repository_writes_at_the_top_level) {
  export_into(m_out.path(), ExportOptions::Format::seed, {"octo-org/alpha"});
  expect_golden_tree(m_out.path(), "seed-single");
  EXPECT_TRUE(fs::exists(m_out.path() / "views_clones_stars/views_clones_stars.csv"));
  EXPECT_TRUE(fs::exists(m_out.path() / "top_paths/top_paths.csv"));
  EXPECT_FALSE(fs::exists(m_out.path() / "octo-org"));
}

TEST_P(ExportGolden, json_matches_the_golden_file) {
  export_into(m_out.path(), ExportOptions::Format::json);
  expect_golden_tree(m_out.path(), "json");
}

TEST_P(ExportGolden, exporting_twice_gives_identical_files) {
  for (auto format :
       {ExportOptions::Format::csv, ExportOptions::Format::seed, ExportOptions::Format::json}) {
    TempDir first;
    TempDir second;
    export_into(first.path(), format);
    export_into(second.path(), format);
    auto a = read_tree(first.path());
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a, read_tree(second.path())) << to_string(format);
  }
}

TEST_P(ExportGolden, show_matches_the_golden_summary) {
  auto store = make_scenario_store(GetParam(), m_store_folder.path());
  ShowOptions options;
  options.today = day("2026-03-20");
  expect_golden_text(render_summary(*store, options), "show/summary.txt");
}

INSTANTIATE_TEST_SUITE_P(backends, ExportGolden, ::testing::ValuesIn(backends()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

// Fuzz target of the CSV importers (import/): our own export folder and a
// github-repo-stats data branch, read from files as `ghtraffic import` reads them. Input:
// up to ten files separated by "\n--\n" (repos.csv, daily.csv, paths.csv, referrers.csv,
// windows.csv of an export; the aggregate, a paths and a referrers snapshot, a later paths
// snapshot of the same day and a series fragment of a data branch). Any bytes give imported
// histories or errors that name a file, never a crash or an exception of another kind, and what is
// imported keeps the promises the store's merge relies on: counts from 0, at most one figure and
// one snapshot a day.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_input.hpp"
#include "ghtraffic/import/csv_file.hpp"
#include "ghtraffic/import/ghrs.hpp"
#include "ghtraffic/import/own_csv.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ghtraffic;

constexpr const char* k_files[] = {
    "export/repos.csv",
    "export/daily.csv",
    "export/paths.csv",
    "export/referrers.csv",
    "export/windows.csv",
    "branch/octo/repo/ghrs-data/views_clones_aggregate.csv",
    "branch/octo/repo/ghrs-data/snapshots/2020-12-01_120000_top_paths_snapshot.csv",
    "branch/octo/repo/ghrs-data/snapshots/2020-12-01_120000_top_referrers_snapshot.csv",
    "branch/octo/repo/ghrs-data/snapshots/2020-12-01_200000_top_paths_snapshot.csv",
    "branch/octo/repo/ghrs-data/snapshots/2020-12-01_080000_views_clones_series_fragment.csv",
};
constexpr std::size_t k_file_count = sizeof k_files / sizeof k_files[0];

void ignore_line(std::string_view) {}

const fs::path& scratch() {
  static const fs::path folder =
      fs::temp_directory_path() / ("ghtraffic-fuzz-csv-" + std::to_string(::getpid()));
  return folder;
}

void remove_scratch() {
  std::error_code ignored;
  fs::remove_all(scratch(), ignored);
}

template <typename T>
void check_one_a_day(const std::vector<T>& items, auto day_of) {
  for (std::size_t i = 1; i < items.size(); ++i) {
    fuzz::require(day_of(items[i - 1]) < day_of(items[i]), "one a day, in order");
  }
}

void check(const std::vector<imports::RepoImport>& repos) {
  for (const auto& repo : repos) {
    fuzz::require(repo.history.has_value() != !repo.error.empty(), "a history or an error");
    if (!repo.history) {
      continue;
    }
    const auto& history = *repo.history;
    for (const auto* days : {&history.views, &history.clones}) {
      for (const auto& day : *days) {
        // uniques may be unknown (an empty cell beside a count), never below 0.
        fuzz::require(day.count >= 0 && (!day.uniques || *day.uniques >= 0), "counts from 0");
      }
      check_one_a_day(*days, [](const core::DayCount& d) { return d.day; });
    }
    check_one_a_day(history.paths,
                    [](const core::PathSnapshot& s) { return util::day_of(s.observed_at); });
    check_one_a_day(history.referrers,
                    [](const core::ReferrerSnapshot& s) { return util::day_of(s.observed_at); });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool once = [] {
    util::set_log_sink(ignore_line);
    (void)scratch();  // made before atexit is told, so that it is destroyed after the handler
    std::atexit(remove_scratch);
    return true;
  }();
  (void)once;
  const auto& root = scratch();
  auto text = fuzz::as_text(data, size);
  try {
    (void)imports::CsvFile::parse(text, "fuzz.csv");
  } catch (const imports::ImportError&) {
  }

  remove_scratch();
  auto parts = fuzz::split_parts(text, k_file_count);
  for (std::size_t i = 0; i < k_file_count; ++i) {
    auto path = root / k_files[i];
    fs::create_directories(path.parent_path());
    if (!parts[i].empty()) {
      std::ofstream(path, std::ios::binary) << parts[i];
    }
  }
  try {
    check(imports::read_export_folder(root / "export"));
  } catch (const util::Error&) {
    // A folder that holds none of the files, or a file no repository can be read from.
  }
  try {
    check(imports::read_ghrs_folder(root / "branch"));
  } catch (const util::Error&) {
  }
  return 0;
}

// Bringing history in from files (docs/import.md): each reader turns a folder into one
// history per repository (or the reason it could not), and import_histories() merges
// them into a store one repository per transaction, as a collection would (R2-R9).
//   csv   our own `export --format csv` folder (own_csv.hpp)
//   ghrs  a github-repo-stats data branch (ghrs.hpp)
//   seed  the reference design's views_clones_stars.csv and top_paths.csv (seed.hpp)
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::imports {

// One repository as a reader found it: its history, or why none of it can be imported
// (a malformed file, named with its line).
struct RepoImport {
  std::string name;  // OWNER/REPO, for messages and the summary
  std::optional<core::ImportedHistory> history;
  std::string error;
};

struct ImportSummary {
  int repos = 0;          // repositories imported
  int new_repos = 0;      // of them, repositories the store did not know
  int failed = 0;         // repositories with a malformed file or a failed write
  int new_days = 0;       // views or clones days that were gaps before
  int grown_days = 0;     // stored days the import raised (R2)
  int new_windows = 0;    // window totals (R4)
  int new_snapshots = 0;  // top-10 and counter snapshots (R5, R6)
  int new_events = 0;     // star and fork events
  int history_days = 0;   // star and fork history days stored or raised
};

// Called before each repository is written: how many are done, of how many, which now.
using ImportProgress =
    std::function<void(std::size_t done, std::size_t total, const std::string& name)>;

// Writes each history with Store::import_history, one transaction each; a repository
// whose files were malformed, or whose write fails, is logged as an error and counted as
// failed, and the others go on.
ImportSummary import_histories(store::Store& store, const std::vector<RepoImport>& repos,
                               const ImportProgress& progress = {});

// The summary for a person: "imported 2 repositories (1 new)<where>: 30 new days, 2 days
// grew, ...; 1 repository failed".
std::string summary_line(const ImportSummary& summary, std::string_view where = {});

// The names of a history as the store records them, oldest first, ending with full_name:
// each a second after the one before, from `first` (R8: only their order is known).
std::vector<core::KnownName> names_in_order(const std::vector<std::string>& names,
                                            const std::string& full_name, util::Timestamp first);

}  // namespace ghtraffic::imports

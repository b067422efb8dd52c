// An in-memory copy of what the dashboard's overview and daily series need from the store:
// every repository's record, its daily views and clones as dense arrays, its views window
// totals (R4) and its latest counters (R6). Reading 1,000 repositories × 3 years from the
// store takes seconds; answering from this copy takes milliseconds. The copy is refreshed
// when a collection finishes (the store's last run changes) and re-checked now and then,
// reloading only the repositories whose record changed.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/read/period.hpp"
#include "ghtraffic/read/select.hpp"
#include "ghtraffic/read/windows.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::web {

// One day of one repository; a negative figure is a gap (R3), never a zero. A covered
// day whose uniques are unknown (imported from files without them) has views or clones
// but a negative uniques figure.
struct DayCell {
  std::int32_t views = -1;
  std::int32_t views_unique = -1;
  std::int32_t clones = -1;
  std::int32_t clones_unique = -1;
};

struct RepoData {
  store::RepoRecord record;
  util::Day first{};                             // the day of cells[0]
  std::vector<DayCell> cells;                    // dense from first; empty when nothing is stored
  std::vector<read::ViewsWindow> views_windows;  // by time
  std::optional<core::CounterSnapshot> latest_counters;
  std::int64_t views_total = 0;  // every stored day added up
  std::int64_t clones_total = 0;

  // The day's cell, or nullptr outside the stored span.
  const DayCell* at(util::Day day) const;

  // Views and clones over [from, to] (from <= to) with their coverage.
  read::PeriodSums sum_period(util::Day from, util::Day to) const;
};

struct Snapshot {
  std::vector<std::shared_ptr<const RepoData>> repos;  // sorted by name, case-insensitively
  std::optional<store::RunRecord> last_run;

  // A repository by its current name, else by a unique earlier name, case-insensitively
  // (read::find_by_name).
  std::expected<const RepoData*, read::NameMiss> find(std::string_view full_name) const;
};

// Reads one repository's data from the store.
std::shared_ptr<const RepoData> load_repo(store::Store& store, const store::RepoRecord& record);

// Builds a snapshot, reusing the repositories of previous whose record is unchanged.
std::shared_ptr<const Snapshot> load_snapshot(store::Store& store, const Snapshot* previous);

// Holds the current snapshot and decides when to refresh it. Thread-safe.
class SnapshotCache {
 public:
  explicit SnapshotCache(std::chrono::seconds recheck = std::chrono::seconds(30));

  // The current snapshot, refreshed first when the store's last run changed, when
  // invalidate() was called, or when the last check is older than the recheck period.
  // While another thread refreshes, the previous snapshot is returned.
  std::shared_ptr<const Snapshot> get(store::Store& store);

  // Makes the next get() reload changed repositories.
  void invalidate();

 private:
  std::chrono::seconds m_recheck;
  std::mutex m_refresh_mutex;  // one refresh at a time
  mutable std::mutex m_mutex;  // guards the fields below
  std::shared_ptr<const Snapshot> m_current;
  bool m_invalid = true;
  std::chrono::steady_clock::time_point m_checked{};
};

}  // namespace ghtraffic::web

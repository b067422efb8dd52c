// An in-memory copy of what the dashboard's overview and daily series need from the store:
// every repository's record, its daily views and clones as dense arrays, its views window
// totals (R4) and its latest counters (R6). Reading 1,000 repositories × 3 years from the
// store takes seconds; answering from this copy takes milliseconds. The copy is refreshed
// when a collection finishes (the store's last run changes) and re-checked now and then,
// reloading only what changed: a repository whose record is the same is kept, and one
// that was only collected again reads the days and windows from 16 days before its
// previous collection on (a commit writes no earlier day), keeping the rest.
//
// At start a recent snapshot comes first (the last k_recent_days days of every
// repository: what the overview table and the status strip show) so that the server
// answers within a second on a store of years, while the whole one loads behind it; a
// request that needs older days waits for the whole one.
#pragma once

#include <chrono>
#include <condition_variable>
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

// Days a recent snapshot holds: today's 30-day figures, with room for a day's change of
// date while the whole snapshot loads.
inline constexpr int k_recent_days = 45;

struct Snapshot {
  std::vector<std::shared_ptr<const RepoData>> repos;  // sorted by name, case-insensitively
  std::optional<store::RunRecord> last_run;
  // A recent snapshot holds each repository's days from recent_from on only, its views
  // windows observed from then, and no totals; the whole one (complete) holds everything.
  bool complete = true;
  util::Day recent_from{};

  // Whether it holds every day from `from` on (any day, for a complete snapshot).
  bool covers(std::optional<util::Day> from) const {
    return complete || (from && *from >= recent_from);
  }

  // A repository by its current name, else by a unique earlier name, case-insensitively
  // (read::find_by_name).
  std::expected<const RepoData*, read::NameMiss> find(std::string_view full_name) const;
};

// Reads one repository's data from the store: every day, or from `from` on only.
std::shared_ptr<const RepoData> load_repo(store::Store& store, const store::RepoRecord& record,
                                          std::optional<util::Day> from = std::nullopt);

// The days a commit after `previous` may have written: from 16 days before its last
// collection on (a window covers its day and the 14 before; one more for a clock a day
// off). None when the repository must be read whole: it was never collected, it was not
// collected since, or its first day moved (an import of older days).
std::optional<util::Day> changed_from(const store::RepoRecord& previous,
                                      const store::RepoRecord& current);

// previous with its days and views windows from `from` on read again from the store, and
// current as its record.
std::shared_ptr<const RepoData> reload_repo(store::Store& store, const RepoData& previous,
                                            const store::RepoRecord& current, util::Day from);

// Builds a whole snapshot, reusing the repositories of previous (when it is complete)
// whose record is unchanged and reading again only the recent days of those collected
// since.
std::shared_ptr<const Snapshot> load_snapshot(store::Store& store, const Snapshot* previous);

// Builds a recent snapshot: every repository from `from` on.
std::shared_ptr<const Snapshot> load_recent_snapshot(store::Store& store, util::Day from);

// Holds the current snapshot and decides when to refresh it. Thread-safe.
class SnapshotCache {
 public:
  explicit SnapshotCache(std::chrono::seconds recheck = std::chrono::seconds(30));

  // The current snapshot, refreshed first when the store's last run changed, when
  // invalidate() was called, or when the last check is older than the recheck period.
  // While another thread refreshes, the previous snapshot is returned. It covers `from`
  // (Snapshot::covers): without one, it is the whole snapshot, which this waits for when
  // only a recent one is loaded.
  std::shared_ptr<const Snapshot> get(store::Store& store,
                                      std::optional<util::Day> from = std::nullopt);

  // Loads a recent snapshot from `from` on when there is no snapshot yet; the first get()
  // that needs more loads the whole one.
  void load_recent(store::Store& store, util::Day from);

  // Makes the next get() reload changed repositories.
  void invalidate();

 private:
  std::chrono::seconds m_recheck;
  mutable std::mutex m_mutex;  // guards the fields below
  // Told when a snapshot is published or a refresh ends: a request that needs more than the
  // current snapshot waits for it rather than for the refresh's lock, which the same
  // refresher (the recent snapshot's, then the whole one's) may take again first.
  std::condition_variable m_published;
  bool m_refreshing = false;  // one refresh at a time
  std::shared_ptr<const Snapshot> m_current;
  bool m_invalid = true;
  std::chrono::steady_clock::time_point m_checked{};
};

}  // namespace ghtraffic::web

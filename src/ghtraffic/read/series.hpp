// Snapshot series (R5, R6): a repository's top-10 paths, top-10 referrers and counters, one
// snapshot per UTC day (the latest of the day), oldest first. The Store keeps them that way,
// so nothing here filters them again; a series may be cut to its latest entries.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::read {

struct SeriesRange {
  store::DayRange days;             // the days the snapshots were taken on
  std::optional<std::size_t> last;  // only the latest N; none = every one
};

std::vector<core::PathSnapshot> path_series(store::Store& store, core::RepoId repo,
                                            const SeriesRange& range = {});
std::vector<core::ReferrerSnapshot> referrer_series(store::Store& store, core::RepoId repo,
                                                    const SeriesRange& range = {});
std::vector<core::CounterSnapshot> counter_series(store::Store& store, core::RepoId repo,
                                                  const SeriesRange& range = {});

// The latest counters snapshot of a repository, reading only the days since its last
// collection when it has one (the snapshot is almost always there).
std::optional<core::CounterSnapshot> latest_counters(store::Store& store,
                                                     const store::RepoRecord& record);

}  // namespace ghtraffic::read

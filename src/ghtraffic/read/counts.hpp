// Star and fork counts per UTC day from every source (R6): a collected daily snapshot is the
// truth on its day; on other days the backfilled or imported history gives the count, marked
// apart. Days with neither are absent (R3: never a zero). Daily downloads are the
// differences of each asset's cumulative counter between consecutive snapshots.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::read {

struct CountDay {
  util::Day day;
  std::int64_t count = 0;
  bool snapshot = false;  // a collected (or imported) daily snapshot; else history
  bool operator==(const CountDay&) const = default;
};

// Sorted by day.
std::vector<CountDay> count_days(const std::vector<core::CounterSnapshot>& snapshots,
                                 const std::vector<core::HistoryCount>& history,
                                 core::CountKind kind);
std::vector<CountDay> count_days(store::Store& store, core::RepoId repo, core::CountKind kind);

// One asset's downloads on the day of a snapshot since the snapshot before it; none for the
// first snapshot of an asset (nothing to difference: a gap, not a zero).
struct DailyDownloads {
  util::Day day;
  std::string release;
  std::string asset;
  std::optional<std::int64_t> downloads;
};
std::vector<DailyDownloads> daily_downloads(const std::vector<core::DownloadSnapshot>& snapshots);

}  // namespace ghtraffic::read

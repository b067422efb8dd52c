// A repository's stored history, read once from a Store and arranged the way exports and
// the terminal summary need it: covered days with both kinds side by side, gaps absent
// (R3), snapshots one per UTC day (R5, R6), window totals by time (R4).
#pragma once

#include <optional>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/read/counts.hpp"
#include "ghtraffic/read/period.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::read {

// One day stored for views, for clones, or for both. A kind not stored for the day is
// empty: never a zero.
struct HistoryDay {
  util::Day day;
  std::optional<core::DayCount> views;
  std::optional<core::DayCount> clones;
  std::optional<core::CounterSnapshot> counters;  // that day's snapshot, if one was taken
};

struct RepoHistory {
  store::RepoRecord record;
  std::vector<HistoryDay> days;                   // sorted by day; covered days only
  std::vector<store::WindowRecord> windows;       // by time, then views before clones
  std::vector<core::PathSnapshot> paths;          // one per UTC day, by day
  std::vector<core::ReferrerSnapshot> referrers;  // one per UTC day, by day
  std::vector<core::CounterSnapshot> counters;    // one per UTC day, by day
  std::vector<CountDay> stars;                    // every day with a known count, by day (R6)
  std::vector<CountDay> forks;
  std::vector<core::DownloadSnapshot> downloads;  // one per UTC day, by day
  std::vector<core::BackfillState> backfill;      // where the backfill stands: stars, forks

  std::optional<util::Day> first_day() const;
  std::optional<util::Day> last_day() const;
};

RepoHistory load_history(store::Store& store, const store::RepoRecord& record);

// Consecutive days, both ends inclusive.
struct DaySpan {
  util::Day from;
  util::Day to;
  bool operator==(const DaySpan&) const = default;
};

// The gaps of one kind (R3) from the first to the last day stored for either kind, by day: a
// kind that starts later or ends earlier than the other is missing at the edges too.
std::vector<DaySpan> gap_ranges(const RepoHistory& history, core::TrafficKind kind);

// Views and clones over [from, to] (from <= to) with their coverage.
PeriodSums sum_period(const RepoHistory& history, util::Day from, util::Day to);

}  // namespace ghtraffic::read

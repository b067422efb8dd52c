// A repository's stored history, read once from a Store and arranged the way exports and
// the terminal summary need it: covered days with both kinds side by side, gaps absent
// (R3), snapshots one per UTC day (R5, R6).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::exports {

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

  std::optional<util::Day> first_day() const;
  std::optional<util::Day> last_day() const;
};

// The repositories that full_names selects (all when empty), sorted by name. A name matches
// a repository's current name or any earlier one, case-insensitively; a current name wins
// over an earlier name of another repository. A name that matches nothing, or several
// repositories by earlier names only, is a util::Error saying so.
std::vector<store::RepoRecord> select_repositories(store::Store& store,
                                                   const std::vector<std::string>& full_names);

RepoHistory load_history(store::Store& store, const store::RepoRecord& record);

}  // namespace ghtraffic::exports

// The terminal summary behind `ghtraffic show`: per repository, views, unique visitors and
// clones over 14 days, 30 days and all time, stars and forks, the latest top referrers and
// paths, and the gaps. Unique visitors come only from GitHub's window totals (R4), never
// from adding daily uniques, and every period says how many of its days are missing (R3).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/date.hpp"

namespace ghtraffic::cli {

struct ShowOptions {
  std::optional<std::string> repo;  // full name, current or earlier; none = every repository
  util::Day today;                  // the last day of the 14- and 30-day periods (UTC)
  bool color = false;               // ANSI colors
};

// The summary as text lines of at most 80 columns. An empty store gets a hint on how to
// fill it; an unknown repository is a util::Error naming it.
std::string render_summary(store::Store& store, const ShowOptions& options);

// The same for scripts (`show --json`, README "show --json"): per repository its periods
// with their sums and the days each covers (null when none), the days stored (UTC days with
// views, clones or both), the gaps per kind, counters and the latest top lists.
nlohmann::json summary_json(store::Store& store, const ShowOptions& options);

// 1234567 -> "1,234,567"
std::string with_thousands(std::int64_t value);

}  // namespace ghtraffic::cli

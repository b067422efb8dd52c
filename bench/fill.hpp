// Fills a fresh store with synthetic history for the dashboard benchmark: many
// repositories collected once a day over years, through the store's own commit(), the way
// `ghtraffic collect` would have left it. Deterministic for a seed and an end day.
#pragma once

#include <cstdint>
#include <string>

#include "ghtraffic/util/date.hpp"

namespace ghtraffic::bench {

struct FillOptions {
  std::string store_url;  // "sqlite:PATH", a store that does not exist yet
  int repos = 1000;
  int days = 1096;       // days of history ending on `last_day`, that day included
  int every_days = 1;    // collection cadence; a window covers 15 days, so up to 15 leaves no gap
  util::Day last_day{};  // the last collection day ("today")
  std::uint64_t seed = 20261128;
};

struct FillStats {
  std::int64_t commits = 0;
  std::int64_t runs = 0;
  double seconds = 0;
};

// The name of repository `index` in a filled store ("bench/repo-0042").
std::string bench_repo_name(int index);

// Commits every repository's daily observations, oldest day first, each day as one
// collection run. Progress goes to stderr.
FillStats fill_store(const FillOptions& options);

}  // namespace ghtraffic::bench

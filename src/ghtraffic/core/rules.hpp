// The data rules of the design (R1-R5) as pure functions, shared by every store backend.
#pragma once

#include <map>
#include <vector>

#include "ghtraffic/core/types.hpp"

namespace ghtraffic::core {

// R3: a response observed on day D covers D-14 .. D (15 buckets).
inline constexpr int k_window_days = 15;
util::Day first_covered_day(util::Timestamp observed_at);
util::Day last_covered_day(util::Timestamp observed_at);

// R3: the days a response covers, each with its figures: reported days as reported,
// covered days absent from the response as explicit zeros. Days the response reports
// outside its nominal coverage are kept too. Sorted by day, one entry a day (duplicates
// within a response are max-merged).
std::vector<DayCount> covered_days(const TrafficWindow& window);

// R2: the merge of two reports of the same day keeps the larger count and the larger
// uniques, independently.
DayCount max_merge(const DayCount& stored, const DayCount& reported);

// How merging a response into stored days changed them.
struct MergeOutcome {
  std::vector<DayCount> to_write;  // new or grown days, merged values
  int new_days = 0;                // days that were gaps before
  int grown_days = 0;              // days that existed and grew
};
MergeOutcome merge_days(const std::map<util::Day, DayCount>& stored,
                        const std::vector<DayCount>& covered);

}  // namespace ghtraffic::core

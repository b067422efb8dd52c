// The data rules of the design as pure functions, shared by every store backend: R2 and
// R3 live here; the others are kept where their data passes. Where each rule is enforced
// (and the tests that hold it: store_conformance_test.cpp runs on every backend,
// collect_test.cpp through the binary):
//
//   R1 day buckets      core::DayCount (core/types.hpp), one per repository, kind and UTC
//                       day: the key of SQLite's `traffic_days` and of DynamoDB's month items.
//   R2 max-merge        max_merge and merge_days below; the stores raise a day with max()
//                       again when writing (store/sqlite/statements.hpp,
//                       store/dynamodb/dynamodb_store.cpp) so racing writers only grow it.
//   R3 zero vs gap      first_covered_day, covered_days below; the observation day from the
//                       Date header in github/api.cpp; sums over a period count covered
//                       days only and say how many (read/period.hpp): null beside its
//                       *_days in web/, "–" on the dashboard, "no data" in `show`, never 0.
//   R4 window totals    TrafficWindow::count/uniques (core/types.hpp), one row per
//                       observation in each store; "unique visitors" is always one window
//                       total, picked in read/windows.hpp, never a sum of daily uniques.
//   R5 rolling top 10s  core::TopSnapshot; one per repository per UTC day, the latest kept
//                       (store/sqlite/sqlite_store.cpp, store/dynamodb/dynamodb_store.cpp).
//   R6 counters         core::CounterSnapshot and core::RepoEvent (core/types.hpp): counter
//                       snapshots per day like R5 in both stores; events kept once each.
//   R7 atomic commit    store::Store::commit (store/store.hpp): one IMMEDIATE transaction in
//                       SQLite, the head item's commit point in DynamoDB
//                       (store/dynamodb/head.hpp); collect/job.cpp commits one repository
//                       at a time and stops only between repositories.
//   R8 identity         core::RepoId is GitHub's numeric id; github/client.cpp follows 301
//                       and 308 itself, collect/job.cpp records the requested name, the
//                       stores key history by id and keep every name.
//   R9 nothing deleted  the stores have no delete but the replaced top 10 of one day
//                       (store/sqlite/statements.hpp); collecting only adds and raises.
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

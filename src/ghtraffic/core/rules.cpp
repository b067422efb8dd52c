#include "ghtraffic/core/rules.hpp"

#include <algorithm>

namespace ghtraffic::core {

util::Day first_covered_day(util::Timestamp observed_at) {
  return util::day_of(observed_at) - std::chrono::days{k_window_days - 1};
}

util::Day last_covered_day(util::Timestamp observed_at) {
  return util::day_of(observed_at);
}

std::vector<DayCount> covered_days(const TrafficWindow& window) {
  std::map<util::Day, DayCount> days;
  for (auto d = first_covered_day(window.observed_at); d <= last_covered_day(window.observed_at);
       d += std::chrono::days{1}) {
    days.emplace(d, DayCount{d, 0, 0});
  }
  std::map<util::Day, bool> reported;
  for (const auto& bucket : window.days) {
    auto [it, inserted] = days.emplace(bucket.day, bucket);
    if (!inserted) {
      it->second = reported[bucket.day] ? max_merge(it->second, bucket) : bucket;
    }
    reported[bucket.day] = true;
  }
  std::vector<DayCount> out;
  out.reserve(days.size());
  for (auto& [day, value] : days) {
    out.push_back(value);
  }
  return out;
}

DayCount max_merge(const DayCount& stored, const DayCount& reported) {
  // An unknown uniques figure is no report: the known one stays (R2).
  auto uniques = stored.uniques ? stored.uniques : reported.uniques;
  if (stored.uniques && reported.uniques) {
    uniques = std::max(*stored.uniques, *reported.uniques);
  }
  return DayCount{stored.day, std::max(stored.count, reported.count), uniques};
}

MergeOutcome merge_days(const std::map<util::Day, DayCount>& stored,
                        const std::vector<DayCount>& covered) {
  MergeOutcome outcome;
  for (const auto& day : covered) {
    auto it = stored.find(day.day);
    if (it == stored.end()) {
      outcome.to_write.push_back(day);
      ++outcome.new_days;
      continue;
    }
    auto merged = max_merge(it->second, day);
    if (merged != it->second) {
      outcome.to_write.push_back(merged);
      ++outcome.grown_days;
    }
  }
  return outcome;
}

}  // namespace ghtraffic::core

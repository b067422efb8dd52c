#include "ghtraffic/read/counts.hpp"

#include <map>
#include <utility>

#include "ghtraffic/read/series.hpp"

namespace ghtraffic::read {

std::vector<CountDay> count_days(const std::vector<core::CounterSnapshot>& snapshots,
                                 const std::vector<core::HistoryCount>& history,
                                 core::CountKind kind) {
  std::map<util::Day, CountDay> days;
  for (const auto& count : history) {
    days[count.day] = {count.day, count.count, false};
  }
  for (const auto& snapshot : snapshots) {
    auto day = util::day_of(snapshot.observed_at);
    days[day] = {day, kind == core::CountKind::stars ? snapshot.stars : snapshot.forks, true};
  }
  std::vector<CountDay> out;
  out.reserve(days.size());
  for (auto& [day, count] : days) {
    out.push_back(count);
  }
  return out;
}

std::vector<CountDay> count_days(store::Store& store, core::RepoId repo, core::CountKind kind) {
  return count_days(counter_series(store, repo), store.history_counts(repo, kind), kind);
}

std::vector<DailyDownloads> daily_downloads(const std::vector<core::DownloadSnapshot>& snapshots) {
  std::vector<DailyDownloads> out;
  std::map<std::pair<std::string, std::string>, std::int64_t> previous;
  for (const auto& snapshot : snapshots) {
    const auto day = util::day_of(snapshot.observed_at);
    for (const auto& asset : snapshot.assets) {
      auto key = std::make_pair(asset.release, asset.asset);
      auto it = previous.find(key);
      std::optional<std::int64_t> downloads;
      if (it != previous.end()) {
        // A counter that went down (an asset uploaded again) starts over.
        downloads = asset.downloads >= it->second ? asset.downloads - it->second : asset.downloads;
      }
      out.push_back({day, asset.release, asset.asset, downloads});
      previous[key] = asset.downloads;
    }
  }
  return out;
}

}  // namespace ghtraffic::read

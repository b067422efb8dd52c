#include "ghtraffic/read/history.hpp"

#include <algorithm>
#include <map>

#include "ghtraffic/read/series.hpp"

namespace ghtraffic::read {
namespace {

using std::chrono::days;

std::optional<std::int64_t> count_of(const std::optional<core::DayCount>& day) {
  return day ? std::optional(day->count) : std::nullopt;
}

bool stored(const HistoryDay& day, core::TrafficKind kind) {
  return kind == core::TrafficKind::views ? day.views.has_value() : day.clones.has_value();
}

}  // namespace

std::optional<util::Day> RepoHistory::first_day() const {
  return days.empty() ? std::nullopt : std::optional(days.front().day);
}

std::optional<util::Day> RepoHistory::last_day() const {
  return days.empty() ? std::nullopt : std::optional(days.back().day);
}

RepoHistory load_history(store::Store& store, const store::RepoRecord& record) {
  RepoHistory history;
  history.record = record;
  history.counters = counter_series(store, record.id);
  history.paths = path_series(store, record.id);
  history.referrers = referrer_series(store, record.id);

  std::map<util::Day, HistoryDay> days;
  for (const auto& day : store.days(record.id, core::TrafficKind::views)) {
    auto& entry = days[day.day];
    entry.day = day.day;
    entry.views = day;
  }
  for (const auto& day : store.days(record.id, core::TrafficKind::clones)) {
    auto& entry = days[day.day];
    entry.day = day.day;
    entry.clones = day;
  }
  for (const auto& counter : history.counters) {
    auto it = days.find(util::day_of(counter.observed_at));
    if (it != days.end()) {
      it->second.counters = counter;
    }
  }
  for (auto& [day, entry] : days) {
    history.days.push_back(std::move(entry));
  }
  history.windows = store.windows(record.id);
  history.stars =
      count_days(history.counters, store.history_counts(record.id, core::CountKind::stars),
                 core::CountKind::stars);
  history.forks =
      count_days(history.counters, store.history_counts(record.id, core::CountKind::forks),
                 core::CountKind::forks);
  history.downloads = store.downloads(record.id);
  for (auto kind : {core::CountKind::stars, core::CountKind::forks}) {
    if (auto state = store.backfill_state(record.id, kind)) {
      history.backfill.push_back(std::move(*state));
    }
  }
  return history;
}

PeriodSums sum_period(const RepoHistory& history, util::Day from, util::Day to) {
  // Days are asked for in increasing order: one pass over the stored days.
  auto next = std::lower_bound(history.days.begin(), history.days.end(), from,
                               [](const HistoryDay& d, util::Day day) { return d.day < day; });
  return read::sum_period(from, to, [&](util::Day day) {
    if (next == history.days.end() || next->day != day) {
      return DayFigures{};
    }
    const auto& stored = *next++;
    return DayFigures{count_of(stored.views), count_of(stored.clones)};
  });
}

std::vector<DaySpan> gap_ranges(const RepoHistory& history, core::TrafficKind kind) {
  std::vector<DaySpan> out;
  const HistoryDay* first_stored = nullptr;
  const HistoryDay* last_stored = nullptr;
  for (const auto& day : history.days) {
    if (!stored(day, kind)) {
      continue;
    }
    if (last_stored != nullptr && day.day - last_stored->day > days{1}) {
      out.push_back({last_stored->day + days{1}, day.day - days{1}});
    }
    if (first_stored == nullptr) {
      first_stored = &day;
    }
    last_stored = &day;
  }
  if (history.days.empty()) {
    return out;
  }
  auto first = *history.first_day();
  auto last = *history.last_day();
  if (first_stored == nullptr) {
    out.push_back({first, last});
    return out;
  }
  if (first_stored->day > first) {
    out.insert(out.begin(), {first, first_stored->day - days{1}});
  }
  if (last_stored->day < last) {
    out.push_back({last_stored->day + days{1}, last});
  }
  return out;
}

}  // namespace ghtraffic::read

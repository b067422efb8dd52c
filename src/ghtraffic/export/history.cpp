#include "ghtraffic/export/history.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::exports {
namespace {

bool name_order(const store::RepoRecord& a, const store::RepoRecord& b) {
  auto la = util::to_lower(a.full_name);
  auto lb = util::to_lower(b.full_name);
  return la != lb ? la < lb
                  : (a.full_name != b.full_name ? a.full_name < b.full_name : a.id < b.id);
}

bool had_name(const store::RepoRecord& record, const std::string& name) {
  return std::any_of(record.names.begin(), record.names.end(),
                     [&](const std::string& old) { return util::iequals(old, name); });
}

const store::RepoRecord& find_one(const std::vector<store::RepoRecord>& all,
                                  const std::string& name, const store::Store& store) {
  for (const auto& record : all) {
    if (util::iequals(record.full_name, name)) {
      return record;
    }
  }
  std::vector<const store::RepoRecord*> earlier;
  for (const auto& record : all) {
    if (had_name(record, name)) {
      earlier.push_back(&record);
    }
  }
  if (earlier.size() == 1) {
    return *earlier.front();
  }
  if (earlier.empty()) {
    throw util::Error(
        fmt::format("repository {} is not in the store {}; check the name (owner/name, current or "
                    "earlier), or collect it first with `ghtraffic collect --repo {}`",
                    name, store.describe(), name));
  }
  std::vector<std::string> current;
  for (const auto* record : earlier) {
    current.push_back(record->full_name);
  }
  throw util::Error(fmt::format(
      "{} is an earlier name of several repositories in the store ({}); use the current name", name,
      fmt::join(current, ", ")));
}

// Keeps the latest snapshot of each UTC day, sorted by day (R5, R6).
template <typename Snapshot>
std::vector<Snapshot> one_per_day(std::vector<Snapshot> snapshots) {
  std::stable_sort(snapshots.begin(), snapshots.end(),
                   [](const auto& a, const auto& b) { return a.observed_at < b.observed_at; });
  std::vector<Snapshot> out;
  for (auto& snapshot : snapshots) {
    if (!out.empty() &&
        util::day_of(out.back().observed_at) == util::day_of(snapshot.observed_at)) {
      out.back() = std::move(snapshot);
    } else {
      out.push_back(std::move(snapshot));
    }
  }
  return out;
}

}  // namespace

std::optional<util::Day> RepoHistory::first_day() const {
  return days.empty() ? std::nullopt : std::optional(days.front().day);
}

std::optional<util::Day> RepoHistory::last_day() const {
  return days.empty() ? std::nullopt : std::optional(days.back().day);
}

std::vector<store::RepoRecord> select_repositories(store::Store& store,
                                                   const std::vector<std::string>& full_names) {
  auto all = store.repositories();
  std::vector<store::RepoRecord> selected;
  if (full_names.empty()) {
    selected = std::move(all);
  } else {
    std::set<core::RepoId> seen;
    for (const auto& name : full_names) {
      const auto& record = find_one(all, name, store);
      if (seen.insert(record.id).second) {
        selected.push_back(record);
      }
    }
  }
  std::sort(selected.begin(), selected.end(), name_order);
  return selected;
}

RepoHistory load_history(store::Store& store, const store::RepoRecord& record) {
  RepoHistory history;
  history.record = record;
  history.counters = one_per_day(store.counters(record.id));
  history.paths = one_per_day(store.path_snapshots(record.id));
  history.referrers = one_per_day(store.referrer_snapshots(record.id));

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
  std::stable_sort(history.windows.begin(), history.windows.end(),
                   [](const store::WindowRecord& a, const store::WindowRecord& b) {
                     return a.observed_at != b.observed_at ? a.observed_at < b.observed_at
                                                           : a.kind < b.kind;
                   });
  return history;
}

}  // namespace ghtraffic::exports

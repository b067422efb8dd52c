#include "ghtraffic/web/snapshot.hpp"

#include <algorithm>
#include <limits>

#include "ghtraffic/read/series.hpp"

namespace ghtraffic::web {
namespace {

std::int32_t narrow(std::int64_t value) {
  return static_cast<std::int32_t>(
      std::clamp<std::int64_t>(value, 0, std::numeric_limits<std::int32_t>::max()));
}

bool same_record(const store::RepoRecord& a, const store::RepoRecord& b) {
  return a.id == b.id && a.full_name == b.full_name && a.names == b.names &&
         a.visibility == b.visibility && a.archived == b.archived && a.fork == b.fork &&
         a.first_day == b.first_day && a.last_day == b.last_day &&
         a.last_collected == b.last_collected;
}

bool same_run(const std::optional<store::RunRecord>& a, const std::optional<store::RunRecord>& b) {
  if (!a || !b) {
    return a.has_value() == b.has_value();
  }
  return a->id == b->id && a->finished_at == b->finished_at;
}

}  // namespace

const DayCell* RepoData::at(util::Day day) const {
  if (cells.empty() || day < first) {
    return nullptr;
  }
  auto index = static_cast<std::size_t>((day - first).count());
  return index < cells.size() ? &cells[index] : nullptr;
}

read::PeriodSums RepoData::sum_period(util::Day from, util::Day to) const {
  return read::sum_period(from, to, [this](util::Day day) {
    const auto* cell = at(day);
    if (cell == nullptr) {
      return read::DayFigures{};
    }
    auto figure = [](std::int32_t value) {
      return value < 0 ? std::nullopt : std::optional<std::int64_t>(value);
    };
    return read::DayFigures{figure(cell->views), figure(cell->clones)};
  });
}

std::expected<const RepoData*, read::NameMiss> Snapshot::find(std::string_view full_name) const {
  auto found = read::find_by_name(
      repos, full_name,
      [](const std::shared_ptr<const RepoData>& repo) -> const store::RepoRecord& {
        return repo->record;
      });
  if (!found) {
    return std::unexpected(std::move(found.error()));
  }
  return repos[*found].get();
}

std::shared_ptr<const RepoData> load_repo(store::Store& store, const store::RepoRecord& record) {
  auto data = std::make_shared<RepoData>();
  data->record = record;
  auto views = store.days(record.id, core::TrafficKind::views);
  auto clones = store.days(record.id, core::TrafficKind::clones);
  std::optional<util::Day> first;
  std::optional<util::Day> last;
  for (const auto* list : {&views, &clones}) {
    if (!list->empty()) {
      first = std::min(first.value_or(list->front().day), list->front().day);
      last = std::max(last.value_or(list->back().day), list->back().day);
    }
  }
  if (first) {
    data->first = *first;
    data->cells.resize(static_cast<std::size_t>((*last - *first).count()) + 1);
    for (const auto& day : views) {
      auto& cell = data->cells[static_cast<std::size_t>((day.day - *first).count())];
      cell.views = narrow(day.count);
      cell.views_unique = day.uniques ? narrow(*day.uniques) : -1;
      data->views_total += day.count;
    }
    for (const auto& day : clones) {
      auto& cell = data->cells[static_cast<std::size_t>((day.day - *first).count())];
      cell.clones = narrow(day.count);
      cell.clones_unique = day.uniques ? narrow(*day.uniques) : -1;
      data->clones_total += day.count;
    }
  }
  data->views_windows = read::views_windows(store.windows(record.id));
  data->latest_counters = read::latest_counters(store, record);
  return data;
}

std::shared_ptr<const Snapshot> load_snapshot(store::Store& store, const Snapshot* previous) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->last_run = store.last_run();
  for (const auto& record : store.repositories()) {
    std::shared_ptr<const RepoData> reused;
    if (previous != nullptr) {
      for (const auto& old : previous->repos) {
        if (old->record.id == record.id) {
          if (same_record(old->record, record)) {
            reused = old;
          }
          break;
        }
      }
    }
    snapshot->repos.push_back(reused ? reused : load_repo(store, record));
  }
  return snapshot;
}

SnapshotCache::SnapshotCache(std::chrono::seconds recheck) : m_recheck(recheck) {}

void SnapshotCache::invalidate() {
  std::lock_guard lock(m_mutex);
  m_invalid = true;
}

std::shared_ptr<const Snapshot> SnapshotCache::get(store::Store& store) {
  std::shared_ptr<const Snapshot> current;
  bool due = false;
  {
    std::lock_guard lock(m_mutex);
    current = m_current;
    due = !current || m_invalid || std::chrono::steady_clock::now() - m_checked >= m_recheck;
  }
  if (!due && same_run(store.last_run(), current->last_run)) {
    return current;
  }
  std::unique_lock refresh(m_refresh_mutex, std::try_to_lock);
  if (!refresh.owns_lock()) {
    if (current) {
      return current;
    }
    refresh.lock();
    std::lock_guard lock(m_mutex);
    if (m_current) {
      return m_current;
    }
  }
  {
    std::lock_guard lock(m_mutex);
    current = m_current;
    m_invalid = false;  // an invalidate() from here on forces another refresh
  }
  std::shared_ptr<const Snapshot> fresh;
  try {
    fresh = load_snapshot(store, current.get());
  } catch (...) {
    std::lock_guard lock(m_mutex);
    m_invalid = true;
    throw;
  }
  std::lock_guard lock(m_mutex);
  m_current = fresh;
  m_checked = std::chrono::steady_clock::now();
  return fresh;
}

}  // namespace ghtraffic::web

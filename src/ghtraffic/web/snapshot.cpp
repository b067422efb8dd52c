#include "ghtraffic/web/snapshot.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "ghtraffic/read/series.hpp"
#include "ghtraffic/store/sqlite/windows_since.hpp"

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

namespace {

util::Day last_cell_day(const RepoData& data) {
  return data.first + std::chrono::days{static_cast<int>(data.cells.size()) - 1};
}

// Widens data's cells to span [first, last], the new days gaps.
void span_cells(RepoData& data, util::Day first, util::Day last) {
  if (data.cells.empty()) {
    data.first = first;
    data.cells.assign(static_cast<std::size_t>((last - first).count()) + 1, DayCell{});
    return;
  }
  auto old_last = last_cell_day(data);
  if (first < data.first) {
    data.cells.insert(data.cells.begin(), static_cast<std::size_t>((data.first - first).count()),
                      DayCell{});
    data.first = first;
  }
  if (last > old_last) {
    data.cells.resize(static_cast<std::size_t>((last - data.first).count()) + 1);
  }
}

// Puts stored days into data's cells and totals.
void put_days(RepoData& data, const std::vector<store::DayRecord>& views,
              const std::vector<store::DayRecord>& clones) {
  std::optional<util::Day> first;
  std::optional<util::Day> last;
  for (const auto* list : {&views, &clones}) {
    if (!list->empty()) {
      first = std::min(first.value_or(list->front().day), list->front().day);
      last = std::max(last.value_or(list->back().day), list->back().day);
    }
  }
  if (!first) {
    return;
  }
  span_cells(data, *first, *last);
  auto cell_of = [&data](util::Day day) -> DayCell& {
    return data.cells[static_cast<std::size_t>((day - data.first).count())];
  };
  for (const auto& day : views) {
    auto& cell = cell_of(day.day);
    cell.views = narrow(day.count);
    cell.views_unique = day.uniques ? narrow(*day.uniques) : -1;
    data.views_total += day.count;
  }
  for (const auto& day : clones) {
    auto& cell = cell_of(day.day);
    cell.clones = narrow(day.count);
    cell.clones_unique = day.uniques ? narrow(*day.uniques) : -1;
    data.clones_total += day.count;
  }
}

// The windows observed at or after from.
std::vector<store::WindowRecord> windows_since(store::Store& store, core::RepoId repo,
                                               util::Timestamp from) {
  if (auto since = store::sqlite::windows_since(store, repo, from)) {
    return std::move(*since);
  }
  auto all = store.windows(repo);
  std::erase_if(all, [from](const store::WindowRecord& w) { return w.observed_at < from; });
  return all;
}

// Drops the cells and views windows from `from` on, and their part of the totals.
void cut_from(RepoData& data, util::Day from) {
  if (!data.cells.empty() && from <= last_cell_day(data)) {
    auto keep = from > data.first ? static_cast<std::size_t>((from - data.first).count()) : 0;
    for (auto i = keep; i < data.cells.size(); ++i) {
      const auto& cell = data.cells[i];
      data.views_total -= std::max(cell.views, 0);
      data.clones_total -= std::max(cell.clones, 0);
    }
    data.cells.resize(keep);
  }
  auto since = util::Timestamp{from};
  std::erase_if(data.views_windows,
                [since](const read::ViewsWindow& w) { return w.observed_at >= since; });
}

}  // namespace

std::shared_ptr<const RepoData> load_repo(store::Store& store, const store::RepoRecord& record,
                                          std::optional<util::Day> from) {
  auto data = std::make_shared<RepoData>();
  data->record = record;
  const store::DayRange range{from, std::nullopt};
  put_days(*data, store.days(record.id, core::TrafficKind::views, range),
           store.days(record.id, core::TrafficKind::clones, range));
  data->views_windows = read::views_windows(
      from ? windows_since(store, record.id, util::Timestamp{*from}) : store.windows(record.id));
  data->latest_counters = read::latest_counters(store, record);
  return data;
}

std::optional<util::Day> changed_from(const store::RepoRecord& previous,
                                      const store::RepoRecord& current) {
  if (previous.id != current.id || !previous.last_collected || !current.last_collected ||
      *current.last_collected <= *previous.last_collected ||
      previous.first_day != current.first_day) {
    return std::nullopt;
  }
  return util::day_of(*previous.last_collected) - std::chrono::days{16};
}

std::shared_ptr<const RepoData> reload_repo(store::Store& store, const RepoData& previous,
                                            const store::RepoRecord& current, util::Day from) {
  auto data = std::make_shared<RepoData>(previous);
  data->record = current;
  cut_from(*data, from);
  const store::DayRange range{from, std::nullopt};
  put_days(*data, store.days(current.id, core::TrafficKind::views, range),
           store.days(current.id, core::TrafficKind::clones, range));
  for (auto& window :
       read::views_windows(windows_since(store, current.id, util::Timestamp{from}))) {
    data->views_windows.push_back(window);
  }
  data->latest_counters = read::latest_counters(store, current);
  return data;
}

std::shared_ptr<const Snapshot> load_snapshot(store::Store& store, const Snapshot* previous) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->last_run = store.last_run();
  std::unordered_map<core::RepoId, const std::shared_ptr<const RepoData>*> known;
  if (previous != nullptr && previous->complete) {
    for (const auto& old : previous->repos) {
      known.emplace(old->record.id, &old);
    }
  }
  for (const auto& record : store.repositories()) {
    auto found = known.find(record.id);
    if (found == known.end()) {
      snapshot->repos.push_back(load_repo(store, record));
      continue;
    }
    const auto& old = *found->second;
    if (same_record(old->record, record)) {
      snapshot->repos.push_back(old);
    } else if (auto from = changed_from(old->record, record)) {
      snapshot->repos.push_back(reload_repo(store, *old, record, *from));
    } else {
      snapshot->repos.push_back(load_repo(store, record));
    }
  }
  return snapshot;
}

std::shared_ptr<const Snapshot> load_recent_snapshot(store::Store& store, util::Day from) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->complete = false;
  snapshot->recent_from = from;
  snapshot->last_run = store.last_run();
  for (const auto& record : store.repositories()) {
    snapshot->repos.push_back(load_repo(store, record, from));
  }
  return snapshot;
}

SnapshotCache::SnapshotCache(std::chrono::seconds recheck) : m_recheck(recheck) {}

void SnapshotCache::invalidate() {
  std::lock_guard lock(m_mutex);
  m_invalid = true;
}

void SnapshotCache::load_recent(store::Store& store, util::Day from) {
  std::unique_lock lock(m_mutex);
  if (m_current || m_refreshing) {
    return;
  }
  m_refreshing = true;
  lock.unlock();
  std::shared_ptr<const Snapshot> recent;
  try {
    recent = load_recent_snapshot(store, from);
  } catch (...) {
    lock.lock();
    m_refreshing = false;
    m_published.notify_all();
    throw;
  }
  lock.lock();
  if (!m_current) {
    m_current = std::move(recent);
    m_invalid = false;
    m_checked = std::chrono::steady_clock::now();
  }
  m_refreshing = false;
  m_published.notify_all();
}

std::shared_ptr<const Snapshot> SnapshotCache::get(store::Store& store,
                                                   std::optional<util::Day> from) {
  std::unique_lock lock(m_mutex);
  auto current = m_current;
  // A recent snapshot stands until the whole one, which whoever needs it loads.
  if (current && !current->complete && current->covers(from)) {
    return current;
  }
  bool due = !current || m_invalid || std::chrono::steady_clock::now() - m_checked >= m_recheck;
  if (current && current->complete && !due) {
    lock.unlock();
    if (same_run(store.last_run(), current->last_run)) {
      return current;
    }
    lock.lock();
  }
  while (m_refreshing) {
    // While another thread refreshes, what is there serves if it covers the request.
    if (m_current && m_current->covers(from)) {
      return m_current;
    }
    m_published.wait(lock);
    if (m_current != current && m_current && m_current->covers(from)) {
      return m_current;
    }
  }
  current = m_current;
  m_refreshing = true;
  m_invalid = false;  // an invalidate() from here on forces another refresh
  lock.unlock();
  std::shared_ptr<const Snapshot> fresh;
  try {
    fresh = load_snapshot(store, current.get());
  } catch (...) {
    lock.lock();
    m_invalid = true;
    m_refreshing = false;
    m_published.notify_all();
    throw;
  }
  lock.lock();
  m_current = fresh;
  m_checked = std::chrono::steady_clock::now();
  m_refreshing = false;
  m_published.notify_all();
  return fresh;
}

}  // namespace ghtraffic::web

#include "ghtraffic/read/series.hpp"

namespace ghtraffic::read {
namespace {

template <typename Snapshot>
std::vector<Snapshot> keep_last(std::vector<Snapshot> snapshots, std::optional<std::size_t> last) {
  if (last && snapshots.size() > *last) {
    snapshots.erase(snapshots.begin(), snapshots.end() - static_cast<std::ptrdiff_t>(*last));
  }
  return snapshots;
}

}  // namespace

std::vector<core::PathSnapshot> path_series(store::Store& store, core::RepoId repo,
                                            const SeriesRange& range) {
  return keep_last(store.path_snapshots(repo, range.days), range.last);
}

std::vector<core::ReferrerSnapshot> referrer_series(store::Store& store, core::RepoId repo,
                                                    const SeriesRange& range) {
  return keep_last(store.referrer_snapshots(repo, range.days), range.last);
}

std::vector<core::CounterSnapshot> counter_series(store::Store& store, core::RepoId repo,
                                                  const SeriesRange& range) {
  return keep_last(store.counters(repo, range.days), range.last);
}

std::optional<core::CounterSnapshot> latest_counters(store::Store& store,
                                                     const store::RepoRecord& record) {
  std::vector<core::CounterSnapshot> recent;
  if (record.last_collected) {
    recent = store.counters(record.id, {util::day_of(*record.last_collected), std::nullopt});
  }
  if (recent.empty()) {
    recent = store.counters(record.id);
  }
  return recent.empty() ? std::nullopt : std::optional(recent.back());
}

}  // namespace ghtraffic::read

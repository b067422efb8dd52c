// Reading the DynamoDB store. Every read of a repository starts from its head (head.hpp)
// and lays the head's pending part over the permanent items, so that a commit is visible
// whole from the moment its head is written and a commit whose head write failed is not
// visible at all (docs/aws.md, "How a commit works").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/dynamodb/head.hpp"
#include "ghtraffic/store/dynamodb/table_api.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::store::dynamodb {

// The two tables of a store: PREFIX-data and PREFIX-cache.
struct Tables {
  std::string data;
  std::string cache;
};

class Reader {
 public:
  Reader(TableApi& api, Tables tables) : m_api(api), m_tables(std::move(tables)) {}

  // The repository's head, read consistently; none for a repository never committed.
  std::optional<Head> head(core::RepoId id, bool for_commit = false);
  // The permanent days of the months from .. to hold (stored day text, inclusive).
  std::map<std::string, DayValues> months(core::RepoId repo, std::string_view from,
                                          std::string_view to);

  std::vector<RepoRecord> repositories();
  std::vector<DayRecord> days(core::RepoId repo, core::TrafficKind kind, const DayRange& range);
  std::vector<WindowRecord> windows(core::RepoId repo);
  std::vector<core::PathSnapshot> path_snapshots(core::RepoId repo, const DayRange& range);
  std::vector<core::ReferrerSnapshot> referrer_snapshots(core::RepoId repo, const DayRange& range);
  std::vector<core::CounterSnapshot> counters(core::RepoId repo, const DayRange& range);
  std::vector<core::RepoEvent> events(core::RepoId repo);
  std::vector<core::HistoryCount> history_counts(core::RepoId repo, core::CountKind kind,
                                                 const DayRange& range);
  std::optional<core::BackfillState> backfill_state(core::RepoId repo, core::CountKind kind);
  std::vector<core::DownloadSnapshot> downloads(core::RepoId repo, const DayRange& range);
  std::optional<RunRecord> last_run();

  // The stored history days of a kind from .. to (stored day text, inclusive, whole months
  // read) with the head's pending ones laid over them.
  HistoryDays history_days(const Head& head, core::CountKind kind, std::string_view from,
                           std::string_view to);

  // A repository's cached responses are read with one Query on the first lookup and kept
  // until its next commit.
  std::optional<core::CachedResponse> cached_response(const std::string& url);
  void forget_cached_responses(const core::RepoObservation& committed);

 private:
  std::vector<Item> permanent_items(core::RepoId repo, const std::string& from,
                                    const std::string& to);
  std::vector<Item> latest_of_each_day(core::RepoId repo, std::string_view prefix,
                                       const DayRange& range);

  TableApi& m_api;
  Tables m_tables;
  std::map<std::string, std::map<std::string, core::CachedResponse>> m_cache_memo;
};

}  // namespace ghtraffic::store::dynamodb

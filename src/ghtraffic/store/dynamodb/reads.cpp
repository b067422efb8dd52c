#include "ghtraffic/store/dynamodb/reads.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include "ghtraffic/store/common.hpp"
#include "ghtraffic/store/dynamodb/codec.hpp"

namespace ghtraffic::store::dynamodb {

namespace {

constexpr std::size_t k_cache_memo_groups = 512;

}  // namespace

std::optional<Head> Reader::head(core::RepoId id, bool for_commit) {
  auto answer = m_api.call("GetItem",
                           {{"TableName", m_tables.data},
                            {"Key", key(k_repos_pk, head_sk(id))},
                            {"ConsistentRead", true}},
                           for_commit ? "read the repository's record" : "read a repository");
  if (!answer.contains("Item")) {
    return std::nullopt;
  }
  return decode_head(answer["Item"]);
}

std::map<std::string, DayValues> Reader::months(core::RepoId repo, std::string_view from,
                                                std::string_view to) {
  std::map<std::string, DayValues> out;
  for (const auto& item :
       m_api.query({{"TableName", m_tables.data},
                    {"KeyConditionExpression", "pk = :p AND sk BETWEEN :a AND :b"},
                    {"ExpressionAttributeValues",
                     {{":p", attr_s(repo_pk(repo))},
                      {":a", attr_s(month_sk(from))},
                      {":b", attr_s(month_sk(to))}}},
                    {"ConsistentRead", true}},
                   "read stored days")) {
    read_month(item, out);
  }
  return out;
}

std::vector<RepoRecord> Reader::repositories() {
  std::vector<RepoRecord> repos;
  for (const auto& item : m_api.query({{"TableName", m_tables.data},
                                       {"KeyConditionExpression", "pk = :p"},
                                       {"ExpressionAttributeValues", {{":p", attr_s(k_repos_pk)}}}},
                                      "list the repositories")) {
    repos.push_back(repo_record(decode_head(item)));
  }
  std::sort(repos.begin(), repos.end(), listed_before);
  return repos;
}

std::vector<DayRecord> Reader::days(core::RepoId repo, core::TrafficKind kind,
                                    const DayRange& range) {
  auto stored_head = head(repo);
  if (!stored_head) {
    return {};
  }
  const auto from = range_from(range);
  const auto to = range_to(range);
  auto stored = months(repo, from, to);
  for (const auto* overlay : {&stored_head->hot, &stored_head->pending.days}) {
    for (const auto& [day, values] : *overlay) {
      auto [it, inserted] = stored.try_emplace(day, k_no_values);
      it->second = raise(it->second, values);
    }
  }
  const std::size_t index = kind == core::TrafficKind::views ? 0 : 2;
  std::vector<DayRecord> out;
  for (const auto& [day, values] : stored) {
    if (day >= from && day <= to && values[index] >= 0) {
      out.push_back({parse_stored_day(day), values[index], uniques_of(values[index + 1])});
    }
  }
  return out;
}

std::vector<WindowRecord> Reader::windows(core::RepoId repo) {
  std::vector<WindowRecord> out;
  for (const auto& item : permanent_items(repo, "W#", "W#~")) {
    out.push_back(decode_window(item));
  }
  std::sort(out.begin(), out.end(), [](const WindowRecord& a, const WindowRecord& b) {
    return std::make_pair(a.observed_at, a.kind) < std::make_pair(b.observed_at, b.kind);
  });
  return out;
}

std::vector<core::PathSnapshot> Reader::path_snapshots(core::RepoId repo, const DayRange& range) {
  std::vector<core::PathSnapshot> out;
  for (const auto& item : latest_of_each_day(repo, k_paths_prefix, range)) {
    out.push_back(decode_paths(item));
  }
  return out;
}

std::vector<core::ReferrerSnapshot> Reader::referrer_snapshots(core::RepoId repo,
                                                               const DayRange& range) {
  std::vector<core::ReferrerSnapshot> out;
  for (const auto& item : latest_of_each_day(repo, k_referrers_prefix, range)) {
    out.push_back(decode_referrers(item));
  }
  return out;
}

std::vector<core::CounterSnapshot> Reader::counters(core::RepoId repo, const DayRange& range) {
  std::vector<core::CounterSnapshot> out;
  for (const auto& item : latest_of_each_day(repo, k_counters_prefix, range)) {
    out.push_back(decode_counters(item));
  }
  return out;
}

std::vector<core::RepoEvent> Reader::events(core::RepoId repo) {
  std::vector<core::RepoEvent> out;
  for (const auto& item : permanent_items(repo, "E#", "E#~")) {
    out.push_back(decode_event(item));
  }
  std::sort(out.begin(), out.end(), [](const core::RepoEvent& a, const core::RepoEvent& b) {
    return std::make_tuple(a.at, core::to_string(a.kind), a.actor) <
           std::make_tuple(b.at, core::to_string(b.kind), b.actor);
  });
  return out;
}

HistoryDays Reader::history_days(const Head& head, core::CountKind kind, std::string_view from,
                                 std::string_view to) {
  HistoryDays out;
  for (const auto& item :
       m_api.query({{"TableName", m_tables.data},
                    {"KeyConditionExpression", "pk = :p AND sk BETWEEN :a AND :b"},
                    {"ExpressionAttributeValues",
                     {{":p", attr_s(repo_pk(head.id))},
                      {":a", attr_s(history_month_sk(kind, from))},
                      {":b", attr_s(history_month_sk(kind, to))}}},
                    {"ConsistentRead", true}},
                   "read stored star and fork history")) {
    read_history_month(item, out);
  }
  auto pending = head.pending.history.find(std::string(core::to_string(kind)));
  if (pending != head.pending.history.end()) {
    for (const auto& [day, count] : pending->second) {
      auto [it, inserted] = out.try_emplace(day, count);
      it->second = std::max(it->second, count);
    }
  }
  return out;
}

std::vector<core::HistoryCount> Reader::history_counts(core::RepoId repo, core::CountKind kind,
                                                       const DayRange& range) {
  auto stored_head = head(repo);
  if (!stored_head) {
    return {};
  }
  const auto from = range_from(range);
  const auto to = range_to(range);
  std::vector<core::HistoryCount> out;
  for (const auto& [day, count] : history_days(*stored_head, kind, from, to)) {
    if (day >= from && day <= to) {
      out.push_back({parse_stored_day(day), count});
    }
  }
  return out;
}

std::optional<core::BackfillState> Reader::backfill_state(core::RepoId repo, core::CountKind kind) {
  const auto sk = backfill_state_sk(kind);
  auto items = permanent_items(repo, sk, sk);
  if (items.empty()) {
    return std::nullopt;
  }
  return decode_backfill_state(items.front());
}

std::vector<core::DownloadSnapshot> Reader::downloads(core::RepoId repo, const DayRange& range) {
  std::vector<core::DownloadSnapshot> out;
  for (const auto& item : latest_of_each_day(repo, k_downloads_prefix, range)) {
    out.push_back(decode_downloads(item));
  }
  return out;
}

std::optional<RunRecord> Reader::last_run() {
  auto answer =
      m_api.call("Query",
                 {{"TableName", m_tables.data},
                  {"KeyConditionExpression", "pk = :p AND begins_with(sk, :r)"},
                  {"ExpressionAttributeValues", {{":p", attr_s(k_runs_pk)}, {":r", attr_s("R#")}}},
                  {"ScanIndexForward", false},
                  {"Limit", 1}},
                 "read the last collection run");
  auto items = answer.value("Items", Json::array());
  if (items.empty()) {
    return std::nullopt;
  }
  return decode_run(items[0]);
}

std::optional<core::CachedResponse> Reader::cached_response(const std::string& url) {
  auto group = cache_group(url);
  auto it = m_cache_memo.find(group);
  if (it == m_cache_memo.end()) {
    if (m_cache_memo.size() >= k_cache_memo_groups) {
      m_cache_memo.clear();
    }
    std::map<std::string, core::CachedResponse> entries;
    for (const auto& item : m_api.query({{"TableName", m_tables.cache},
                                         {"KeyConditionExpression", "pk = :g"},
                                         {"ExpressionAttributeValues", {{":g", attr_s(group)}}}},
                                        "read cached responses")) {
      auto entry = decode_cache_entry(item);
      entries[entry.url] = std::move(entry);
    }
    it = m_cache_memo.emplace(group, std::move(entries)).first;
  }
  auto entry = it->second.find(url);
  if (entry == it->second.end()) {
    return std::nullopt;
  }
  return entry->second;
}

void Reader::forget_cached_responses(const core::RepoObservation& committed) {
  for (const auto& entry : committed.cache) {
    m_cache_memo.erase(cache_group(entry.url));
  }
}

// Stored items in [from, to] of the repository's partition with the head's pending items
// laid over them (by sort key), without snapshots a later one of their day replaced.
std::vector<Item> Reader::permanent_items(core::RepoId repo, const std::string& from,
                                          const std::string& to) {
  auto stored_head = head(repo);
  if (!stored_head) {
    return {};
  }
  std::map<std::string, Item> by_key;
  for (auto& item :
       m_api.query({{"TableName", m_tables.data},
                    {"KeyConditionExpression", "pk = :p AND sk BETWEEN :a AND :b"},
                    {"ExpressionAttributeValues",
                     {{":p", attr_s(repo_pk(repo))}, {":a", attr_s(from)}, {":b", attr_s(to)}}},
                    {"ConsistentRead", true}},
                   "read stored history")) {
    auto sk = get_s(item, "sk").value_or("");
    by_key[sk] = std::move(item);
  }
  for (const auto& item : stored_head->pending.items) {
    auto sk = get_s(item, "sk").value_or("");
    if (sk >= from && sk <= to) {
      by_key[sk] = item;
    }
  }
  for (const auto& sk : stored_head->pending.supersede) {
    by_key.erase(sk);
  }
  std::vector<Item> out;
  for (auto& [sk, item] : by_key) {
    out.push_back(std::move(item));
  }
  return out;
}

// R5, R6: snapshot items are keyed "<prefix>#<day>#<observed_at>"; the latest of a day
// wins even before an earlier one of that day has been cleaned away.
std::vector<Item> Reader::latest_of_each_day(core::RepoId repo, std::string_view prefix,
                                             const DayRange& range) {
  const std::string start = std::string(prefix) + "#";
  std::map<std::string, Item> by_day;
  for (auto& item :
       permanent_items(repo, start + range_from(range), start + range_to(range) + "#~")) {
    auto sk = get_s(item, "sk").value_or("");
    by_day[sk.substr(start.size(), 10)] = std::move(item);  // sorted: later replaces
  }
  std::vector<Item> out;
  for (auto& [day, item] : by_day) {
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace ghtraffic::store::dynamodb

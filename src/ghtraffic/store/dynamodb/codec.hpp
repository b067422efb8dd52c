// The item codec of the DynamoDB store: the keys of docs/aws.md's table layout ("DynamoDB
// store") and the conversion of core types to DynamoDB items (attribute-value JSON) and
// back, for every kind of item but the head (head.hpp). Pure functions: no calls to
// DynamoDB. A stored value that cannot be read is a util::Error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/dynamodb/head.hpp"
#include "ghtraffic/store/dynamodb/table_api.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::store::dynamodb {

// --- keys ---

// Partition keys of PREFIX-data besides a repository's own ("R#<id>").
inline constexpr std::string_view k_repos_pk = "REPOS";
inline constexpr std::string_view k_runs_pk = "RUNS";

// Sort key prefixes of the snapshot items in a repository's partition (R5, R6).
inline constexpr std::string_view k_counters_prefix = "C";
inline constexpr std::string_view k_paths_prefix = "P";
inline constexpr std::string_view k_referrers_prefix = "F";
inline constexpr std::string_view k_downloads_prefix = "D";  // release download snapshots

std::string repo_pk(core::RepoId id);        // a repository's partition: "R#42"
std::string head_sk(core::RepoId id);        // its head in REPOS: "R#42"
std::string month_sk(std::string_view day);  // "M#2026-08" of "2026-08-03"
std::string run_sk(std::int64_t id);         // "R#00000000000000000042"
std::string snapshot_sk(std::string_view prefix, util::Timestamp observed_at);  // "C#<day>#<at>"

// One month of a kind's star or fork history: "H#stars#2026-08" of "2026-08-03".
std::string history_month_sk(core::CountKind kind, std::string_view day);
// Where a kind's backfill stands: "B#stars".
std::string backfill_state_sk(core::CountKind kind);

// Cached responses are grouped by repository ("https://host/repos/o/r"), so that the
// lookups of one repository's run cost one Query.
std::string cache_group(const std::string& url);

// Stored text back to values; unreadable text is a util::Error.
util::Day parse_stored_day(const std::string& text);
util::Timestamp parse_stored_time(const std::string& text);

// --- month items: one month of a repository's days ---

// The attribute of one of a day's values (index into DayValues): "v12c" is the views
// count of the 12th, "c03u" the clones uniques of the 3rd.
std::string day_attr(std::string_view day, std::size_t index);
// Adds the days a month item holds to out, raising values already there (R2).
void read_month(const Item& item, std::map<std::string, DayValues>& out);
// Raises every value of stored to at least the one of other (R2).
DayValues raise(DayValues stored, const DayValues& other);

// --- history month items: one month of a kind's star or fork counts (R6) ---

// The attribute of a day in its history month: "d03" of "2026-08-03".
std::string history_attr(std::string_view day);
// Adds the days a history month item holds to out, keeping the larger count (R9).
void read_history_month(const Item& item, HistoryDays& out);

// --- items in a repository's partition, with their sort key and without pk ---

Item encode_window(const core::TrafficWindow& window);  // R4
WindowRecord decode_window(const Item& item);

Item encode_counters(const core::CounterSnapshot& snapshot);  // R6
core::CounterSnapshot decode_counters(const Item& item);

Item encode_paths(const core::PathSnapshot& snapshot);  // R5
core::PathSnapshot decode_paths(const Item& item);

Item encode_referrers(const core::ReferrerSnapshot& snapshot);  // R5
core::ReferrerSnapshot decode_referrers(const Item& item);

Item encode_event(const core::RepoEvent& event);  // R6
core::RepoEvent decode_event(const Item& item);

// A day's download counts of every release asset (R6), assets by release then name.
Item encode_downloads(const core::DownloadSnapshot& snapshot);
core::DownloadSnapshot decode_downloads(const Item& item);
// The snapshot of assets with every asset of `earlier` the later one does not list: a
// day's snapshot keeps each asset's latest count of the day.
core::DownloadSnapshot with_earlier_assets(core::DownloadSnapshot later,
                                           const core::DownloadSnapshot& earlier);

Item encode_backfill_state(const core::BackfillState& state);
core::BackfillState decode_backfill_state(const Item& item);

// --- other items ---

// A collection run as begin_run() records it, and as last_run() reads it back.
Item encode_run_start(std::int64_t id, util::Timestamp started_at);
RunRecord decode_run(const Item& item);

// An entry of PREFIX-cache, keyed by its URL within its cache group.
Item encode_cache_entry(const core::CachedResponse& entry, util::Timestamp stored_at);
core::CachedResponse decode_cache_entry(const Item& item);

// The repository record a head item describes (names oldest first).
RepoRecord repo_record(Head head);

}  // namespace ghtraffic::store::dynamodb

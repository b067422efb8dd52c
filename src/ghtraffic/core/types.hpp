// Domain types: what GitHub tells us about a repository, and what the store keeps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/util/date.hpp"

namespace ghtraffic::core {

using RepoId = std::int64_t;  // GitHub's numeric id (R8)

// "owner/name" as typed by a user or returned by GitHub.
struct RepoRef {
  std::string owner;
  std::string name;

  std::string full_name() const { return owner + "/" + name; }
  static std::optional<RepoRef> parse(std::string_view full_name);
  bool operator==(const RepoRef&) const = default;
};

enum class TrafficKind { views, clones };
std::string_view to_string(TrafficKind kind);
std::optional<TrafficKind> traffic_kind_from(std::string_view text);

// One UTC day's figures (R1). uniques is unknown (none) only where the history came from
// files that never had it (the reference design's pair): every view shows it as unknown,
// never as 0 (R3). GitHub's answers always carry it.
struct DayCount {
  util::Day day;
  std::int64_t count = 0;
  std::optional<std::int64_t> uniques = 0;
  bool operator==(const DayCount&) const = default;
};

// One views or clones response: its window totals (R4) and day buckets (R1, R3).
struct TrafficWindow {
  TrafficKind kind = TrafficKind::views;
  util::Timestamp observed_at;  // from the response's Date header (R3)
  std::int64_t count = 0;
  std::int64_t uniques = 0;
  std::vector<DayCount> days;  // as reported; covered days without traffic may be missing
};

// uniques as in DayCount: unknown only in a snapshot imported from files without it.
struct PopularPath {
  std::string path;
  std::string title;
  std::int64_t count = 0;
  std::optional<std::int64_t> uniques = 0;
  bool operator==(const PopularPath&) const = default;
};

struct Referrer {
  std::string referrer;
  std::int64_t count = 0;
  std::int64_t uniques = 0;
  bool operator==(const Referrer&) const = default;
};

// A rolling 14-day top-10 list, kept as one snapshot per repository per UTC day (R5).
template <typename Entry>
struct TopSnapshot {
  util::Timestamp observed_at;
  std::vector<Entry> entries;
};
using PathSnapshot = TopSnapshot<PopularPath>;
using ReferrerSnapshot = TopSnapshot<Referrer>;

// Repository facts and counters; counters are snapshots per UTC day (R6).
struct RepoMeta {
  RepoId id = 0;
  std::string full_name;
  std::int64_t stars = 0;
  std::int64_t forks = 0;
  std::int64_t watchers = 0;
  std::int64_t open_issues = 0;
  std::string visibility;  // "public", "private" or "internal"
  bool archived = false;
  bool fork = false;
};

// Watchers and open issues are unknown in a snapshot an import made from files that carry
// only stars and forks; a collection always knows them.
struct CounterSnapshot {
  util::Timestamp observed_at;
  std::int64_t stars = 0;
  std::int64_t forks = 0;
  std::optional<std::int64_t> watchers = 0;
  std::optional<std::int64_t> open_issues = 0;
};

// A star or fork with its timestamp: the history before the first collection (R6).
enum class EventKind { star, fork };
std::string_view to_string(EventKind kind);
struct RepoEvent {
  EventKind kind = EventKind::star;
  util::Timestamp at;
  std::string actor;  // login of the user, or full name of the fork
  bool operator==(const RepoEvent&) const = default;
};

// Star and fork counts per UTC day before and between collections (R6). A collected daily
// snapshot (CounterSnapshot) is the truth on its day; these are derived from GitHub's star
// history, its stargazer and fork listings, or read from files, and are marked apart.
enum class CountKind { stars, forks };
std::string_view to_string(CountKind kind);
std::optional<CountKind> count_kind_from(std::string_view text);

// The count at the end of one UTC day.
struct HistoryCount {
  util::Day day;
  std::int64_t count = 0;
  bool operator==(const HistoryCount&) const = default;
};

// Where the backfill of one kind of one repository stands, so that the next run goes on
// from there (incremental, resumable) and views can say what is approximate.
struct BackfillState {
  CountKind kind = CountKind::stars;
  std::string source;                    // "stargazers/history", "stargazers" or "forks"
  std::string next_url;                  // the listing page to read next; empty: from the start
  std::int64_t next_position = 0;        // items listed before next_url's page
  std::optional<util::Day> through_day;  // the newest day whose count is stored
  bool complete = false;                 // the last pass reached its end
  // A newest-first pass (stargazers/history) in progress: it goes on below resume_before
  // and stops at pass_until (none: at the first star).
  std::optional<util::Day> resume_before;
  std::optional<util::Day> pass_until;
  // Counts from this day on are not known from this source (the stargazer listing stops at
  // page 400); the note says why.
  std::optional<util::Day> approximate_from;
  std::string note;
  util::Timestamp updated_at;
};

// What one backfill run learned about one repository, committed in one transaction (R7).
struct Backfill {
  RepoId id = 0;
  std::string full_name;
  std::vector<HistoryCount> stars;  // one a day, max-merged with what is stored (R9)
  std::vector<HistoryCount> forks;
  std::vector<BackfillState> states;
};

// A release asset's cumulative download counter; a snapshot of all of a repository's
// assets is kept per UTC day, the latest of the day. Unlike the top 10s, the counter may
// be differenced between snapshots.
struct AssetDownloads {
  std::string release;  // the release's tag
  std::string asset;    // the asset's file name
  std::int64_t downloads = 0;
  bool operator==(const AssetDownloads&) const = default;
};
struct DownloadSnapshot {
  util::Timestamp observed_at;
  std::vector<AssetDownloads> assets;
};

// A response body kept for conditional requests: sent back as If-None-Match, reused on 304.
struct CachedResponse {
  std::string url;
  std::string etag;
  std::string body;
};

// Everything one collection run learns about one repository. The store commits it in
// one transaction, or nothing of it (R7).
struct RepoObservation {
  RepoMeta meta;
  // false: of meta only the id and name are known (its metadata answer was incomplete).
  // The store then writes no counter snapshot (R6: that day has none, never zeros) and
  // keeps the visibility and flags it holds.
  bool details_known = true;
  util::Timestamp observed_at;     // when the counters were read (R6)
  std::vector<std::string> names;  // every name it was reached by in this run (R8)
  std::optional<TrafficWindow> views;
  std::optional<TrafficWindow> clones;
  std::optional<PathSnapshot> paths;
  std::optional<ReferrerSnapshot> referrers;
  std::vector<RepoEvent> events;
  std::vector<CachedResponse> cache;
  // Release assets' download counters, when the metadata carried them.
  std::optional<DownloadSnapshot> downloads;
};

// A name a repository was known by and since when: the order of a repository's names (R8).
struct KnownName {
  std::string name;
  util::Timestamp seen;
};

// History an import read from files for one repository: exactly what the files list. Days
// they do not list stay gaps (R3: nothing is inferred from coverage), and the store merges
// it like a collection (R2, R4-R6, R9) in one transaction (R7).
struct ImportedHistory {
  RepoId id = 0;                 // GitHub's id when the files carry it; 0 = by name (R8)
  std::string full_name;         // the current name
  std::vector<KnownName> names;  // every name, oldest first
  std::vector<DayCount> views;   // listed days only, one a day
  std::vector<DayCount> clones;
  std::vector<TrafficWindow> windows;  // totals only (R4); their days are not used
  std::vector<PathSnapshot> paths;     // at most one a UTC day
  std::vector<ReferrerSnapshot> referrers;
  std::vector<CounterSnapshot> counters;
  std::vector<RepoEvent> events;
  // When a collection last succeeded, where the files say (our own export carries it, so
  // that a store rebuilt from them counts days left as the one that wrote them did).
  std::optional<util::Timestamp> last_collected;
  std::vector<HistoryCount> star_history;  // listed days only, one a day
  std::vector<HistoryCount> fork_history;
  std::vector<DownloadSnapshot> downloads;  // at most one a UTC day
  // Where each source of the backfill stood (our own export's backfill.csv), at most one
  // a kind; a store keeps the later of its own and this one.
  std::vector<BackfillState> backfill_states;
};

}  // namespace ghtraffic::core

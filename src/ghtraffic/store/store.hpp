// The Store interface: where collected traffic lives. Backends are chosen by URL scheme
// through make_store() (one table in store.cpp); each backend lives in its own folder and
// obeys the data rules R1-R9 of the design.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/util/error.hpp"

namespace ghtraffic::store {

// What committing one observation changed (R7: all of it or nothing).
struct CommitResult {
  core::RepoId repo_id = 0;
  int days_stored = 0;  // UTC days now stored for the repository (views, clones or both)
  int new_days = 0;     // days that were gaps before this commit
  int grown_days = 0;   // stored days that this commit raised (R2)
};

// What importing one repository's history changed (R7: all of it or nothing).
struct ImportResult {
  core::RepoId repo_id = 0;  // negative: known by name only, until its first collection (R8)
  bool new_repo = false;     // the store did not know the repository before
  int new_days = 0;          // days of views or clones that were gaps before
  int grown_days = 0;        // stored days that the import raised (R2)
  int new_windows = 0;       // window totals not stored before (R4)
  int new_snapshots = 0;     // top-10 and counter snapshots stored or replaced (R5, R6)
  int new_events = 0;        // star and fork events not stored before
  int history_days = 0;      // star and fork history days stored or raised (R6, R9)
};

// What committing one backfill changed (R7: all of it or nothing).
struct BackfillResult {
  int new_days = 0;    // star and fork days not stored before
  int grown_days = 0;  // stored days that it raised (R9: never lowered)
};

struct RepoRecord {
  core::RepoId id = 0;
  std::string full_name;           // the latest name
  std::vector<std::string> names;  // every name seen, oldest first (R8)
  std::string visibility;
  bool archived = false;
  bool fork = false;
  std::optional<util::Day> first_day;  // first and last covered day, views or clones
  std::optional<util::Day> last_day;
  std::optional<util::Timestamp> last_collected;
};

// One stored day (R1). Days never covered are absent: gaps (R3).
using DayRecord = core::DayCount;

struct WindowRecord {
  core::TrafficKind kind = core::TrafficKind::views;
  util::Timestamp observed_at;
  std::int64_t count = 0;
  std::int64_t uniques = 0;
};

// One collection run, for status displays.
struct RunRecord {
  std::int64_t id = 0;
  util::Timestamp started_at;
  std::optional<util::Timestamp> finished_at;
  int repos_ok = 0;
  int repos_failed = 0;
};

// The latest collection attempt of one repository, for `status`: whether the most recent
// run that tried it collected it, and why not when it did not. A store keeps one a
// repository (by id, or by name when the run never learned the id), and a later attempt
// replaces an earlier one.
struct RepoAttempt {
  std::string full_name;     // as the run knew it
  core::RepoId repo_id = 0;  // 0 when GitHub never answered with the repository
  std::int64_t run_id = 0;
  util::Timestamp at;
  std::string error;  // empty when it was collected; else for a person, scrubbed
};

// The key a store keeps attempt under: "id:" and the repository id, or "name:" and the
// lower-case name when the id is unknown.
std::string attempt_key(const RepoAttempt& attempt);

struct DayRange {
  std::optional<util::Day> from;  // inclusive; none = from the beginning
  std::optional<util::Day> to;    // inclusive; none = to the end
};

class Store {
 public:
  virtual ~Store() = default;

  // Redacted, human-readable location for messages ("sqlite:/home/me/.local/...").
  virtual std::string describe() const = 0;

  // --- collecting ---
  // Commits everything one run learned about one repository in one transaction (R7),
  // max-merging days (R2), storing covered zeros (R3), appending window totals (R4),
  // replacing the day's top-10 and counter snapshots with later ones (R5, R6), recording
  // names (R8), storing the ETag cache entries. Never deletes history (R9).
  virtual CommitResult commit(const core::RepoObservation& observation) = 0;

  // Merges history read from files into the store in one transaction (R7) as a commit
  // merges a collection: days max-merged (R2) and only the days listed (R3), window totals
  // and events added once, a day's snapshot replaced only by a later one (R5, R6), names
  // recorded (R8); it never deletes or lowers anything (R9). It is not a collection:
  // last_collected only moves forward to the time of the last collection the files carry
  // (history.last_collected, our own export's), never to the import's own time. A history without
  // an id is kept under the repository that has or had its name, else under a new negative id until
  // the first collection of that name links it to GitHub's id. Backends that cannot import throw
  // util::Error saying so.
  virtual ImportResult import_history(const core::ImportedHistory& history);

  // Merges one repository's star and fork history and its backfill states in one
  // transaction (R7): a day's count only grows (R9), days not listed stay unknown (R3), a
  // state replaces the kind's earlier one. The repository must be stored (collected or
  // imported) already. Backends that cannot keep history throw util::Error saying so.
  virtual BackfillResult commit_backfill(const core::Backfill& backfill);

  // The cached response for a URL (conditional requests), if any.
  virtual std::optional<core::CachedResponse> cached_response(const std::string& url) = 0;

  virtual std::int64_t begin_run(util::Timestamp started_at) = 0;
  virtual void finish_run(std::int64_t run_id, util::Timestamp finished_at, int repos_ok,
                          int repos_failed) = 0;

  // Keeps attempt as the repository's latest, unless the store holds a later one.
  virtual void record_attempt(const RepoAttempt& attempt) = 0;

  // --- reading ---
  virtual std::vector<RepoRecord> repositories() = 0;  // sorted by full_name
  virtual std::vector<DayRecord> days(core::RepoId repo, core::TrafficKind kind,
                                      const DayRange& range = {}) = 0;  // sorted by day
  // By observation time, then views before clones; readers rely on it and never re-sort.
  virtual std::vector<WindowRecord> windows(core::RepoId repo) = 0;
  // Snapshots (R5, R6): one per UTC day, the latest observed that day, sorted by day;
  // readers rely on it and never filter them again.
  virtual std::vector<core::PathSnapshot> path_snapshots(core::RepoId repo,
                                                         const DayRange& range = {}) = 0;
  virtual std::vector<core::ReferrerSnapshot> referrer_snapshots(core::RepoId repo,
                                                                 const DayRange& range = {}) = 0;
  virtual std::vector<core::CounterSnapshot> counters(core::RepoId repo,
                                                      const DayRange& range = {}) = 0;
  virtual std::vector<core::RepoEvent> events(core::RepoId repo) = 0;  // by time
  // Star or fork history days (not the collected snapshots), sorted by day; none where the
  // backend keeps no history.
  virtual std::vector<core::HistoryCount> history_counts(core::RepoId repo, core::CountKind kind,
                                                         const DayRange& range = {});
  virtual std::optional<core::BackfillState> backfill_state(core::RepoId repo,
                                                            core::CountKind kind);
  // Download snapshots: one per UTC day, the latest of the day, sorted by day; assets by
  // release then name.
  virtual std::vector<core::DownloadSnapshot> downloads(core::RepoId repo,
                                                        const DayRange& range = {});
  virtual std::optional<RunRecord> last_run() = 0;
  // The latest attempt of each repository ever tried, sorted by full_name (case-insensitive).
  virtual std::vector<RepoAttempt> attempts() = 0;
};

// Holds the store's collection lock while alive: a second collection on the same store
// is refused with a clear message instead of interleaving.
class CollectLock {
 public:
  virtual ~CollectLock() = default;
};

// A write refused because the store has no room left (a full disk): every later write
// would fail the same way, so a collection stops starting repositories when it sees one.
class StoreFull : public util::Error {
 public:
  using util::Error::Error;
};

struct StoreOptions {
  bool read_only = false;
};

// "sqlite:PATH" (or a bare path ending in .db) or "dynamodb:TABLE_PREFIX[?region=R&
// endpoint=URL]". An unknown scheme is a util::Error listing the known ones.
std::unique_ptr<Store> make_store(const std::string& url, const StoreOptions& options = {});

// The URL schemes make_store() knows, in the order of its table ("sqlite", ...).
std::vector<std::string> known_store_schemes();

// Takes the collection lock of the store at url; throws util::Error (exit code busy)
// naming the holder when another collection holds it.
std::unique_ptr<CollectLock> lock_for_collect(const std::string& url);

// The default store URL: sqlite: at $XDG_DATA_HOME/ghtraffic/ghtraffic.db, else
// ~/.local/share/ghtraffic/ghtraffic.db.
std::string default_store_url();

}  // namespace ghtraffic::store

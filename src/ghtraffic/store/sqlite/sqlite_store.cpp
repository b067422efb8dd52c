#include "ghtraffic/store/sqlite/sqlite_store.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "ghtraffic/core/rules.hpp"
#include "ghtraffic/store/sqlite/schema.hpp"
#include "ghtraffic/store/sqlite/sqlite_handle.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/file_lock.hpp"

namespace ghtraffic::store::sqlite {

namespace {

constexpr int k_busy_timeout_ms = 10'000;
constexpr std::string_view k_first_day = "0000-01-01";
constexpr std::string_view k_last_day = "9999-12-31";

// --- statements, prepared once per store ---

constexpr std::string_view k_insert_repo = R"sql(
INSERT INTO repos (id, full_name, first_seen) VALUES (?1, ?2, ?3)
ON CONFLICT (id) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen))sql";

// An older observation committed late never takes the place of a newer one's facts.
constexpr std::string_view k_update_repo = R"sql(
UPDATE repos SET full_name = ?2, visibility = ?3, archived = ?4, fork = ?5, last_collected = ?6
WHERE id = ?1 AND (last_collected IS NULL OR last_collected <= ?6))sql";

constexpr std::string_view k_record_name = R"sql(
INSERT INTO repo_names (repo_id, full_name, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)
ON CONFLICT (repo_id, full_name) DO UPDATE SET
  first_seen = min(first_seen, excluded.first_seen),
  last_seen = max(last_seen, excluded.last_seen))sql";

// GitHub's own spelling of a name replaces the case a user typed it in.
constexpr std::string_view k_record_canonical_name = R"sql(
INSERT INTO repo_names (repo_id, full_name, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)
ON CONFLICT (repo_id, full_name) DO UPDATE SET
  full_name = CASE WHEN excluded.last_seen >= last_seen THEN excluded.full_name
                   ELSE full_name END,
  first_seen = min(first_seen, excluded.first_seen),
  last_seen = max(last_seen, excluded.last_seen))sql";

constexpr std::string_view k_select_days = R"sql(
SELECT day, count, uniques FROM traffic_days
WHERE repo_id = ?1 AND kind = ?2 AND day BETWEEN ?3 AND ?4 ORDER BY day)sql";

// max() again in SQL, so that a day can only grow even if two writers race (R2).
constexpr std::string_view k_upsert_day = R"sql(
INSERT INTO traffic_days (repo_id, kind, day, count, uniques) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (repo_id, kind, day) DO UPDATE SET
  count = max(count, excluded.count), uniques = max(uniques, excluded.uniques))sql";

constexpr std::string_view k_count_days = R"sql(
SELECT count(*) FROM traffic_days WHERE repo_id = ?1)sql";

constexpr std::string_view k_insert_window = R"sql(
INSERT INTO windows (repo_id, kind, observed_at, count, uniques) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (repo_id, kind, observed_at) DO NOTHING)sql";

constexpr std::string_view k_select_snapshot_time = R"sql(
SELECT observed_at FROM top_snapshots WHERE repo_id = ?1 AND list = ?2 AND day = ?3)sql";

constexpr std::string_view k_upsert_snapshot = R"sql(
INSERT INTO top_snapshots (repo_id, list, day, observed_at) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (repo_id, list, day) DO UPDATE SET observed_at = excluded.observed_at)sql";

// The only deletes of the store: a day's top-10 entries replaced by a later list (R5, R9).
constexpr std::string_view k_clear_path_entries = R"sql(
DELETE FROM path_snapshots WHERE repo_id = ?1 AND day = ?2)sql";
constexpr std::string_view k_clear_referrer_entries = R"sql(
DELETE FROM referrer_snapshots WHERE repo_id = ?1 AND day = ?2)sql";

constexpr std::string_view k_insert_path_entry = R"sql(
INSERT INTO path_snapshots (repo_id, day, observed_at, rank, path, title, count, uniques)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8))sql";

constexpr std::string_view k_insert_referrer_entry = R"sql(
INSERT INTO referrer_snapshots (repo_id, day, observed_at, rank, referrer, count, uniques)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7))sql";

constexpr std::string_view k_upsert_counters = R"sql(
INSERT INTO counters (repo_id, day, observed_at, stars, forks, watchers, open_issues)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (repo_id, day) DO UPDATE SET
  observed_at = excluded.observed_at, stars = excluded.stars, forks = excluded.forks,
  watchers = excluded.watchers, open_issues = excluded.open_issues
WHERE excluded.observed_at > counters.observed_at)sql";

constexpr std::string_view k_insert_event = R"sql(
INSERT INTO events (repo_id, kind, at, actor) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (repo_id, kind, at, actor) DO NOTHING)sql";

constexpr std::string_view k_upsert_cache = R"sql(
INSERT INTO http_cache (url, etag, body, stored_at) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (url) DO UPDATE SET
  etag = excluded.etag, body = excluded.body, stored_at = excluded.stored_at
WHERE excluded.stored_at >= http_cache.stored_at)sql";

constexpr std::string_view k_select_cache = R"sql(
SELECT etag, body FROM http_cache WHERE url = ?1)sql";

constexpr std::string_view k_find_repo = R"sql(
SELECT n.repo_id FROM repo_names n JOIN repos r ON r.id = n.repo_id
WHERE n.full_name = ?1
ORDER BY (r.full_name = ?1 COLLATE NOCASE) DESC, n.last_seen DESC, n.repo_id DESC
LIMIT 1)sql";

constexpr std::string_view k_insert_run = R"sql(
INSERT INTO runs (started_at) VALUES (?1))sql";

constexpr std::string_view k_finish_run = R"sql(
UPDATE runs SET finished_at = ?2, repos_ok = ?3, repos_failed = ?4 WHERE id = ?1)sql";

constexpr std::string_view k_select_last_run = R"sql(
SELECT id, started_at, finished_at, repos_ok, repos_failed FROM runs
ORDER BY id DESC LIMIT 1)sql";

constexpr std::string_view k_select_repos = R"sql(
SELECT r.id, r.full_name, r.visibility, r.archived, r.fork, r.last_collected,
  (SELECT min(day) FROM traffic_days d WHERE d.repo_id = r.id),
  (SELECT max(day) FROM traffic_days d WHERE d.repo_id = r.id)
FROM repos r ORDER BY r.full_name COLLATE NOCASE, r.full_name, r.id)sql";

constexpr std::string_view k_select_names = R"sql(
SELECT repo_id, full_name FROM repo_names ORDER BY repo_id, first_seen, full_name)sql";

constexpr std::string_view k_select_windows = R"sql(
SELECT kind, observed_at, count, uniques FROM windows WHERE repo_id = ?1
ORDER BY observed_at, CASE kind WHEN 'views' THEN 0 ELSE 1 END)sql";

constexpr std::string_view k_select_path_snapshots = R"sql(
SELECT s.day, s.observed_at, e.rank, e.path, e.title, e.count, e.uniques
FROM top_snapshots s
LEFT JOIN path_snapshots e ON e.repo_id = s.repo_id AND e.day = s.day
WHERE s.repo_id = ?1 AND s.list = 'paths' AND s.day BETWEEN ?2 AND ?3
ORDER BY s.day, e.rank)sql";

constexpr std::string_view k_select_referrer_snapshots = R"sql(
SELECT s.day, s.observed_at, e.rank, e.referrer, e.count, e.uniques
FROM top_snapshots s
LEFT JOIN referrer_snapshots e ON e.repo_id = s.repo_id AND e.day = s.day
WHERE s.repo_id = ?1 AND s.list = 'referrers' AND s.day BETWEEN ?2 AND ?3
ORDER BY s.day, e.rank)sql";

constexpr std::string_view k_select_counters = R"sql(
SELECT observed_at, stars, forks, watchers, open_issues FROM counters
WHERE repo_id = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day)sql";

constexpr std::string_view k_select_events = R"sql(
SELECT kind, at, actor FROM events WHERE repo_id = ?1 ORDER BY at, kind, actor)sql";

// --- text forms of stored values ---

std::string day_text(util::Day day) {
  return util::format_day(day);
}
std::string time_text(util::Timestamp at) {
  return util::format_iso8601(at);
}

[[noreturn]] void throw_unreadable(std::string_view what, const std::string& text) {
  throw SqliteError(SQLITE_CORRUPT, fmt::format("unreadable {} '{}' in the store", what, text));
}

util::Day parse_stored_day(const std::string& text) {
  auto day = util::parse_day(text);
  if (!day) {
    throw_unreadable("day", text);
  }
  return *day;
}

util::Timestamp parse_stored_time(const std::string& text) {
  auto at = util::parse_iso8601(text);
  if (!at) {
    throw_unreadable("time", text);
  }
  return *at;
}

core::TrafficKind parse_stored_kind(const std::string& text) {
  auto kind = core::traffic_kind_from(text);
  if (!kind) {
    throw_unreadable("traffic kind", text);
  }
  return *kind;
}

core::EventKind parse_stored_event_kind(const std::string& text) {
  if (text == core::to_string(core::EventKind::star)) {
    return core::EventKind::star;
  }
  if (text == core::to_string(core::EventKind::fork)) {
    return core::EventKind::fork;
  }
  throw_unreadable("event kind", text);
}

std::string range_from(const DayRange& range) {
  return range.from ? day_text(*range.from) : std::string(k_first_day);
}
std::string range_to(const DayRange& range) {
  return range.to ? day_text(*range.to) : std::string(k_last_day);
}

// What a person can do about a failed SQLite call.
std::string_view hint_for(int primary_code) {
  switch (primary_code) {
    case SQLITE_FULL:
      return "free some space and run again";
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return "check that you may write the file and its folder";
    case SQLITE_CANTOPEN:
      return "check that the path is right and that you may read and write it";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "another program kept the store busy for too long; run again";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "the file is damaged; restore it from a backup";
    case SQLITE_IOERR:
      return "the disk reported an error; check it and run again";
    case SQLITE_NOMEM:
      return "the system ran out of memory; run again";
    default:
      return "run again, and report it if it keeps happening";
  }
}

// BEGIN ... COMMIT, rolled back unless committed. SQLite itself rolls back on some errors
// (disk full, I/O), so the rollback only runs while a transaction is still open.
class Transaction {
 public:
  Transaction(sqlite3* db, const char* begin) : m_db(db) { execute(db, begin); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (!m_committed && sqlite3_get_autocommit(m_db) == 0) {
      sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }

  void commit() {
    execute(m_db, "COMMIT");
    m_committed = true;
  }

 private:
  sqlite3* m_db;
  bool m_committed = false;
};

class SqliteCollectLock final : public CollectLock {
 public:
  explicit SqliteCollectLock(util::FileLock lock) : m_lock(std::move(lock)) {}

 private:
  util::FileLock m_lock;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, DatabaseHandle db, bool read_only)
      : m_describe("sqlite:" + path), m_db(std::move(db)), m_read_only(read_only) {}

  std::string describe() const override { return m_describe; }

  CommitResult commit(const core::RepoObservation& observation) override {
    auto repo_name = name_for_messages(observation);
    require_writable();
    if (observation.meta.id == 0) {
      throw util::Fatal("an observation of " + repo_name + " has no repository id");
    }
    try {
      Transaction transaction(m_db.get(), "BEGIN IMMEDIATE");
      auto result = write_observation(observation);
      transaction.commit();
      return result;
    } catch (const SqliteError& e) {
      throw util::Error("could not write to {}: {} — {}; nothing of {} was stored", m_describe,
                        e.what(), hint_for(e.primary_code()), repo_name);
    }
  }

  std::optional<core::CachedResponse> cached_response(const std::string& url) override {
    return reading([&]() -> std::optional<core::CachedResponse> {
      auto cursor = query(k_select_cache);
      cursor.bind(url);
      if (!cursor.step()) {
        return std::nullopt;
      }
      return core::CachedResponse{url, cursor.text(0), cursor.text(1)};
    });
  }

  std::optional<core::RepoId> find_repo(const std::string& full_name) override {
    return reading([&]() -> std::optional<core::RepoId> {
      auto cursor = query(k_find_repo);
      cursor.bind(full_name);
      if (!cursor.step()) {
        return std::nullopt;
      }
      return cursor.int64(0);
    });
  }

  std::int64_t begin_run(util::Timestamp started_at) override {
    require_writable();
    return writing([&] {
      query(k_insert_run).bind(time_text(started_at)).run();
      return static_cast<std::int64_t>(sqlite3_last_insert_rowid(m_db.get()));
    });
  }

  void finish_run(std::int64_t run_id, util::Timestamp finished_at, int repos_ok,
                  int repos_failed) override {
    require_writable();
    writing([&] {
      query(k_finish_run)
          .bind(run_id)
          .bind(time_text(finished_at))
          .bind(repos_ok)
          .bind(repos_failed)
          .run();
      return 0;
    });
  }

  std::vector<RepoRecord> repositories() override {
    return reading([&] {
      // One read transaction, so that names and repositories agree.
      Transaction snapshot(m_db.get(), "BEGIN");
      std::vector<RepoRecord> repos;
      std::map<core::RepoId, std::size_t> index;
      {
        auto cursor = query(k_select_repos);
        while (cursor.step()) {
          RepoRecord repo;
          repo.id = cursor.int64(0);
          repo.full_name = cursor.text(1);
          repo.visibility = cursor.text(2);
          repo.archived = cursor.int64(3) != 0;
          repo.fork = cursor.int64(4) != 0;
          if (auto at = cursor.optional_text(5)) {
            repo.last_collected = parse_stored_time(*at);
          }
          if (auto day = cursor.optional_text(6)) {
            repo.first_day = parse_stored_day(*day);
          }
          if (auto day = cursor.optional_text(7)) {
            repo.last_day = parse_stored_day(*day);
          }
          index.emplace(repo.id, repos.size());
          repos.push_back(std::move(repo));
        }
      }
      auto cursor = query(k_select_names);
      while (cursor.step()) {
        auto it = index.find(cursor.int64(0));
        if (it != index.end()) {
          repos[it->second].names.push_back(cursor.text(1));
        }
      }
      return repos;
    });
  }

  std::vector<DayRecord> days(core::RepoId repo, core::TrafficKind kind,
                              const DayRange& range) override {
    return reading([&] {
      std::vector<DayRecord> out;
      auto cursor = query(k_select_days);
      cursor.bind(repo).bind(core::to_string(kind)).bind(range_from(range)).bind(range_to(range));
      while (cursor.step()) {
        out.push_back({parse_stored_day(cursor.text(0)), cursor.int64(1), cursor.int64(2)});
      }
      return out;
    });
  }

  std::vector<WindowRecord> windows(core::RepoId repo) override {
    return reading([&] {
      std::vector<WindowRecord> out;
      auto cursor = query(k_select_windows);
      cursor.bind(repo);
      while (cursor.step()) {
        out.push_back({parse_stored_kind(cursor.text(0)), parse_stored_time(cursor.text(1)),
                       cursor.int64(2), cursor.int64(3)});
      }
      return out;
    });
  }

  std::vector<core::PathSnapshot> path_snapshots(core::RepoId repo,
                                                 const DayRange& range) override {
    return reading([&] {
      std::vector<core::PathSnapshot> out;
      auto cursor = query(k_select_path_snapshots);
      cursor.bind(repo).bind(range_from(range)).bind(range_to(range));
      std::string current_day;
      while (cursor.step()) {
        if (out.empty() || cursor.text(0) != current_day) {
          current_day = cursor.text(0);
          out.push_back({parse_stored_time(cursor.text(1)), {}});
        }
        if (!cursor.is_null(2)) {
          out.back().entries.push_back(
              {cursor.text(3), cursor.text(4), cursor.int64(5), cursor.int64(6)});
        }
      }
      return out;
    });
  }

  std::vector<core::ReferrerSnapshot> referrer_snapshots(core::RepoId repo,
                                                         const DayRange& range) override {
    return reading([&] {
      std::vector<core::ReferrerSnapshot> out;
      auto cursor = query(k_select_referrer_snapshots);
      cursor.bind(repo).bind(range_from(range)).bind(range_to(range));
      std::string current_day;
      while (cursor.step()) {
        if (out.empty() || cursor.text(0) != current_day) {
          current_day = cursor.text(0);
          out.push_back({parse_stored_time(cursor.text(1)), {}});
        }
        if (!cursor.is_null(2)) {
          out.back().entries.push_back({cursor.text(3), cursor.int64(4), cursor.int64(5)});
        }
      }
      return out;
    });
  }

  std::vector<core::CounterSnapshot> counters(core::RepoId repo, const DayRange& range) override {
    return reading([&] {
      std::vector<core::CounterSnapshot> out;
      auto cursor = query(k_select_counters);
      cursor.bind(repo).bind(range_from(range)).bind(range_to(range));
      while (cursor.step()) {
        out.push_back({parse_stored_time(cursor.text(0)), cursor.int64(1), cursor.int64(2),
                       cursor.int64(3), cursor.int64(4)});
      }
      return out;
    });
  }

  std::vector<core::RepoEvent> events(core::RepoId repo) override {
    return reading([&] {
      std::vector<core::RepoEvent> out;
      auto cursor = query(k_select_events);
      cursor.bind(repo);
      while (cursor.step()) {
        out.push_back({parse_stored_event_kind(cursor.text(0)), parse_stored_time(cursor.text(1)),
                       cursor.text(2)});
      }
      return out;
    });
  }

  std::optional<RunRecord> last_run() override {
    return reading([&]() -> std::optional<RunRecord> {
      auto cursor = query(k_select_last_run);
      if (!cursor.step()) {
        return std::nullopt;
      }
      RunRecord run;
      run.id = cursor.int64(0);
      run.started_at = parse_stored_time(cursor.text(1));
      if (auto at = cursor.optional_text(2)) {
        run.finished_at = parse_stored_time(*at);
      }
      run.repos_ok = static_cast<int>(cursor.int64(3));
      run.repos_failed = static_cast<int>(cursor.int64(4));
      return run;
    });
  }

 private:
  static std::string name_for_messages(const core::RepoObservation& observation) {
    if (!observation.meta.full_name.empty()) {
      return observation.meta.full_name;
    }
    if (!observation.names.empty()) {
      return observation.names.back();
    }
    return fmt::format("repository {}", observation.meta.id);
  }

  void require_writable() const {
    if (m_read_only) {
      throw util::Error("{} was opened read-only; this command cannot change it", m_describe);
    }
  }

  template <typename Read>
  std::invoke_result_t<Read&> reading(Read&& read) {
    try {
      return read();
    } catch (const SqliteError& e) {
      throw util::Error("could not read {}: {} — {}", m_describe, e.what(),
                        hint_for(e.primary_code()));
    }
  }

  template <typename Write>
  std::invoke_result_t<Write&> writing(Write&& write) {
    try {
      return write();
    } catch (const SqliteError& e) {
      throw util::Error("could not write to {}: {} — {}", m_describe, e.what(),
                        hint_for(e.primary_code()));
    }
  }

  Cursor query(std::string_view sql) {
    auto it = m_statements.find(sql);
    if (it == m_statements.end()) {
      it = m_statements.emplace(sql, prepare(m_db.get(), sql, SQLITE_PREPARE_PERSISTENT)).first;
    }
    return Cursor(it->second.get());
  }

  CommitResult write_observation(const core::RepoObservation& observation) {
    const auto id = observation.meta.id;
    const auto observed_at = time_text(observation.observed_at);
    auto full_name = observation.meta.full_name;
    if (full_name.empty() && !observation.names.empty()) {
      full_name = observation.names.back();
    }

    query(k_insert_repo).bind(id).bind(full_name).bind(observed_at).run();
    query(k_update_repo)
        .bind(id)
        .bind(full_name)
        .bind(observation.meta.visibility)
        .bind(observation.meta.archived)
        .bind(observation.meta.fork)
        .bind(observed_at)
        .run();
    for (const auto& name : observation.names) {
      if (!name.empty()) {
        query(k_record_name).bind(id).bind(name).bind(observed_at).run();
      }
    }
    if (!full_name.empty()) {
      query(k_record_canonical_name).bind(id).bind(full_name).bind(observed_at).run();
    }

    CommitResult result;
    result.repo_id = id;
    if (observation.views) {
      merge_window(id, core::TrafficKind::views, *observation.views, result);
    }
    if (observation.clones) {
      merge_window(id, core::TrafficKind::clones, *observation.clones, result);
    }

    const auto& meta = observation.meta;
    query(k_upsert_counters)
        .bind(id)
        .bind(day_text(util::day_of(observation.observed_at)))
        .bind(observed_at)
        .bind(meta.stars)
        .bind(meta.forks)
        .bind(meta.watchers)
        .bind(meta.open_issues)
        .run();

    if (observation.paths) {
      write_path_snapshot(id, *observation.paths);
    }
    if (observation.referrers) {
      write_referrer_snapshot(id, *observation.referrers);
    }
    for (const auto& event : observation.events) {
      query(k_insert_event)
          .bind(id)
          .bind(core::to_string(event.kind))
          .bind(time_text(event.at))
          .bind(event.actor)
          .run();
    }
    for (const auto& entry : observation.cache) {
      query(k_upsert_cache)
          .bind(entry.url)
          .bind(entry.etag)
          .bind(entry.body)
          .bind(observed_at)
          .run();
    }

    auto cursor = query(k_count_days);
    cursor.bind(id);
    result.days_stored = cursor.step() ? static_cast<int>(cursor.int64(0)) : 0;
    return result;
  }

  // R2, R3: only new or grown covered days are written; uncovered days are left alone.
  void merge_window(core::RepoId id, core::TrafficKind kind, const core::TrafficWindow& window,
                    CommitResult& result) {
    const auto kind_text = core::to_string(kind);
    auto covered = core::covered_days(window);
    std::map<util::Day, core::DayCount> stored;
    {
      auto cursor = query(k_select_days);
      cursor.bind(id)
          .bind(kind_text)
          .bind(day_text(covered.front().day))
          .bind(day_text(covered.back().day));
      while (cursor.step()) {
        auto day = parse_stored_day(cursor.text(0));
        stored.emplace(day, core::DayCount{day, cursor.int64(1), cursor.int64(2)});
      }
    }
    auto outcome = core::merge_days(stored, covered);
    for (const auto& day : outcome.to_write) {
      query(k_upsert_day)
          .bind(id)
          .bind(kind_text)
          .bind(day_text(day.day))
          .bind(day.count)
          .bind(day.uniques)
          .run();
    }
    result.new_days += outcome.new_days;
    result.grown_days += outcome.grown_days;

    // R4
    query(k_insert_window)
        .bind(id)
        .bind(kind_text)
        .bind(time_text(window.observed_at))
        .bind(window.count)
        .bind(window.uniques)
        .run();
  }

  // R5: true when the snapshot of that day should be (re)written: there is none yet, or the
  // stored one was observed earlier.
  bool claim_snapshot_day(core::RepoId id, std::string_view list, util::Timestamp observed_at) {
    const auto day = day_text(util::day_of(observed_at));
    {
      auto cursor = query(k_select_snapshot_time);
      cursor.bind(id).bind(list).bind(day);
      if (cursor.step() && parse_stored_time(cursor.text(0)) >= observed_at) {
        return false;
      }
    }
    query(k_upsert_snapshot).bind(id).bind(list).bind(day).bind(time_text(observed_at)).run();
    return true;
  }

  void write_path_snapshot(core::RepoId id, const core::PathSnapshot& snapshot) {
    if (!claim_snapshot_day(id, "paths", snapshot.observed_at)) {
      return;
    }
    const auto day = day_text(util::day_of(snapshot.observed_at));
    const auto observed_at = time_text(snapshot.observed_at);
    query(k_clear_path_entries).bind(id).bind(day).run();
    int rank = 0;
    for (const auto& entry : snapshot.entries) {
      query(k_insert_path_entry)
          .bind(id)
          .bind(day)
          .bind(observed_at)
          .bind(++rank)
          .bind(entry.path)
          .bind(entry.title)
          .bind(entry.count)
          .bind(entry.uniques)
          .run();
    }
  }

  void write_referrer_snapshot(core::RepoId id, const core::ReferrerSnapshot& snapshot) {
    if (!claim_snapshot_day(id, "referrers", snapshot.observed_at)) {
      return;
    }
    const auto day = day_text(util::day_of(snapshot.observed_at));
    const auto observed_at = time_text(snapshot.observed_at);
    query(k_clear_referrer_entries).bind(id).bind(day).run();
    int rank = 0;
    for (const auto& entry : snapshot.entries) {
      query(k_insert_referrer_entry)
          .bind(id)
          .bind(day)
          .bind(observed_at)
          .bind(++rank)
          .bind(entry.referrer)
          .bind(entry.count)
          .bind(entry.uniques)
          .run();
    }
  }

  std::string m_describe;
  DatabaseHandle m_db;  // declared before the statements: they are finalized first
  bool m_read_only;
  std::unordered_map<std::string_view, StatementHandle> m_statements;
};

std::string absolute_path(const std::string& path) {
  std::error_code error;
  auto absolute = std::filesystem::absolute(path, error);
  return error ? path : absolute.lexically_normal().string();
}

void create_parent_folder(const std::string& path) {
  auto folder = std::filesystem::path(path).parent_path();
  std::error_code error;
  if (!folder.empty() && !std::filesystem::exists(folder, error)) {
    std::filesystem::create_directories(folder, error);
    if (error) {
      throw util::Error("could not create the folder {} for the store: {}", folder.string(),
                        error.message());
    }
  }
}

void configure(sqlite3* db, bool read_only) {
  sqlite3_busy_timeout(db, k_busy_timeout_ms);
  if (!read_only) {
    execute(db, "PRAGMA journal_mode = WAL");
  }
  execute(db, "PRAGMA synchronous = NORMAL");
  execute(db, "PRAGMA foreign_keys = ON");
}

}  // namespace

std::unique_ptr<Store> make_sqlite_store(const std::string& given_path,
                                         const StoreOptions& options) {
  const auto path = absolute_path(given_path);
  const auto describe = "sqlite:" + path;
  if (options.read_only) {
    std::error_code error;
    if (!std::filesystem::exists(path, error)) {
      throw util::Error("no store at {} yet — run `ghtraffic collect` first", path);
    }
  } else {
    create_parent_folder(path);
  }

  int flags =
      SQLITE_OPEN_EXRESCODE |
      (options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DatabaseHandle db(raw);
  if (rc != SQLITE_OK) {
    std::string message = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    throw util::Error("could not open {}: {} — {}", describe, message, hint_for(rc & 0xff));
  }
  try {
    configure(db.get(), options.read_only);
    if (options.read_only) {
      check_schema(db.get(), describe);
    } else {
      migrate(db.get(), describe);
    }
  } catch (const SqliteError& e) {
    if (e.primary_code() == SQLITE_NOTADB) {
      throw util::Error(
          "{} is not a ghtraffic store (the file is not an SQLite database); choose another "
          "path for the store",
          describe);
    }
    throw util::Error("could not open {}: {} — {}", describe, e.what(), hint_for(e.primary_code()));
  }
  return std::make_unique<SqliteStore>(path, std::move(db), options.read_only);
}

std::unique_ptr<CollectLock> lock_sqlite_store(const std::string& given_path) {
  const auto path = absolute_path(given_path);
  create_parent_folder(path);
  auto lock = util::FileLock::try_acquire(path + ".lock");
  if (!lock) {
    auto holder =
        lock.error().pid > 0 ? fmt::format("pid {}", lock.error().pid) : std::string("pid unknown");
    throw util::Error(fmt::format("another ghtraffic collect ({}) is running on sqlite:{}; wait "
                                  "for it to finish",
                                  holder, path),
                      static_cast<int>(util::k_exit_busy));
  }
  return std::make_unique<SqliteCollectLock>(std::move(*lock));
}

}  // namespace ghtraffic::store::sqlite

// The SQL the SQLite store runs, one constant a statement. Each is prepared once per store
// and cached by its text.
#pragma once

#include <string_view>

namespace ghtraffic::store::sqlite::sql {

inline constexpr std::string_view k_insert_repo = R"sql(
INSERT INTO repos (id, full_name, first_seen) VALUES (?1, ?2, ?3)
ON CONFLICT (id) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen))sql";

// An older observation committed late never takes the place of a newer one's facts.
inline constexpr std::string_view k_update_repo = R"sql(
UPDATE repos SET full_name = ?2,
  visibility = CASE WHEN ?7 THEN ?3 ELSE visibility END,
  archived = CASE WHEN ?7 THEN ?4 ELSE archived END,
  fork = CASE WHEN ?7 THEN ?5 ELSE fork END,
  last_collected = ?6
WHERE id = ?1 AND (last_collected IS NULL OR last_collected <= ?6))sql";

// An import carries the time of the last collection its files saw; never moved back (R9).
inline constexpr std::string_view k_import_last_collected = R"sql(
UPDATE repos SET last_collected = ?2
WHERE id = ?1 AND (last_collected IS NULL OR last_collected < ?2))sql";

inline constexpr std::string_view k_record_name = R"sql(
INSERT INTO repo_names (repo_id, full_name, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)
ON CONFLICT (repo_id, full_name) DO UPDATE SET
  first_seen = min(first_seen, excluded.first_seen),
  last_seen = max(last_seen, excluded.last_seen))sql";

// GitHub's own spelling of a name replaces the case a user typed it in.
inline constexpr std::string_view k_record_canonical_name = R"sql(
INSERT INTO repo_names (repo_id, full_name, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)
ON CONFLICT (repo_id, full_name) DO UPDATE SET
  full_name = CASE WHEN excluded.last_seen >= last_seen THEN excluded.full_name
                   ELSE full_name END,
  first_seen = min(first_seen, excluded.first_seen),
  last_seen = max(last_seen, excluded.last_seen))sql";

// Imports (R8): the repository that has or had a name, GitHub's ids before provisional
// ones, the latest seen first; the next provisional id, below every stored one.
inline constexpr std::string_view k_select_repo_by_name = R"sql(
SELECT repo_id FROM repo_names WHERE full_name = ?1
ORDER BY repo_id > 0 DESC, last_seen DESC, repo_id DESC LIMIT 1)sql";

inline constexpr std::string_view k_select_next_provisional_id = R"sql(
SELECT min(0, coalesce(min(id), 0)) - 1 FROM repos)sql";

inline constexpr std::string_view k_select_repo_exists = R"sql(
SELECT 1 FROM repos WHERE id = ?1)sql";

inline constexpr std::string_view k_select_provisional_by_name = R"sql(
SELECT DISTINCT repo_id FROM repo_names WHERE repo_id < 0 AND full_name = ?1)sql";

// R8: the history of provisional repository ?1 (imported by name) moved into ?2, the id
// GitHub gave its first collection: days max-merged, window totals and events kept once,
// a day's snapshot and a backfill state the later of the two; then ?1 is gone. In this order
// (foreign keys); the deletes take ?1 only.
inline constexpr std::string_view k_link_provisional[] = {
    R"sql(INSERT INTO repos (id, full_name, first_seen)
SELECT ?2, full_name, first_seen FROM repos WHERE id = ?1
ON CONFLICT (id) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen))sql",
    R"sql(INSERT INTO repo_names (repo_id, full_name, first_seen, last_seen)
SELECT ?2, full_name, first_seen, last_seen FROM repo_names WHERE repo_id = ?1
ON CONFLICT (repo_id, full_name) DO UPDATE SET
  first_seen = min(first_seen, excluded.first_seen),
  last_seen = max(last_seen, excluded.last_seen))sql",
    R"sql(INSERT INTO traffic_days (repo_id, kind, day, count, uniques)
SELECT ?2, kind, day, count, uniques FROM traffic_days WHERE repo_id = ?1
ON CONFLICT (repo_id, kind, day) DO UPDATE SET
  count = max(count, excluded.count),
  uniques = max(coalesce(uniques, excluded.uniques), coalesce(excluded.uniques, uniques)))sql",
    R"sql(INSERT INTO windows (repo_id, kind, observed_at, count, uniques)
SELECT ?2, kind, observed_at, count, uniques FROM windows WHERE repo_id = ?1
ON CONFLICT (repo_id, kind, observed_at) DO NOTHING)sql",
    // Snapshots of ?1 that a snapshot of ?2 of the same day is not older than are left
    // behind; the others replace ?2's of their day.
    R"sql(DELETE FROM top_snapshots WHERE repo_id = ?1 AND EXISTS (
  SELECT 1 FROM top_snapshots r WHERE r.repo_id = ?2 AND r.list = top_snapshots.list
  AND r.day = top_snapshots.day AND r.observed_at >= top_snapshots.observed_at))sql",
    R"sql(DELETE FROM path_snapshots WHERE repo_id = ?2 AND day IN (
  SELECT day FROM top_snapshots WHERE repo_id = ?1 AND list = 'paths'))sql",
    R"sql(DELETE FROM referrer_snapshots WHERE repo_id = ?2 AND day IN (
  SELECT day FROM top_snapshots WHERE repo_id = ?1 AND list = 'referrers'))sql",
    R"sql(INSERT INTO path_snapshots (repo_id, day, observed_at, rank, path, title, count, uniques)
SELECT ?2, day, observed_at, rank, path, title, count, uniques FROM path_snapshots
WHERE repo_id = ?1 AND day IN (
  SELECT day FROM top_snapshots WHERE repo_id = ?1 AND list = 'paths'))sql",
    R"sql(INSERT INTO referrer_snapshots (repo_id, day, observed_at, rank, referrer, count, uniques)
SELECT ?2, day, observed_at, rank, referrer, count, uniques FROM referrer_snapshots
WHERE repo_id = ?1 AND day IN (
  SELECT day FROM top_snapshots WHERE repo_id = ?1 AND list = 'referrers'))sql",
    R"sql(INSERT INTO top_snapshots (repo_id, list, day, observed_at)
SELECT ?2, list, day, observed_at FROM top_snapshots WHERE repo_id = ?1
ON CONFLICT (repo_id, list, day) DO UPDATE SET observed_at = excluded.observed_at)sql",
    R"sql(INSERT INTO counters (repo_id, day, observed_at, stars, forks, watchers, open_issues)
SELECT ?2, day, observed_at, stars, forks, watchers, open_issues FROM counters
WHERE repo_id = ?1
ON CONFLICT (repo_id, day) DO UPDATE SET
  observed_at = excluded.observed_at, stars = excluded.stars, forks = excluded.forks,
  watchers = excluded.watchers, open_issues = excluded.open_issues
WHERE excluded.observed_at > counters.observed_at)sql",
    R"sql(INSERT INTO events (repo_id, kind, at, actor)
SELECT ?2, kind, at, actor FROM events WHERE repo_id = ?1
ON CONFLICT (repo_id, kind, at, actor) DO NOTHING)sql",
    R"sql(INSERT INTO history_counts (repo_id, kind, day, count)
SELECT ?2, kind, day, count FROM history_counts WHERE repo_id = ?1
ON CONFLICT (repo_id, kind, day) DO UPDATE SET count = max(count, excluded.count))sql",
    R"sql(INSERT INTO downloads (repo_id, day, observed_at, release, asset, downloads)
SELECT ?2, day, observed_at, release, asset, downloads FROM downloads WHERE repo_id = ?1
ON CONFLICT (repo_id, day, release, asset) DO UPDATE SET
  observed_at = excluded.observed_at, downloads = excluded.downloads
WHERE excluded.observed_at > downloads.observed_at)sql",
    R"sql(INSERT INTO backfill_state (repo_id, kind, source, next_url, next_position,
  through_day, complete, resume_before, pass_until, approximate_from, note, updated_at)
SELECT ?2, kind, source, next_url, next_position, through_day, complete, resume_before,
  pass_until, approximate_from, note, updated_at FROM backfill_state WHERE repo_id = ?1
ON CONFLICT (repo_id, kind) DO UPDATE SET
  source = excluded.source, next_url = excluded.next_url,
  next_position = excluded.next_position, through_day = excluded.through_day,
  complete = excluded.complete, resume_before = excluded.resume_before,
  pass_until = excluded.pass_until, approximate_from = excluded.approximate_from,
  note = excluded.note, updated_at = excluded.updated_at
WHERE excluded.updated_at > backfill_state.updated_at)sql",
    R"sql(DELETE FROM history_counts WHERE repo_id = ?1)sql",
    R"sql(DELETE FROM downloads WHERE repo_id = ?1)sql",
    R"sql(DELETE FROM backfill_state WHERE repo_id = ?1)sql",
    R"sql(DELETE FROM traffic_days WHERE repo_id = ?1)sql",
    R"sql(DELETE FROM windows WHERE repo_id = ?1)sql",
    R"sql(DELETE FROM path_snapshots WHERE repo_id = ?1)sql",
    R"sql(DELETE FROM referrer_snapshots WHERE repo_id = ?1)sql",
    R"sql(DELETE FROM top_snapshots WHERE repo_id = ?1)sql",
    R"sql(DELETE FROM counters WHERE repo_id = ?1)sql",
    R"sql(DELETE FROM events WHERE repo_id = ?1)sql",
    R"sql(DELETE FROM repo_names WHERE repo_id = ?1)sql",
    R"sql(DELETE FROM repos WHERE id = ?1)sql",
};

inline constexpr std::string_view k_select_days = R"sql(
SELECT day, count, uniques FROM traffic_days
WHERE repo_id = ?1 AND kind = ?2 AND day BETWEEN ?3 AND ?4 ORDER BY day)sql";

// max() again in SQL, so that a day can only grow even if two writers race (R2). uniques
// may be NULL (unknown), which SQL's max() would spread: an unknown one loses to a known.
inline constexpr std::string_view k_upsert_day = R"sql(
INSERT INTO traffic_days (repo_id, kind, day, count, uniques) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (repo_id, kind, day) DO UPDATE SET
  count = max(count, excluded.count),
  uniques = max(coalesce(uniques, excluded.uniques), coalesce(excluded.uniques, uniques)))sql";

inline constexpr std::string_view k_count_days = R"sql(
SELECT count(DISTINCT day) FROM traffic_days WHERE repo_id = ?1)sql";

inline constexpr std::string_view k_insert_window = R"sql(
INSERT INTO windows (repo_id, kind, observed_at, count, uniques) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (repo_id, kind, observed_at) DO NOTHING)sql";

inline constexpr std::string_view k_select_snapshot_time = R"sql(
SELECT observed_at FROM top_snapshots WHERE repo_id = ?1 AND list = ?2 AND day = ?3)sql";

inline constexpr std::string_view k_upsert_snapshot = R"sql(
INSERT INTO top_snapshots (repo_id, list, day, observed_at) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (repo_id, list, day) DO UPDATE SET observed_at = excluded.observed_at)sql";

// The only deletes of the store, with k_link_provisional's (which moves history, R8): a
// day's top-10 entries replaced by a later list (R5, R9).
inline constexpr std::string_view k_clear_path_entries = R"sql(
DELETE FROM path_snapshots WHERE repo_id = ?1 AND day = ?2)sql";
inline constexpr std::string_view k_clear_referrer_entries = R"sql(
DELETE FROM referrer_snapshots WHERE repo_id = ?1 AND day = ?2)sql";

inline constexpr std::string_view k_insert_path_entry = R"sql(
INSERT INTO path_snapshots (repo_id, day, observed_at, rank, path, title, count, uniques)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8))sql";

inline constexpr std::string_view k_insert_referrer_entry = R"sql(
INSERT INTO referrer_snapshots (repo_id, day, observed_at, rank, referrer, count, uniques)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7))sql";

inline constexpr std::string_view k_upsert_counters = R"sql(
INSERT INTO counters (repo_id, day, observed_at, stars, forks, watchers, open_issues)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (repo_id, day) DO UPDATE SET
  observed_at = excluded.observed_at, stars = excluded.stars, forks = excluded.forks,
  watchers = excluded.watchers, open_issues = excluded.open_issues
WHERE excluded.observed_at > counters.observed_at)sql";

inline constexpr std::string_view k_insert_event = R"sql(
INSERT INTO events (repo_id, kind, at, actor) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (repo_id, kind, at, actor) DO NOTHING)sql";

inline constexpr std::string_view k_upsert_cache = R"sql(
INSERT INTO http_cache (url, etag, body, stored_at) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (url) DO UPDATE SET
  etag = excluded.etag, body = excluded.body, stored_at = excluded.stored_at
WHERE excluded.stored_at >= http_cache.stored_at)sql";

inline constexpr std::string_view k_select_cache = R"sql(
SELECT etag, body FROM http_cache WHERE url = ?1)sql";

inline constexpr std::string_view k_insert_run = R"sql(
INSERT INTO runs (started_at) VALUES (?1))sql";

inline constexpr std::string_view k_finish_run = R"sql(
UPDATE runs SET finished_at = ?2, repos_ok = ?3, repos_failed = ?4 WHERE id = ?1)sql";

inline constexpr std::string_view k_select_last_run = R"sql(
SELECT id, started_at, finished_at, repos_ok, repos_failed FROM runs
ORDER BY id DESC LIMIT 1)sql";

// A late attempt of an earlier time never replaces a later one.
inline constexpr std::string_view k_upsert_attempt = R"sql(
INSERT INTO repo_attempts (key, repo_id, full_name, run_id, at, error)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (key) DO UPDATE SET
  repo_id = excluded.repo_id, full_name = excluded.full_name, run_id = excluded.run_id,
  at = excluded.at, error = excluded.error
WHERE excluded.at >= repo_attempts.at)sql";

inline constexpr std::string_view k_select_attempts = R"sql(
SELECT full_name, repo_id, run_id, at, error FROM repo_attempts
ORDER BY full_name COLLATE NOCASE, full_name, key)sql";

// First and last day per kind, so that each lookup is one step in the primary key even
// with years of days.
inline constexpr std::string_view k_select_repos = R"sql(
SELECT r.id, r.full_name, r.visibility, r.archived, r.fork, r.last_collected,
  (SELECT min(first) FROM (
     SELECT min(day) AS first FROM traffic_days WHERE repo_id = r.id AND kind = 'views'
     UNION ALL
     SELECT min(day) FROM traffic_days WHERE repo_id = r.id AND kind = 'clones')),
  (SELECT max(last) FROM (
     SELECT max(day) AS last FROM traffic_days WHERE repo_id = r.id AND kind = 'views'
     UNION ALL
     SELECT max(day) FROM traffic_days WHERE repo_id = r.id AND kind = 'clones'))
FROM repos r ORDER BY r.full_name COLLATE NOCASE, r.full_name, r.id)sql";

inline constexpr std::string_view k_select_names = R"sql(
SELECT repo_id, full_name FROM repo_names ORDER BY repo_id, first_seen, full_name)sql";

inline constexpr std::string_view k_select_windows = R"sql(
SELECT kind, observed_at, count, uniques FROM windows WHERE repo_id = ?1
ORDER BY observed_at, CASE kind WHEN 'views' THEN 0 ELSE 1 END)sql";

// Stored times are fixed-width UTC text, so text order is time order. The kinds are named
// so that the key (repo_id, kind, observed_at) seeks to the time in each.
inline constexpr std::string_view k_select_windows_since = R"sql(
SELECT kind, observed_at, count, uniques FROM windows
WHERE repo_id = ?1 AND kind IN ('views', 'clones') AND observed_at >= ?2
ORDER BY observed_at, CASE kind WHEN 'views' THEN 0 ELSE 1 END)sql";

inline constexpr std::string_view k_select_path_snapshots = R"sql(
SELECT s.day, s.observed_at, e.rank, e.path, e.title, e.count, e.uniques
FROM top_snapshots s
LEFT JOIN path_snapshots e ON e.repo_id = s.repo_id AND e.day = s.day
WHERE s.repo_id = ?1 AND s.list = 'paths' AND s.day BETWEEN ?2 AND ?3
ORDER BY s.day, e.rank)sql";

inline constexpr std::string_view k_select_referrer_snapshots = R"sql(
SELECT s.day, s.observed_at, e.rank, e.referrer, e.count, e.uniques
FROM top_snapshots s
LEFT JOIN referrer_snapshots e ON e.repo_id = s.repo_id AND e.day = s.day
WHERE s.repo_id = ?1 AND s.list = 'referrers' AND s.day BETWEEN ?2 AND ?3
ORDER BY s.day, e.rank)sql";

inline constexpr std::string_view k_select_counters = R"sql(
SELECT observed_at, stars, forks, watchers, open_issues FROM counters
WHERE repo_id = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day)sql";

inline constexpr std::string_view k_select_events = R"sql(
SELECT kind, at, actor FROM events WHERE repo_id = ?1 ORDER BY at, kind, actor)sql";

// Star and fork history (R6): a day's count only grows (R9).
inline constexpr std::string_view k_select_history_count = R"sql(
SELECT count FROM history_counts WHERE repo_id = ?1 AND kind = ?2 AND day = ?3)sql";

inline constexpr std::string_view k_upsert_history_count = R"sql(
INSERT INTO history_counts (repo_id, kind, day, count) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (repo_id, kind, day) DO UPDATE SET count = max(count, excluded.count))sql";

inline constexpr std::string_view k_select_history_counts = R"sql(
SELECT day, count FROM history_counts
WHERE repo_id = ?1 AND kind = ?2 AND day BETWEEN ?3 AND ?4 ORDER BY day)sql";

inline constexpr std::string_view k_upsert_backfill_state = R"sql(
INSERT INTO backfill_state (repo_id, kind, source, next_url, next_position, through_day,
  complete, resume_before, pass_until, approximate_from, note, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
ON CONFLICT (repo_id, kind) DO UPDATE SET
  source = excluded.source, next_url = excluded.next_url,
  next_position = excluded.next_position, through_day = excluded.through_day,
  complete = excluded.complete, resume_before = excluded.resume_before,
  pass_until = excluded.pass_until, approximate_from = excluded.approximate_from,
  note = excluded.note, updated_at = excluded.updated_at)sql";

inline constexpr std::string_view k_select_backfill_state = R"sql(
SELECT source, next_url, next_position, through_day, complete, approximate_from, note,
  updated_at, resume_before, pass_until
FROM backfill_state WHERE repo_id = ?1 AND kind = ?2)sql";

// A day's download snapshot is the latest of the day, per asset (R6).
inline constexpr std::string_view k_upsert_download = R"sql(
INSERT INTO downloads (repo_id, day, observed_at, release, asset, downloads)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (repo_id, day, release, asset) DO UPDATE SET
  observed_at = excluded.observed_at, downloads = excluded.downloads
WHERE excluded.observed_at > downloads.observed_at)sql";

inline constexpr std::string_view k_select_downloads = R"sql(
SELECT day, max(observed_at) OVER (PARTITION BY day), release, asset, downloads
FROM downloads WHERE repo_id = ?1 AND day BETWEEN ?2 AND ?3
ORDER BY day, release, asset)sql";

}  // namespace ghtraffic::store::sqlite::sql

#include "ghtraffic/store/sqlite/schema.hpp"

#include <iterator>
#include <string_view>

#include "ghtraffic/store/sqlite/sqlite_handle.hpp"
#include "ghtraffic/util/error.hpp"

namespace ghtraffic::store::sqlite {

namespace {

// Migration N (1-based) takes a store from version N-1 to N. Append only: a migration that
// has shipped is never edited.
constexpr std::string_view k_migrations[] = {
    // 1: the first layout.
    R"sql(
CREATE TABLE repos (
  id INTEGER PRIMARY KEY,
  full_name TEXT NOT NULL,
  visibility TEXT NOT NULL DEFAULT '',
  archived INTEGER NOT NULL DEFAULT 0,
  fork INTEGER NOT NULL DEFAULT 0,
  first_seen TEXT NOT NULL,
  last_collected TEXT
);

CREATE TABLE repo_names (
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  full_name TEXT NOT NULL COLLATE NOCASE,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  PRIMARY KEY (repo_id, full_name)
) WITHOUT ROWID;
CREATE INDEX repo_names_by_name ON repo_names (full_name, last_seen);

CREATE TABLE traffic_days (
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  kind TEXT NOT NULL CHECK (kind IN ('views', 'clones')),
  day TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  uniques INTEGER NOT NULL CHECK (uniques >= 0),
  PRIMARY KEY (repo_id, kind, day)
) WITHOUT ROWID;

CREATE TABLE windows (
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  kind TEXT NOT NULL CHECK (kind IN ('views', 'clones')),
  observed_at TEXT NOT NULL,
  count INTEGER NOT NULL,
  uniques INTEGER NOT NULL,
  PRIMARY KEY (repo_id, kind, observed_at)
) WITHOUT ROWID;

-- One top-10 snapshot per repository, list and UTC day; its entries are in the tables
-- below. A snapshot may have no entries (no traffic), which is not the same as no snapshot.
CREATE TABLE top_snapshots (
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  list TEXT NOT NULL CHECK (list IN ('paths', 'referrers')),
  day TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  PRIMARY KEY (repo_id, list, day)
) WITHOUT ROWID;

CREATE TABLE path_snapshots (
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  day TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  rank INTEGER NOT NULL,
  path TEXT NOT NULL,
  title TEXT NOT NULL,
  count INTEGER NOT NULL,
  uniques INTEGER NOT NULL,
  PRIMARY KEY (repo_id, day, rank)
) WITHOUT ROWID;

CREATE TABLE referrer_snapshots (
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  day TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  rank INTEGER NOT NULL,
  referrer TEXT NOT NULL,
  count INTEGER NOT NULL,
  uniques INTEGER NOT NULL,
  PRIMARY KEY (repo_id, day, rank)
) WITHOUT ROWID;

CREATE TABLE counters (
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  day TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  stars INTEGER NOT NULL,
  forks INTEGER NOT NULL,
  watchers INTEGER NOT NULL,
  open_issues INTEGER NOT NULL,
  PRIMARY KEY (repo_id, day)
) WITHOUT ROWID;

CREATE TABLE events (
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  kind TEXT NOT NULL CHECK (kind IN ('star', 'fork')),
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  PRIMARY KEY (repo_id, kind, at, actor)
) WITHOUT ROWID;

CREATE TABLE http_cache (
  url TEXT PRIMARY KEY,
  etag TEXT NOT NULL,
  body TEXT NOT NULL,
  stored_at TEXT NOT NULL
);

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  repos_ok INTEGER NOT NULL DEFAULT 0,
  repos_failed INTEGER NOT NULL DEFAULT 0
);
)sql",
    // 2: each repository's latest collection attempt, for `status`. The key is 'id:' and
    // GitHub's id, or 'name:' and the lower-case name when the run never learned the id.
    R"sql(
CREATE TABLE repo_attempts (
  key TEXT PRIMARY KEY,
  repo_id INTEGER NOT NULL,
  full_name TEXT NOT NULL,
  run_id INTEGER NOT NULL,
  at TEXT NOT NULL,
  error TEXT NOT NULL
);
)sql",
    // 3: a day's uniques and a popular path's may be unknown (NULL), for history imported
    // from files that never had them (the reference design's pair); never stored as 0.
    // SQLite cannot drop NOT NULL from a column, so both tables are copied over.
    R"sql(
CREATE TABLE traffic_days_v3 (
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  kind TEXT NOT NULL CHECK (kind IN ('views', 'clones')),
  day TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  uniques INTEGER CHECK (uniques IS NULL OR uniques >= 0),
  PRIMARY KEY (repo_id, kind, day)
) WITHOUT ROWID;
INSERT INTO traffic_days_v3 (repo_id, kind, day, count, uniques)
  SELECT repo_id, kind, day, count, uniques FROM traffic_days;
DROP TABLE traffic_days;
ALTER TABLE traffic_days_v3 RENAME TO traffic_days;

CREATE TABLE path_snapshots_v3 (
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  day TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  rank INTEGER NOT NULL,
  path TEXT NOT NULL,
  title TEXT NOT NULL,
  count INTEGER NOT NULL,
  uniques INTEGER,
  PRIMARY KEY (repo_id, day, rank)
) WITHOUT ROWID;
INSERT INTO path_snapshots_v3 (repo_id, day, observed_at, rank, path, title, count, uniques)
  SELECT repo_id, day, observed_at, rank, path, title, count, uniques FROM path_snapshots;
DROP TABLE path_snapshots;
ALTER TABLE path_snapshots_v3 RENAME TO path_snapshots;
)sql",
    // 4: star and fork history before and between collections (R6), the backfill's place
    // in each source, and release assets' daily download snapshots.
    R"sql(
CREATE TABLE history_counts (
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  kind TEXT NOT NULL CHECK (kind IN ('stars', 'forks')),
  day TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  PRIMARY KEY (repo_id, kind, day)
) WITHOUT ROWID;

CREATE TABLE backfill_state (
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  kind TEXT NOT NULL CHECK (kind IN ('stars', 'forks')),
  source TEXT NOT NULL,
  next_url TEXT NOT NULL,
  next_position INTEGER NOT NULL,
  through_day TEXT,
  complete INTEGER NOT NULL,
  resume_before TEXT,
  pass_until TEXT,
  approximate_from TEXT,
  note TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (repo_id, kind)
) WITHOUT ROWID;

CREATE TABLE downloads (
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  day TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  release TEXT NOT NULL,
  asset TEXT NOT NULL,
  downloads INTEGER NOT NULL CHECK (downloads >= 0),
  PRIMARY KEY (repo_id, day, release, asset)
) WITHOUT ROWID;
)sql",
};

int pragma_int(sqlite3* db, const char* sql) {
  auto stmt = prepare(db, sql);
  Cursor cursor(stmt.get());
  return cursor.step() ? static_cast<int>(cursor.int64(0)) : 0;
}

bool has_tables(sqlite3* db) {
  auto stmt = prepare(db, "SELECT count(*) FROM sqlite_schema");
  Cursor cursor(stmt.get());
  return cursor.step() && cursor.int64(0) > 0;
}

// Refuses files that are not ours or are newer than this code; returns the version.
int checked_version(sqlite3* db, const std::string& describe) {
  int application_id = pragma_int(db, "PRAGMA application_id");
  int version = pragma_int(db, "PRAGMA user_version");
  if ((application_id != 0 && application_id != k_application_id) ||
      (application_id == 0 && version == 0 && has_tables(db))) {
    throw util::Error(
        "{} is an SQLite database of another program, not a ghtraffic store; choose another "
        "path for the store",
        describe);
  }
  if (version > current_schema_version()) {
    throw util::Error(
        "{} was written by a newer ghtraffic (store version {}, this ghtraffic knows up to "
        "{}); upgrade ghtraffic to use it",
        describe, version, current_schema_version());
  }
  return version;
}

}  // namespace

int current_schema_version() {
  return static_cast<int>(std::size(k_migrations));
}

void migrate(sqlite3* db, const std::string& describe) {
  // Cheap check first, without taking the write lock.
  if (checked_version(db, describe) == current_schema_version()) {
    return;
  }
  // Another process may be migrating at the same time: decide again under the lock.
  execute(db, "BEGIN IMMEDIATE");
  try {
    int version = checked_version(db, describe);
    for (int next = version + 1; next <= current_schema_version(); ++next) {
      execute(db, std::string(k_migrations[next - 1]).c_str());
      execute(db, ("PRAGMA user_version = " + std::to_string(next)).c_str());
    }
    execute(db, ("PRAGMA application_id = " + std::to_string(k_application_id)).c_str());
    execute(db, "COMMIT");
  } catch (...) {
    if (sqlite3_get_autocommit(db) == 0) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    throw;
  }
}

int check_schema(sqlite3* db, const std::string& describe) {
  int version = checked_version(db, describe);
  if (version < k_oldest_readable_version) {
    throw util::Error(
        "{} uses an older layout (store version {}); run `ghtraffic collect` once to upgrade "
        "it",
        describe, version);
  }
  return version;
}

}  // namespace ghtraffic::store::sqlite

#include "ghtraffic/store/sqlite/sqlite_store.hpp"

#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "ghtraffic/core/rules.hpp"
#include "ghtraffic/store/common.hpp"
#include "ghtraffic/store/sqlite/history_writer.hpp"
#include "ghtraffic/store/sqlite/import_writer.hpp"
#include "ghtraffic/store/sqlite/schema.hpp"
#include "ghtraffic/store/sqlite/sqlite_handle.hpp"
#include "ghtraffic/store/sqlite/statements.hpp"
#include "ghtraffic/store/sqlite/stored_values.hpp"
#include "ghtraffic/store/sqlite/windows_since.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/file_lock.hpp"
#include "ghtraffic/util/private_files.hpp"

namespace ghtraffic::store::sqlite {

namespace {

constexpr int k_busy_timeout_ms = 10'000;

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

// A write the file system refused: SQLite calls a full disk SQLITE_FULL, and a quota, a file
// size limit or a failing disk SQLITE_IOERR_WRITE (the errno that tells them apart is gone
// by then). Every later write of the run would fail the same way.
bool write_refused(const SqliteError& e) {
  return e.primary_code() == SQLITE_FULL || e.code() == SQLITE_IOERR_WRITE;
}

class SqliteCollectLock final : public CollectLock {
 public:
  explicit SqliteCollectLock(util::FileLock lock) : m_lock(std::move(lock)) {}

 private:
  util::FileLock m_lock;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, DatabaseHandle db, bool read_only, int version)
      : m_describe("sqlite:" + path),
        m_db(std::move(db)),
        m_read_only(read_only),
        m_version(version) {}

  std::string describe() const override { return m_describe; }

  CommitResult commit(const core::RepoObservation& observation) override {
    auto repo_name = name_for_messages(observation);
    require_writable(m_read_only, m_describe);
    require_repository_id(observation);
    try {
      Transaction transaction(m_db.get(), "BEGIN IMMEDIATE");
      auto result = write_observation(observation);
      transaction.commit();
      return result;
    } catch (const SqliteError& e) {
      if (write_refused(e)) {
        throw StoreFull(fmt::format(
            "could not write to {}: {} — the store's files could not grow (a full disk, a "
            "quota or a file size limit) or the disk failed; free some space or check the disk "
            "and run again; nothing of {} was stored",
            m_describe, e.what(), repo_name));
      }
      throw util::Error("could not write to {}: {} — {}; nothing of {} was stored", m_describe,
                        e.what(), hint_for(e.primary_code()), repo_name);
    }
  }

  ImportResult import_history(const core::ImportedHistory& history) override {
    require_writable(m_read_only, m_describe);
    try {
      Transaction transaction(m_db.get(), "BEGIN IMMEDIATE");
      auto result = write_imported_history(
          m_db.get(), [this](std::string_view sql) { return statement(sql); }, history);
      transaction.commit();
      return result;
    } catch (const SqliteError& e) {
      throw util::Error("could not write to {}: {} — {}; nothing of {} was imported", m_describe,
                        e.what(), hint_for(e.primary_code()), history.full_name);
    }
  }

  BackfillResult commit_backfill(const core::Backfill& backfill) override {
    require_writable(m_read_only, m_describe);
    try {
      Transaction transaction(m_db.get(), "BEGIN IMMEDIATE");
      {
        auto cursor = query(sql::k_select_repo_exists);
        cursor.bind(backfill.id);
        if (!cursor.step()) {
          throw util::Error("{} is not in {} yet; collect or import it before a backfill",
                            backfill.full_name, m_describe);
        }
      }
      const StatementFor statement = [this](std::string_view sql) { return this->statement(sql); };
      auto result =
          write_history_counts(statement, backfill.id, core::CountKind::stars, backfill.stars);
      auto forks =
          write_history_counts(statement, backfill.id, core::CountKind::forks, backfill.forks);
      result.new_days += forks.new_days;
      result.grown_days += forks.grown_days;
      for (const auto& state : backfill.states) {
        write_backfill_state(statement, backfill.id, state);
      }
      transaction.commit();
      return result;
    } catch (const SqliteError& e) {
      throw util::Error("could not write to {}: {} — {}; nothing of {} was backfilled", m_describe,
                        e.what(), hint_for(e.primary_code()), backfill.full_name);
    }
  }

  std::optional<core::CachedResponse> cached_response(const std::string& url) override {
    return reading([&]() -> std::optional<core::CachedResponse> {
      auto cursor = query(sql::k_select_cache);
      cursor.bind(url);
      if (!cursor.step()) {
        return std::nullopt;
      }
      return core::CachedResponse{url, cursor.text(0), cursor.text(1)};
    });
  }

  std::int64_t begin_run(util::Timestamp started_at) override {
    require_writable(m_read_only, m_describe);
    return writing([&] {
      query(sql::k_insert_run).bind(time_text(started_at)).run();
      return static_cast<std::int64_t>(sqlite3_last_insert_rowid(m_db.get()));
    });
  }

  void finish_run(std::int64_t run_id, util::Timestamp finished_at, int repos_ok,
                  int repos_failed) override {
    require_writable(m_read_only, m_describe);
    writing([&] {
      query(sql::k_finish_run)
          .bind(run_id)
          .bind(time_text(finished_at))
          .bind(repos_ok)
          .bind(repos_failed)
          .run();
      return 0;
    });
  }

  void record_attempt(const RepoAttempt& attempt) override {
    require_writable(m_read_only, m_describe);
    writing([&] {
      query(sql::k_upsert_attempt)
          .bind(attempt_key(attempt))
          .bind(attempt.repo_id)
          .bind(attempt.full_name)
          .bind(attempt.run_id)
          .bind(time_text(attempt.at))
          .bind(attempt.error)
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
        auto cursor = query(sql::k_select_repos);
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
      auto cursor = query(sql::k_select_names);
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
      auto cursor = query(sql::k_select_days);
      cursor.bind(repo).bind(core::to_string(kind)).bind(range_from(range)).bind(range_to(range));
      while (cursor.step()) {
        out.push_back(
            {parse_stored_day(cursor.text(0)), cursor.int64(1), cursor.optional_int64(2)});
      }
      return out;
    });
  }

  std::vector<WindowRecord> windows(core::RepoId repo) override {
    return reading([&] {
      std::vector<WindowRecord> out;
      auto cursor = query(sql::k_select_windows);
      cursor.bind(repo);
      while (cursor.step()) {
        out.push_back({parse_stored_kind(cursor.text(0)), parse_stored_time(cursor.text(1)),
                       cursor.int64(2), cursor.int64(3)});
      }
      return out;
    });
  }

  std::vector<WindowRecord> windows_since(core::RepoId repo, util::Timestamp from) {
    return reading([&] {
      std::vector<WindowRecord> out;
      auto cursor = query(sql::k_select_windows_since);
      cursor.bind(repo).bind(time_text(from));
      while (cursor.step()) {
        out.push_back({parse_stored_kind(cursor.text(0)), parse_stored_time(cursor.text(1)),
                       cursor.int64(2), cursor.int64(3)});
      }
      return out;
    });
  }

  std::vector<core::PathSnapshot> path_snapshots(core::RepoId repo,
                                                 const DayRange& range) override {
    return snapshots<core::PathSnapshot>(
        sql::k_select_path_snapshots, repo, range, [](const Cursor& cursor) {
          return core::PopularPath{cursor.text(3), cursor.text(4), cursor.int64(5),
                                   cursor.optional_int64(6)};
        });
  }

  std::vector<core::ReferrerSnapshot> referrer_snapshots(core::RepoId repo,
                                                         const DayRange& range) override {
    return snapshots<core::ReferrerSnapshot>(
        sql::k_select_referrer_snapshots, repo, range, [](const Cursor& cursor) {
          return core::Referrer{cursor.text(3), cursor.int64(4), cursor.int64(5)};
        });
  }

  std::vector<core::CounterSnapshot> counters(core::RepoId repo, const DayRange& range) override {
    return reading([&] {
      std::vector<core::CounterSnapshot> out;
      auto cursor = query(sql::k_select_counters);
      cursor.bind(repo).bind(range_from(range)).bind(range_to(range));
      while (cursor.step()) {
        // A negative watchers or open issues figure is one an import did not know.
        auto known = [&](int column) {
          auto value = cursor.int64(column);
          return value < 0 ? std::nullopt : std::optional(value);
        };
        out.push_back({parse_stored_time(cursor.text(0)), cursor.int64(1), cursor.int64(2),
                       known(3), known(4)});
      }
      return out;
    });
  }

  std::vector<core::RepoEvent> events(core::RepoId repo) override {
    return reading([&] {
      std::vector<core::RepoEvent> out;
      auto cursor = query(sql::k_select_events);
      cursor.bind(repo);
      while (cursor.step()) {
        out.push_back({parse_stored_event_kind(cursor.text(0)), parse_stored_time(cursor.text(1)),
                       cursor.text(2)});
      }
      return out;
    });
  }

  std::vector<core::HistoryCount> history_counts(core::RepoId repo, core::CountKind kind,
                                                 const DayRange& range) override {
    if (m_version < 4) {
      return {};  // a store no ghtraffic with history has written yet
    }
    return reading([&] {
      return read_history_counts([this](std::string_view sql) { return statement(sql); }, repo,
                                 kind, range);
    });
  }

  std::optional<core::BackfillState> backfill_state(core::RepoId repo,
                                                    core::CountKind kind) override {
    if (m_version < 4) {
      return std::nullopt;
    }
    return reading([&] {
      return read_backfill_state([this](std::string_view sql) { return statement(sql); }, repo,
                                 kind);
    });
  }

  std::vector<core::DownloadSnapshot> downloads(core::RepoId repo, const DayRange& range) override {
    if (m_version < 4) {
      return {};
    }
    return reading([&] {
      return read_downloads([this](std::string_view sql) { return statement(sql); }, repo, range);
    });
  }

  std::vector<RepoAttempt> attempts() override {
    if (m_version < 2) {
      return {};  // a store no ghtraffic with attempts has written yet
    }
    return reading([&] {
      std::vector<RepoAttempt> out;
      auto cursor = query(sql::k_select_attempts);
      while (cursor.step()) {
        out.push_back({cursor.text(0), cursor.int64(1), cursor.int64(2),
                       parse_stored_time(cursor.text(3)), cursor.text(4)});
      }
      return out;
    });
  }

  std::optional<RunRecord> last_run() override {
    return reading([&]() -> std::optional<RunRecord> {
      auto cursor = query(sql::k_select_last_run);
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

  // A top-10 series: one row per entry, ordered by day and rank; a snapshot without entries
  // is one row with NULL entry columns (R5).
  template <typename Snapshot, typename EntryOf>
  std::vector<Snapshot> snapshots(std::string_view sql, core::RepoId repo, const DayRange& range,
                                  EntryOf entry_of) {
    return reading([&] {
      std::vector<Snapshot> out;
      auto cursor = query(sql);
      cursor.bind(repo).bind(range_from(range)).bind(range_to(range));
      std::string current_day;
      while (cursor.step()) {
        if (out.empty() || cursor.text(0) != current_day) {
          current_day = cursor.text(0);
          out.push_back({parse_stored_time(cursor.text(1)), {}});
        }
        if (!cursor.is_null(2)) {
          out.back().entries.push_back(entry_of(cursor));
        }
      }
      return out;
    });
  }

  sqlite3_stmt* statement(std::string_view sql) {
    auto it = m_statements.find(sql);
    if (it == m_statements.end()) {
      it = m_statements.emplace(sql, prepare(m_db.get(), sql, SQLITE_PREPARE_PERSISTENT)).first;
    }
    return it->second.get();
  }

  Cursor query(std::string_view sql) { return Cursor(statement(sql)); }

  CommitResult write_observation(const core::RepoObservation& observation) {
    const auto id = observation.meta.id;
    const auto observed_at = time_text(observation.observed_at);
    const auto full_name = current_name(observation);

    query(sql::k_insert_repo).bind(id).bind(full_name).bind(observed_at).run();
    query(sql::k_update_repo)
        .bind(id)
        .bind(full_name)
        .bind(observation.meta.visibility)
        .bind(observation.meta.archived)
        .bind(observation.meta.fork)
        .bind(observed_at)
        .bind(observation.details_known)
        .run();
    for (const auto& name : observation.names) {
      if (!name.empty()) {
        query(sql::k_record_name).bind(id).bind(name).bind(observed_at).run();
      }
    }
    if (!full_name.empty()) {
      query(sql::k_record_canonical_name).bind(id).bind(full_name).bind(observed_at).run();
    }
    auto names = observation.names;
    names.push_back(full_name);
    link_imported_by_name([this](std::string_view sql) { return statement(sql); }, id, names);

    CommitResult result;
    result.repo_id = id;
    if (observation.views) {
      merge_window(id, core::TrafficKind::views, *observation.views, result);
    }
    if (observation.clones) {
      merge_window(id, core::TrafficKind::clones, *observation.clones, result);
    }

    if (observation.details_known) {
      const auto& meta = observation.meta;
      query(sql::k_upsert_counters)
          .bind(id)
          .bind(day_text(util::day_of(observation.observed_at)))
          .bind(observed_at)
          .bind(meta.stars)
          .bind(meta.forks)
          .bind(meta.watchers)
          .bind(meta.open_issues)
          .run();
    }

    if (observation.paths) {
      write_path_snapshot([this](std::string_view sql) { return query(sql); }, id,
                          *observation.paths);
    }
    if (observation.referrers) {
      write_referrer_snapshot([this](std::string_view sql) { return query(sql); }, id,
                              *observation.referrers);
    }
    for (const auto& event : observation.events) {
      query(sql::k_insert_event)
          .bind(id)
          .bind(core::to_string(event.kind))
          .bind(time_text(event.at))
          .bind(event.actor)
          .run();
    }
    if (observation.downloads) {
      write_download_snapshot([this](std::string_view sql) { return statement(sql); }, id,
                              *observation.downloads);
    }
    for (const auto& entry : observation.cache) {
      query(sql::k_upsert_cache)
          .bind(entry.url)
          .bind(entry.etag)
          .bind(entry.body)
          .bind(observed_at)
          .run();
    }

    auto cursor = query(sql::k_count_days);
    cursor.bind(id);
    result.days_stored = cursor.step() ? static_cast<int>(cursor.int64(0)) : 0;
    return result;
  }

  // R2, R3: only new or grown covered days are written; uncovered days are left alone.
  void merge_window(core::RepoId id, core::TrafficKind kind, const core::TrafficWindow& window,
                    CommitResult& result) {
    const auto kind_text = core::to_string(kind);
    auto covered = core::covered_days(window);
    auto outcome =
        write_merged_days([this](std::string_view sql) { return query(sql); }, id, kind, covered);
    result.new_days += outcome.new_days;
    result.grown_days += outcome.grown_days;

    // R4
    query(sql::k_insert_window)
        .bind(id)
        .bind(kind_text)
        .bind(time_text(window.observed_at))
        .bind(window.count)
        .bind(window.uniques)
        .run();
  }

  std::string m_describe;
  DatabaseHandle m_db;  // declared before the statements: they are finalized first
  bool m_read_only;
  int m_version;  // the schema version of the file (older than current only read-only)
  // The SQL is a constant of statements.hpp: its address and length tell statements apart
  // without hashing a few hundred characters a query. Keys still compare by text, so the
  // same text at another address only gets a statement of its own.
  struct TextAddressHash {
    std::size_t operator()(std::string_view sql) const noexcept {
      return std::hash<const void*>{}(sql.data()) ^ sql.size();
    }
  };
  std::unordered_map<std::string_view, StatementHandle, TextAddressHash> m_statements;
};

}  // namespace

std::optional<std::vector<WindowRecord>> windows_since(Store& store, core::RepoId repo,
                                                       util::Timestamp from) {
  auto* sqlite = dynamic_cast<SqliteStore*>(&store);
  if (sqlite == nullptr) {
    return std::nullopt;
  }
  return sqlite->windows_since(repo, from);
}

namespace {

std::string absolute_path(const std::string& path) {
  std::error_code error;
  auto absolute = std::filesystem::absolute(path, error);
  return error ? path : absolute.lexically_normal().string();
}

// The store holds the traffic of private repositories: its folder and file are created
// without access for other users, and SQLite gives the -wal, -shm and journal files the
// mode of the store's file.
void create_parent_folder(const std::string& path) {
  auto folder = std::filesystem::path(path).parent_path();
  if (!folder.empty()) {
    util::create_private_folders(folder.string(), "the store");
  }
}

void configure(sqlite3* db, bool read_only) {
  sqlite3_busy_timeout(db, k_busy_timeout_ms);
  if (!read_only) {
    execute(db, "PRAGMA journal_mode = WAL");
  }
  // In WAL mode NORMAL loses no committed transaction when the process is killed; only a
  // power cut may lose the last ones, and the file stays consistent either way.
  execute(db, "PRAGMA synchronous = NORMAL");
  execute(db, "PRAGMA foreign_keys = ON");
}

// A WAL database needs its -wal and -shm files, which a reader creates when they are
// missing and cannot delete again; a reader without write access would leave them with
// the store's mode (0444 ones break the next collection), or fail in a folder it cannot
// write. When no -wal file exists no connection has the store open, so a reader that
// cannot write reads the file as immutable: SQLite then creates nothing, takes no locks
// and reads the file as it is when opened. Otherwise it shares the live WAL as usual.
bool open_as_immutable(const std::string& path) {
  std::error_code error;
  if (std::filesystem::exists(path + "-wal", error)) {
    return false;
  }
  auto folder = std::filesystem::path(path).parent_path().string();
  return ::access(path.c_str(), W_OK) != 0 || ::access(folder.c_str(), W_OK) != 0;
}

// file: URI of an absolute path, with the characters a URI path cannot hold escaped.
std::string immutable_uri(const std::string& path) {
  std::string uri = "file:";
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (c == '%' || c == '?' || c == '#' || u < 0x21 || u >= 0x7f) {
      uri += fmt::format("%{:02X}", u);
    } else {
      uri += c;
    }
  }
  return uri + "?immutable=1";
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
    // Failing here is left to sqlite3_open_v2, whose error says why.
    (void)util::create_private_file(path);
  }

  // NOMUTEX: a Store is used by one thread at a time (its statement cache is not shared
  // either), so SQLite's own lock around every call is only cost.
  int flags =
      SQLITE_OPEN_EXRESCODE | SQLITE_OPEN_NOMUTEX |
      (options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  auto target = path;
  if (options.read_only && open_as_immutable(path)) {
    target = immutable_uri(path);
    flags |= SQLITE_OPEN_URI;
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(target.c_str(), &raw, flags, nullptr);
  DatabaseHandle db(raw);
  if (rc != SQLITE_OK) {
    std::string message = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    throw util::Error("could not open {}: {} — {}", describe, message, hint_for(rc & 0xff));
  }
  int version = current_schema_version();
  try {
    configure(db.get(), options.read_only);
    if (options.read_only) {
      version = check_schema(db.get(), describe);
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
  return std::make_unique<SqliteStore>(path, std::move(db), options.read_only, version);
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

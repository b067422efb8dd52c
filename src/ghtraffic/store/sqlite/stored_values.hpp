// Reading back what the SQLite store wrote (days, times, kinds), merging days into it, and
// the BEGIN ... COMMIT guard: shared by the store and the import writer. A stored value that cannot
// be read is a SqliteError (SQLITE_CORRUPT) that the store turns into a message about the file.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/core/rules.hpp"
#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/sqlite/sqlite_handle.hpp"

namespace ghtraffic::store::sqlite {

util::Day parse_stored_day(const std::string& text);
util::Timestamp parse_stored_time(const std::string& text);
core::TrafficKind parse_stored_kind(const std::string& text);
core::EventKind parse_stored_event_kind(const std::string& text);

// R2, R3: merges days of one kind, sorted by day, into the repository's stored days: only
// the new and the grown days are written, each raised to the larger figures; days not
// given are left alone. A collection's commit and an import both write days this way.
core::MergeOutcome write_merged_days(const std::function<Cursor(std::string_view)>& query,
                                     core::RepoId id, core::TrafficKind kind,
                                     const std::vector<core::DayCount>& days);

// R5: writes a day's 14-day top 10 unless the stored one of that day was observed at the
// same time or later (none yet, or an earlier one, is replaced). True when it was written.
// A collection's commit and an import both write snapshots this way.
bool write_path_snapshot(const std::function<Cursor(std::string_view)>& query, core::RepoId id,
                         const core::PathSnapshot& snapshot);
bool write_referrer_snapshot(const std::function<Cursor(std::string_view)>& query, core::RepoId id,
                             const core::ReferrerSnapshot& snapshot);

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

}  // namespace ghtraffic::store::sqlite

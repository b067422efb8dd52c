// Reading back what the SQLite store wrote (days, times, kinds), and the BEGIN ... COMMIT
// guard: shared by the store and the import writer. A stored value that cannot be read is
// a SqliteError (SQLITE_CORRUPT) that the store turns into a message about the file.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/sqlite/sqlite_handle.hpp"

namespace ghtraffic::store::sqlite {

util::Day parse_stored_day(const std::string& text);
util::Timestamp parse_stored_time(const std::string& text);
core::TrafficKind parse_stored_kind(const std::string& text);
core::EventKind parse_stored_event_kind(const std::string& text);

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

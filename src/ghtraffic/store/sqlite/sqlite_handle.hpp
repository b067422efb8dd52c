// Move-only owners of SQLite's C handles, and a small statement cursor that binds, steps
// and reads columns, throwing SqliteError with SQLite's own message on failure. Only the
// SQLite backend includes this header.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ghtraffic::store::sqlite {

struct DatabaseCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using DatabaseHandle = std::unique_ptr<sqlite3, DatabaseCloser>;

struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// A failed SQLite call; the store turns it into a util::Error that names the store and
// says what to do.
class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& message) : std::runtime_error(message), m_code(code) {}
  int code() const { return m_code; }                 // extended result code
  int primary_code() const { return m_code & 0xff; }  // SQLITE_FULL, SQLITE_BUSY, ...

 private:
  int m_code;
};

[[noreturn]] inline void throw_last_error(sqlite3* db) {
  throw SqliteError(sqlite3_extended_errcode(db), sqlite3_errmsg(db));
}

inline void execute(sqlite3* db, const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw SqliteError(sqlite3_extended_errcode(db), text);
  }
}

inline StatementHandle prepare(sqlite3* db, std::string_view sql, unsigned flags = 0) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &stmt, nullptr) !=
      SQLITE_OK) {
    throw_last_error(db);
  }
  return StatementHandle(stmt);
}

// One use of a prepared statement: parameters bound in order, rows read by step(). The
// statement is reset and its bindings cleared when the cursor ends, so a cached statement
// is always ready for the next use.
class Cursor {
 public:
  explicit Cursor(sqlite3_stmt* stmt) : m_stmt(stmt) {}
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
  }

  Cursor& bind(std::int64_t value) {
    check(sqlite3_bind_int64(m_stmt, ++m_next_parameter, value));
    return *this;
  }
  Cursor& bind(int value) { return bind(static_cast<std::int64_t>(value)); }
  Cursor& bind(bool value) { return bind(static_cast<std::int64_t>(value ? 1 : 0)); }
  Cursor& bind(std::string_view value) {
    check(sqlite3_bind_text(m_stmt, ++m_next_parameter, value.data(),
                            static_cast<int>(value.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Cursor& bind(const std::string& value) { return bind(std::string_view(value)); }
  Cursor& bind(const char* value) { return bind(std::string_view(value)); }
  Cursor& bind(const std::optional<std::int64_t>& value) {
    if (!value) {
      check(sqlite3_bind_null(m_stmt, ++m_next_parameter));
      return *this;
    }
    return bind(*value);
  }
  Cursor& bind(const std::optional<std::string>& value) {
    if (!value) {
      check(sqlite3_bind_null(m_stmt, ++m_next_parameter));
      return *this;
    }
    return bind(*value);
  }

  // True while a row is available.
  bool step() {
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      return false;
    }
    throw_last_error(sqlite3_db_handle(m_stmt));
  }

  // Runs a statement that returns no rows.
  void run() {
    while (step()) {
    }
  }

  bool is_null(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
  std::int64_t int64(int column) const { return sqlite3_column_int64(m_stmt, column); }
  std::optional<std::int64_t> optional_int64(int column) const {
    if (is_null(column)) {
      return std::nullopt;
    }
    return int64(column);
  }
  std::string text(int column) const {
    const auto* data = sqlite3_column_text(m_stmt, column);
    if (data == nullptr) {
      return {};
    }
    return std::string(reinterpret_cast<const char*>(data),
                       static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)));
  }
  std::optional<std::string> optional_text(int column) const {
    if (is_null(column)) {
      return std::nullopt;
    }
    return text(column);
  }

 private:
  void check(int rc) const {
    if (rc != SQLITE_OK) {
      throw_last_error(sqlite3_db_handle(m_stmt));
    }
  }

  sqlite3_stmt* m_stmt;
  int m_next_parameter = 0;
};

}  // namespace ghtraffic::store::sqlite

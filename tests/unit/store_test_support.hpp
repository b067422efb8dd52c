// Helpers for the store tests: a temporary folder, observation builders and a dump of
// every data table of an SQLite store, read with the plain SQLite API.
#pragma once

#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/date.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::store::testing {

class TempDir {
 public:
  TempDir() {
    auto pattern = (std::filesystem::temp_directory_path() / "ghtraffic-store-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    m_path = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }

  const std::filesystem::path& path() const { return m_path; }
  std::string file(const std::string& name) const { return (m_path / name).string(); }

 private:
  std::filesystem::path m_path;
};

// The repository that holds a name now, else the latest one that held it, ignoring case,
// as Store::repositories() lists them with every name they were seen by (R8).
inline std::optional<core::RepoId> find_repo(Store& store, const std::string& name) {
  std::optional<core::RepoId> earlier;
  for (const auto& repo : store.repositories()) {
    if (util::iequals(repo.full_name, name)) {
      return repo.id;
    }
    for (const auto& old : repo.names) {
      if (util::iequals(old, name) && (!earlier || repo.id > *earlier)) {
        earlier = repo.id;
      }
    }
  }
  return earlier;
}

inline util::Day day(const char* text) {
  return *util::parse_day(text);
}
inline util::Timestamp at(const char* text) {
  return *util::parse_iso8601(text);
}

inline core::TrafficWindow window(core::TrafficKind kind, const char* observed_at,
                                  std::vector<core::DayCount> days, std::int64_t count = 0,
                                  std::int64_t uniques = 0) {
  core::TrafficWindow w;
  w.kind = kind;
  w.observed_at = at(observed_at);
  w.count = count;
  w.uniques = uniques;
  w.days = std::move(days);
  return w;
}

inline core::RepoObservation observation(core::RepoId id, const std::string& full_name,
                                         const char* observed_at) {
  core::RepoObservation o;
  o.meta.id = id;
  o.meta.full_name = full_name;
  o.meta.visibility = "public";
  o.observed_at = at(observed_at);
  o.names = {full_name};
  return o;
}

// Runs SQL on the file through a connection of its own (triggers, pragmas, inspection).
inline void run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_busy_timeout(db, 10'000);
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  std::string text = message != nullptr ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  if (rc != SQLITE_OK) {
    throw std::runtime_error("sql failed: " + text);
  }
}

inline std::vector<std::string> query_rows(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  std::vector<std::string> rows;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const auto* text = sqlite3_column_text(stmt, i);
        row +=
            (i > 0 ? "|" : "") + (text != nullptr ? std::string(reinterpret_cast<const char*>(text))
                                                  : std::string("NULL"));
      }
      rows.push_back(row);
    }
  } else {
    rows.push_back(std::string("error: ") + sqlite3_errmsg(db));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

// Every row of every data table (not runs), sorted: two dumps are equal when the stored
// data is the same.
inline std::string dump(const std::string& path) {
  static const char* const tables[] = {
      "repos",          "repo_names",         "traffic_days", "windows", "top_snapshots",
      "path_snapshots", "referrer_snapshots", "counters",     "events",  "http_cache",
      "history_counts", "backfill_state",     "downloads"};
  std::string out;
  for (const char* table : tables) {
    auto rows = query_rows(path, std::string("SELECT * FROM ") + table);
    std::sort(rows.begin(), rows.end());
    out += std::string("[") + table + "]\n";
    for (const auto& row : rows) {
      out += row + "\n";
    }
  }
  return out;
}

}  // namespace ghtraffic::store::testing

#include "ghtraffic/store/sqlite/import_writer.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "ghtraffic/core/rules.hpp"
#include "ghtraffic/store/common.hpp"
#include "ghtraffic/store/sqlite/history_writer.hpp"
#include "ghtraffic/store/sqlite/sqlite_handle.hpp"
#include "ghtraffic/store/sqlite/statements.hpp"
#include "ghtraffic/store/sqlite/stored_values.hpp"

namespace ghtraffic::store::sqlite {

namespace {

// Stored for a counter an import does not know (watchers, open issues); read back as none.
constexpr std::int64_t k_unknown_counter = -1;

class Writer {
 public:
  Writer(sqlite3* db, const StatementFor& statement) : m_db(db), m_statement(statement) {}

  Cursor query(std::string_view sql) { return Cursor(m_statement(sql)); }

  // Rows the last statement inserted or changed.
  int changes() const { return sqlite3_changes(m_db); }

  // The repository the history belongs to: its id, else the one that has or had the name
  // (GitHub's ids first), else a new negative id below every other (R8).
  core::RepoId repository_of(const core::ImportedHistory& history) {
    if (history.id != 0) {
      return history.id;
    }
    std::vector<std::string> names;
    for (const auto& known : history.names) {
      names.push_back(known.name);
    }
    names.push_back(history.full_name);
    for (const auto& name : names) {
      auto cursor = query(sql::k_select_repo_by_name);
      cursor.bind(name);
      if (cursor.step()) {
        return cursor.int64(0);
      }
    }
    auto cursor = query(sql::k_select_next_provisional_id);
    return cursor.step() ? cursor.int64(0) : -1;
  }

  bool exists(core::RepoId id) {
    auto cursor = query(sql::k_select_repo_exists);
    cursor.bind(id);
    return cursor.step();
  }

  // R2, R3: the listed days only, each raised to the larger figures.
  void merge_days(core::RepoId id, core::TrafficKind kind, std::vector<core::DayCount> days,
                  ImportResult& result) {
    if (days.empty()) {
      return;
    }
    std::sort(days.begin(), days.end(),
              [](const core::DayCount& a, const core::DayCount& b) { return a.day < b.day; });
    auto outcome =
        write_merged_days([this](std::string_view sql) { return query(sql); }, id, kind, days);
    result.new_days += outcome.new_days;
    result.grown_days += outcome.grown_days;
  }

  void write_paths(core::RepoId id, const core::PathSnapshot& snapshot, ImportResult& result) {
    if (write_path_snapshot([this](std::string_view sql) { return query(sql); }, id, snapshot)) {
      ++result.new_snapshots;
    }
  }

  void write_referrers(core::RepoId id, const core::ReferrerSnapshot& snapshot,
                       ImportResult& result) {
    if (write_referrer_snapshot([this](std::string_view sql) { return query(sql); }, id,
                                snapshot)) {
      ++result.new_snapshots;
    }
  }

 private:
  sqlite3* m_db;
  const StatementFor& m_statement;
};

}  // namespace

ImportResult write_imported_history(sqlite3* db, const StatementFor& statement,
                                    const core::ImportedHistory& history) {
  Writer writer(db, statement);
  ImportResult result;
  const auto id = writer.repository_of(history);
  result.repo_id = id;
  result.new_repo = !writer.exists(id);

  // R8: the names in their order; the repository row takes the first time as first seen.
  const auto first_seen = history.names.empty() ? util::Timestamp{} : history.names.front().seen;
  writer.query(sql::k_insert_repo)
      .bind(id)
      .bind(history.full_name)
      .bind(time_text(first_seen))
      .run();
  for (const auto& known : history.names) {
    writer.query(sql::k_record_name).bind(id).bind(known.name).bind(time_text(known.seen)).run();
  }
  if (id > 0) {
    // R8: what an earlier import kept by name only joins the id it has now.
    std::vector<std::string> names{history.full_name};
    for (const auto& known : history.names) {
      names.push_back(known.name);
    }
    link_imported_by_name(statement, id, names);
  }
  if (history.last_collected) {
    writer.query(sql::k_import_last_collected)
        .bind(id)
        .bind(time_text(*history.last_collected))
        .run();
  }

  writer.merge_days(id, core::TrafficKind::views, history.views, result);
  writer.merge_days(id, core::TrafficKind::clones, history.clones, result);
  for (const auto& window : history.windows) {
    writer.query(sql::k_insert_window)
        .bind(id)
        .bind(core::to_string(window.kind))
        .bind(time_text(window.observed_at))
        .bind(window.count)
        .bind(window.uniques)
        .run();
    result.new_windows += writer.changes();
  }
  for (const auto& snapshot : history.paths) {
    writer.write_paths(id, snapshot, result);
  }
  for (const auto& snapshot : history.referrers) {
    writer.write_referrers(id, snapshot, result);
  }
  for (const auto& counters : history.counters) {
    writer.query(sql::k_upsert_counters)
        .bind(id)
        .bind(day_text(util::day_of(counters.observed_at)))
        .bind(time_text(counters.observed_at))
        .bind(counters.stars)
        .bind(counters.forks)
        .bind(counters.watchers.value_or(k_unknown_counter))
        .bind(counters.open_issues.value_or(k_unknown_counter))
        .run();
    result.new_snapshots += writer.changes();
  }
  for (const auto& event : history.events) {
    writer.query(sql::k_insert_event)
        .bind(id)
        .bind(core::to_string(event.kind))
        .bind(time_text(event.at))
        .bind(event.actor)
        .run();
    result.new_events += writer.changes();
  }
  for (auto [kind, counts] : {std::pair{core::CountKind::stars, &history.star_history},
                              std::pair{core::CountKind::forks, &history.fork_history}}) {
    auto changed = write_history_counts(statement, id, kind, *counts);
    result.history_days += changed.new_days + changed.grown_days;
  }
  for (const auto& snapshot : history.downloads) {
    result.new_snapshots += write_download_snapshot(statement, id, snapshot) > 0 ? 1 : 0;
  }
  // A backfill state never moves back: the store keeps the later of its own and the files'.
  for (const auto& state : history.backfill_states) {
    auto stored = read_backfill_state(statement, id, state.kind);
    if (!stored || stored->updated_at < state.updated_at) {
      write_backfill_state(statement, id, state);
    }
  }
  return result;
}

void link_imported_by_name(const StatementFor& statement, core::RepoId id,
                           const std::vector<std::string>& names) {
  std::vector<core::RepoId> provisional;
  for (const auto& name : names) {
    Cursor cursor(statement(sql::k_select_provisional_by_name));
    cursor.bind(name);
    while (cursor.step()) {
      auto found = cursor.int64(0);
      if (std::find(provisional.begin(), provisional.end(), found) == provisional.end()) {
        provisional.push_back(found);
      }
    }
  }
  for (auto from : provisional) {
    for (auto sql : sql::k_link_provisional) {
      auto* stmt = statement(sql);
      Cursor cursor(stmt);
      cursor.bind(from);
      if (sqlite3_bind_parameter_count(stmt) > 1) {
        cursor.bind(id);
      }
      cursor.run();
    }
  }
}

}  // namespace ghtraffic::store::sqlite

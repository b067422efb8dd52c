#include "ghtraffic/store/sqlite/history_writer.hpp"

#include "ghtraffic/store/common.hpp"
#include "ghtraffic/store/sqlite/sqlite_handle.hpp"
#include "ghtraffic/store/sqlite/statements.hpp"
#include "ghtraffic/store/sqlite/stored_values.hpp"

namespace ghtraffic::store::sqlite {

namespace {

std::optional<std::string> optional_day_text(const std::optional<util::Day>& day) {
  return day ? std::optional(day_text(*day)) : std::nullopt;
}

std::optional<util::Day> optional_day(const std::optional<std::string>& text) {
  return text ? std::optional(parse_stored_day(*text)) : std::nullopt;
}

}  // namespace

BackfillResult write_history_counts(const StatementFor& statement, core::RepoId id,
                                    core::CountKind kind,
                                    const std::vector<core::HistoryCount>& counts) {
  BackfillResult result;
  const auto kind_text = core::to_string(kind);
  for (const auto& count : counts) {
    const auto day = day_text(count.day);
    std::optional<std::int64_t> stored;
    {
      Cursor cursor(statement(sql::k_select_history_count));
      cursor.bind(id).bind(kind_text).bind(day);
      if (cursor.step()) {
        stored = cursor.int64(0);
      }
    }
    if (stored && *stored >= count.count) {
      continue;
    }
    Cursor(statement(sql::k_upsert_history_count))
        .bind(id)
        .bind(kind_text)
        .bind(day)
        .bind(count.count)
        .run();
    ++(stored ? result.grown_days : result.new_days);
  }
  return result;
}

void write_backfill_state(const StatementFor& statement, core::RepoId id,
                          const core::BackfillState& state) {
  Cursor(statement(sql::k_upsert_backfill_state))
      .bind(id)
      .bind(core::to_string(state.kind))
      .bind(state.source)
      .bind(state.next_url)
      .bind(state.next_position)
      .bind(optional_day_text(state.through_day))
      .bind(state.complete)
      .bind(optional_day_text(state.resume_before))
      .bind(optional_day_text(state.pass_until))
      .bind(optional_day_text(state.approximate_from))
      .bind(state.note)
      .bind(time_text(state.updated_at))
      .run();
}

int write_download_snapshot(const StatementFor& statement, core::RepoId id,
                            const core::DownloadSnapshot& snapshot) {
  const auto day = day_text(util::day_of(snapshot.observed_at));
  const auto observed_at = time_text(snapshot.observed_at);
  int written = 0;
  auto* stmt = statement(sql::k_upsert_download);
  for (const auto& asset : snapshot.assets) {
    Cursor(stmt)
        .bind(id)
        .bind(day)
        .bind(observed_at)
        .bind(asset.release)
        .bind(asset.asset)
        .bind(asset.downloads)
        .run();
    written += sqlite3_changes(sqlite3_db_handle(stmt));
  }
  return written;
}

std::vector<core::HistoryCount> read_history_counts(const StatementFor& statement, core::RepoId id,
                                                    core::CountKind kind, const DayRange& range) {
  std::vector<core::HistoryCount> out;
  Cursor cursor(statement(sql::k_select_history_counts));
  cursor.bind(id).bind(core::to_string(kind)).bind(range_from(range)).bind(range_to(range));
  while (cursor.step()) {
    out.push_back({parse_stored_day(cursor.text(0)), cursor.int64(1)});
  }
  return out;
}

std::optional<core::BackfillState> read_backfill_state(const StatementFor& statement,
                                                       core::RepoId id, core::CountKind kind) {
  Cursor cursor(statement(sql::k_select_backfill_state));
  cursor.bind(id).bind(core::to_string(kind));
  if (!cursor.step()) {
    return std::nullopt;
  }
  core::BackfillState state;
  state.kind = kind;
  state.source = cursor.text(0);
  state.next_url = cursor.text(1);
  state.next_position = cursor.int64(2);
  state.through_day = optional_day(cursor.optional_text(3));
  state.complete = cursor.int64(4) != 0;
  state.approximate_from = optional_day(cursor.optional_text(5));
  state.note = cursor.text(6);
  state.updated_at = parse_stored_time(cursor.text(7));
  state.resume_before = optional_day(cursor.optional_text(8));
  state.pass_until = optional_day(cursor.optional_text(9));
  return state;
}

std::vector<core::DownloadSnapshot> read_downloads(const StatementFor& statement, core::RepoId id,
                                                   const DayRange& range) {
  std::vector<core::DownloadSnapshot> out;
  Cursor cursor(statement(sql::k_select_downloads));
  cursor.bind(id).bind(range_from(range)).bind(range_to(range));
  std::string current_day;
  while (cursor.step()) {
    if (out.empty() || cursor.text(0) != current_day) {
      current_day = cursor.text(0);
      out.push_back({parse_stored_time(cursor.text(1)), {}});
    }
    out.back().assets.push_back({cursor.text(2), cursor.text(3), cursor.int64(4)});
  }
  return out;
}

}  // namespace ghtraffic::store::sqlite

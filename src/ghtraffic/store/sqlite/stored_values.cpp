#include "ghtraffic/store/sqlite/stored_values.hpp"

#include <fmt/format.h>

#include <map>

#include "ghtraffic/store/common.hpp"
#include "ghtraffic/store/sqlite/statements.hpp"

namespace ghtraffic::store::sqlite {

namespace {

[[noreturn]] void throw_unreadable(std::string_view what, const std::string& text) {
  throw SqliteError(SQLITE_CORRUPT, fmt::format("unreadable {} '{}' in the store", what, text));
}

// R5: true when that day's snapshot of LIST is to be (re)written: none yet, or an earlier one.
bool claim_snapshot_day(const std::function<Cursor(std::string_view)>& query, core::RepoId id,
                        std::string_view list, util::Timestamp observed_at) {
  const auto day = day_text(util::day_of(observed_at));
  {
    auto cursor = query(sql::k_select_snapshot_time);
    cursor.bind(id).bind(list).bind(day);
    if (cursor.step() && parse_stored_time(cursor.text(0)) >= observed_at) {
      return false;
    }
  }
  query(sql::k_upsert_snapshot).bind(id).bind(list).bind(day).bind(time_text(observed_at)).run();
  return true;
}

}  // namespace

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

core::MergeOutcome write_merged_days(const std::function<Cursor(std::string_view)>& query,
                                     core::RepoId id, core::TrafficKind kind,
                                     const std::vector<core::DayCount>& days) {
  if (days.empty()) {
    return {};
  }
  const auto kind_text = core::to_string(kind);
  std::map<util::Day, core::DayCount> stored;
  {
    auto cursor = query(sql::k_select_days);
    cursor.bind(id)
        .bind(kind_text)
        .bind(day_text(days.front().day))
        .bind(day_text(days.back().day));
    while (cursor.step()) {
      auto day = parse_stored_day(cursor.text(0));
      stored.emplace(day, core::DayCount{day, cursor.int64(1), cursor.optional_int64(2)});
    }
  }
  auto outcome = core::merge_days(stored, days);
  for (const auto& day : outcome.to_write) {
    query(sql::k_upsert_day)
        .bind(id)
        .bind(kind_text)
        .bind(day_text(day.day))
        .bind(day.count)
        .bind(day.uniques)
        .run();
  }
  return outcome;
}

bool write_path_snapshot(const std::function<Cursor(std::string_view)>& query, core::RepoId id,
                         const core::PathSnapshot& snapshot) {
  if (!claim_snapshot_day(query, id, "paths", snapshot.observed_at)) {
    return false;
  }
  const auto day = day_text(util::day_of(snapshot.observed_at));
  const auto observed_at = time_text(snapshot.observed_at);
  query(sql::k_clear_path_entries).bind(id).bind(day).run();
  int rank = 0;
  for (const auto& entry : snapshot.entries) {
    query(sql::k_insert_path_entry)
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
  return true;
}

bool write_referrer_snapshot(const std::function<Cursor(std::string_view)>& query, core::RepoId id,
                             const core::ReferrerSnapshot& snapshot) {
  if (!claim_snapshot_day(query, id, "referrers", snapshot.observed_at)) {
    return false;
  }
  const auto day = day_text(util::day_of(snapshot.observed_at));
  const auto observed_at = time_text(snapshot.observed_at);
  query(sql::k_clear_referrer_entries).bind(id).bind(day).run();
  int rank = 0;
  for (const auto& entry : snapshot.entries) {
    query(sql::k_insert_referrer_entry)
        .bind(id)
        .bind(day)
        .bind(observed_at)
        .bind(++rank)
        .bind(entry.referrer)
        .bind(entry.count)
        .bind(entry.uniques)
        .run();
  }
  return true;
}

}  // namespace ghtraffic::store::sqlite

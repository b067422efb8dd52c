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

}  // namespace ghtraffic::store::sqlite

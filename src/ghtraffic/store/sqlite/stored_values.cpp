#include "ghtraffic/store/sqlite/stored_values.hpp"

#include <fmt/format.h>

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

}  // namespace ghtraffic::store::sqlite

#include "ghtraffic/store/common.hpp"

#include <fmt/format.h>

#include <tuple>

#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::store {

namespace {

constexpr std::string_view k_first_day = "0000-01-01";
constexpr std::string_view k_last_day = "9999-12-31";

}  // namespace

std::string day_text(util::Day day) {
  return util::format_day(day);
}

std::string time_text(util::Timestamp at) {
  return util::format_iso8601(at);
}

std::string range_from(const DayRange& range) {
  return range.from ? day_text(*range.from) : std::string(k_first_day);
}

std::string range_to(const DayRange& range) {
  return range.to ? day_text(*range.to) : std::string(k_last_day);
}

bool listed_before(const RepoRecord& a, const RepoRecord& b) {
  return std::make_tuple(util::to_lower(a.full_name), std::string_view(a.full_name), a.id) <
         std::make_tuple(util::to_lower(b.full_name), std::string_view(b.full_name), b.id);
}

std::string current_name(const core::RepoObservation& observation) {
  if (observation.meta.full_name.empty() && !observation.names.empty()) {
    return observation.names.back();
  }
  return observation.meta.full_name;
}

std::string name_for_messages(const core::RepoObservation& observation) {
  auto name = current_name(observation);
  return name.empty() ? fmt::format("repository {}", observation.meta.id) : name;
}

void require_writable(bool read_only, std::string_view describe) {
  if (read_only) {
    throw util::Error("{} was opened read-only; this command cannot change it", describe);
  }
}

void require_repository_id(const core::RepoObservation& observation) {
  if (observation.meta.id == 0) {
    throw util::Fatal("an observation of " + name_for_messages(observation) +
                      " has no repository id");
  }
}

}  // namespace ghtraffic::store

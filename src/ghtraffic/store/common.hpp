// What every store backend shares: the text forms of stored days and times, the order
// repositories are listed in, the name a commit stores, and the wording of refusals.
// Backends implement the data rules in their own terms (SQL statements, conditional
// writes); these are the pieces that would otherwise be written once per backend.
#pragma once

#include <string>
#include <string_view>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::store {

// Days as "2026-08-03", times as "2026-08-03T10:00:00Z": both compare as text in the
// order of time, which the backends' keys and indexes rely on.
std::string day_text(util::Day day);
std::string time_text(util::Timestamp at);

// The inclusive bounds of a range as stored day text; an open end is a day before or
// after every stored one.
std::string range_from(const DayRange& range);
std::string range_to(const DayRange& range);

// The order of Store::repositories(): by name ignoring case, then by name, then by id.
bool listed_before(const RepoRecord& a, const RepoRecord& b);

// The name a commit stores as the repository's current one: GitHub's, else the last
// name the run reached it by (R8).
std::string current_name(const core::RepoObservation& observation);

// The repository of an observation for messages: its name, else "repository 42".
std::string name_for_messages(const core::RepoObservation& observation);

// Refuses a write to a store opened read-only (util::Error), and a commit of an
// observation without a repository id (util::Fatal: a bug).
void require_writable(bool read_only, std::string_view describe);
void require_repository_id(const core::RepoObservation& observation);

}  // namespace ghtraffic::store

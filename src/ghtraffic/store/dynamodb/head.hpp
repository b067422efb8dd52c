// The head item of a repository: its record in the repository list (R8 names, counters of
// stored days) and the commit point of R7. A commit writes everything one run learned into
// the head in one conditional write; the permanent items (days and star and fork history
// by month, windows, snapshots, events, backfill states) are rolled forward from the head's pending
// part at the next commit, and readers overlay the pending part, so a half-applied commit is never
// visible.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/core/types.hpp"

namespace ghtraffic::store::dynamodb {

// Views count, views uniques, clones count, clones uniques; -1 where not stored.
using DayValues = std::array<std::int64_t, 4>;
inline constexpr DayValues k_no_values = {-1, -1, -1, -1};

// A day's stored uniques: a negative value (no attribute in the item) is unknown, for a day
// whose count came from files without uniques.
inline std::optional<std::int64_t> uniques_of(std::int64_t stored) {
  return stored >= 0 ? std::optional(stored) : std::nullopt;
}
inline constexpr int k_hot_days = 45;  // recent days kept in the head, ≥ 3 windows of 15

struct NameRecord {
  std::string name;
  std::string first_seen;  // ISO 8601 times compare as text
  std::string last_seen;
};

struct SnapshotMark {  // the latest snapshot of a list, on its latest day
  std::string day;
  std::string at;
};

// Star or fork history days of one kind: day -> the count to raise the stored one to.
using HistoryDays = std::map<std::string, std::int64_t>;

struct Pending {                          // what the last commit learned, not yet rolled forward
  std::map<std::string, DayValues> days;  // day -> merged values to raise to
  std::map<std::string, HistoryDays> history;      // "stars" / "forks" -> days (R6, R9)
  nlohmann::json items = nlohmann::json::array();  // permanent items, without pk
  std::vector<std::string> supersede;              // sort keys of snapshots a later one replaced
  bool empty() const {
    return days.empty() && history.empty() && items.empty() && supersede.empty();
  }
};

struct Head {
  bool exists = false;
  std::int64_t version = 0;
  core::RepoId id = 0;
  std::string full_name;
  std::string visibility;
  bool archived = false;
  bool fork = false;
  std::string first_seen;
  std::optional<std::string> last_collected;
  std::vector<NameRecord> names;
  std::optional<std::string> first_day;
  std::optional<std::string> last_day;
  std::int64_t stored_days = 0;  // views-days plus clones-days, as older versions kept it
  // UTC days with views, clones or both stored; none in a head an older version wrote.
  std::optional<std::int64_t> days_stored;
  std::map<std::string, DayValues> hot;       // every stored day within k_hot_days of last_day
  std::map<std::string, SnapshotMark> marks;  // by sort key prefix: "C", "P", "F"
  Pending pending;
};

nlohmann::json encode_head(const Head& head);  // a DynamoDB item
Head decode_head(const nlohmann::json& item);

}  // namespace ghtraffic::store::dynamodb

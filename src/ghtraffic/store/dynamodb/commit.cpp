#include "ghtraffic/store/dynamodb/commit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "ghtraffic/core/rules.hpp"
#include "ghtraffic/store/common.hpp"
#include "ghtraffic/store/dynamodb/codec.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::store::dynamodb {

namespace {

constexpr int k_commit_attempts = 12;
constexpr int k_merge_attempts = 12;
constexpr std::size_t k_max_head_bytes = 350 * 1024;  // DynamoDB's item limit is 400 KB
constexpr std::size_t k_max_cache_body = 300 * 1024;

// The first day the head keeps of a repository whose last stored day is last_day.
std::string hot_from(const std::string& last_day) {
  return day_text(parse_stored_day(last_day) - std::chrono::days{k_hot_days - 1});
}

bool has_traffic(const DayValues& values) {
  return values[0] >= 0 || values[2] >= 0;
}

}  // namespace

CommitResult Committer::commit(const core::RepoObservation& observation) {
  std::mt19937 jitter(std::random_device{}());
  for (int attempt = 0; attempt < k_commit_attempts; ++attempt) {
    try {
      if (auto result = try_commit(observation)) {
        return *result;
      }
    } catch (const util::Error& e) {
      throw util::Error("{}; nothing of {} was stored", e.what(), name_for_messages(observation));
    }
    // Another writer committed the same repository in between: read again and redo.
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::uniform_int_distribution<int>(5, 20 << std::min(attempt, 5))(jitter)));
  }
  throw util::Error(
      "could not write to {}: other writers kept changing {} at the same time; "
      "nothing of it was stored, run again",
      m_api.describe(), name_for_messages(observation));
}

std::int64_t Committer::begin_run(util::Timestamp started_at) {
  auto answer = m_api.call("UpdateItem",
                           {{"TableName", m_tables.data},
                            {"Key", key(k_runs_pk, "#seq")},
                            {"UpdateExpression", "ADD seq :one"},
                            {"ExpressionAttributeValues", {{":one", attr_n(1)}}},
                            {"ReturnValues", "UPDATED_NEW"}},
                           "number a collection run");
  auto id = get_n(answer["Attributes"], "seq").value_or(0);
  m_api.call("PutItem", {{"TableName", m_tables.data}, {"Item", encode_run_start(id, started_at)}},
             "record a collection run");
  return id;
}

void Committer::finish_run(std::int64_t run_id, util::Timestamp finished_at, int repos_ok,
                           int repos_failed) {
  m_api.call("UpdateItem",
             {{"TableName", m_tables.data},
              {"Key", key(k_runs_pk, run_sk(run_id))},
              {"UpdateExpression", "SET finished_at = :f, repos_ok = :o, repos_failed = :x"},
              {"ConditionExpression", "attribute_exists(pk)"},
              {"ExpressionAttributeValues",
               {{":f", attr_s(time_text(finished_at))},
                {":o", attr_n(repos_ok)},
                {":x", attr_n(repos_failed)}}}},
             "record the end of a collection run");
}

// Raises the numeric attributes of one item to at least the given values (R2, R9): a
// month of days, or a month of star or fork history. Every attribute has its own
// condition, so a writer never lowers what another one stored; when another writer got
// there first, the item is read again and only what is still lower written.
void Committer::raise_attributes(core::RepoId repo, const std::string& sk,
                                 std::map<std::string, std::int64_t> values) {
  for (int attempt = 0; attempt < k_merge_attempts; ++attempt) {
    std::string set;
    std::string condition;
    Json names = Json::object();
    Json bound = Json::object();
    int n = 0;
    for (const auto& [attribute, value] : values) {
      auto name = fmt::format("#a{}", n);
      auto placeholder = fmt::format(":v{}", n);
      ++n;
      names[name] = attribute;
      bound[placeholder] = attr_n(value);
      set += fmt::format("{}{} = {}", set.empty() ? "SET " : ", ", name, placeholder);
      condition += fmt::format("{}(attribute_not_exists({}) OR {} <= {})",
                               condition.empty() ? "" : " AND ", name, name, placeholder);
    }
    if (n == 0) {
      return;
    }
    auto result = m_api.try_call("UpdateItem", {{"TableName", m_tables.data},
                                                {"Key", key(repo_pk(repo), sk)},
                                                {"UpdateExpression", set},
                                                {"ConditionExpression", condition},
                                                {"ExpressionAttributeNames", names},
                                                {"ExpressionAttributeValues", bound}});
    if (result) {
      return;
    }
    if (!is_condition_failure(result.error())) {
      throw util::Error("could not write to {}: {}", m_api.describe(),
                        util::scrub(result.error().message));
    }
    auto answer = m_api.call(
        "GetItem",
        {{"TableName", m_tables.data}, {"Key", key(repo_pk(repo), sk)}, {"ConsistentRead", true}},
        "read stored days");
    const auto stored = answer.value("Item", Json::object());
    for (auto it = values.begin(); it != values.end();) {
      auto now = get_n(stored, it->first.c_str());
      it = now && *now >= it->second ? values.erase(it) : std::next(it);
    }
  }
  throw util::Error(
      "could not write to {}: other writers kept changing {} of repository {} at the same "
      "time; run again",
      m_api.describe(), sk, repo);
}

void Committer::raise_month(core::RepoId repo, const std::string& month,
                            const std::map<std::string, DayValues>& days) {
  std::map<std::string, std::int64_t> values;
  for (const auto& [day, day_values] : days) {
    for (std::size_t i = 0; i < day_values.size(); ++i) {
      if (day_values[i] >= 0) {
        values[day_attr(day, i)] = day_values[i];
      }
    }
  }
  raise_attributes(repo, month, std::move(values));
}

// Rolls a committed head's pending part forward into the permanent items. Idempotent:
// running it twice, or after a crash half way, stores the same.
Committer::Writes Committer::roll_forward(const Head& head) {
  std::map<std::string, std::map<std::string, DayValues>> months;
  for (const auto& [day, values] : head.pending.days) {
    months[month_sk(day)][day] = values;
  }
  for (const auto& [month, days] : months) {
    raise_month(head.id, month, days);
  }
  for (const auto& [kind_text, days] : head.pending.history) {
    auto kind = core::count_kind_from(kind_text);
    if (!kind) {
      throw util::Error("unreadable history kind '{}' in the record of repository {}", kind_text,
                        head.id);
    }
    std::map<std::string, std::map<std::string, std::int64_t>> history_months;
    for (const auto& [day, count] : days) {
      history_months[history_month_sk(*kind, day)][history_attr(day)] = count;
    }
    for (auto& [sk, values] : history_months) {
      raise_attributes(head.id, sk, std::move(values));
    }
  }
  Writes writes;
  for (auto item : head.pending.items) {
    item["pk"] = attr_s(repo_pk(head.id));
    writes.emplace_back(m_tables.data, Json{{"PutRequest", {{"Item", std::move(item)}}}});
  }
  for (const auto& sk : head.pending.supersede) {
    writes.emplace_back(m_tables.data,
                        Json{{"DeleteRequest", {{"Key", key(repo_pk(head.id), sk)}}}});
  }
  return writes;
}

// The UTC days stored for views, clones or both, counted once from the months and the head
// (for a head written before it kept that count: a one-time read of its months).
std::int64_t Committer::count_days_stored(const Head& head) {
  if (!head.first_day) {
    return 0;
  }
  auto stored = m_reader.months(head.id, *head.first_day, *head.last_day);
  for (const auto* overlay : {&head.hot, &head.pending.days}) {
    for (const auto& [day, values] : *overlay) {
      auto [it, inserted] = stored.try_emplace(day, k_no_values);
      it->second = raise(it->second, values);
    }
  }
  return std::count_if(stored.begin(), stored.end(),
                       [](const auto& entry) { return has_traffic(entry.second); });
}

// R1-R3: merges the observation's windows into the head's days; days older than the
// head keeps are read from their months.
Committer::Counts Committer::merge_traffic(Head& head, const core::RepoObservation& observation) {
  Counts counts;
  std::vector<std::pair<std::size_t, std::vector<core::DayCount>>> covered;
  for (const auto* window : {observation.views ? &*observation.views : nullptr,
                             observation.clones ? &*observation.clones : nullptr}) {
    if (window != nullptr) {
      covered.emplace_back(window->kind == core::TrafficKind::views ? 0 : 2,
                           core::covered_days(*window));
    }
  }
  if (covered.empty()) {
    return counts;
  }
  std::set<std::string> covered_days;
  for (const auto& [index, days] : covered) {
    for (const auto& d : days) {
      covered_days.insert(day_text(d.day));
    }
  }
  const std::string kept_from = head.last_day ? hot_from(*head.last_day) : std::string();
  std::string oldest;
  std::string newest;
  for (const auto& [index, days] : covered) {
    for (const auto& d : days) {
      auto text = day_text(d.day);
      oldest = oldest.empty() ? text : std::min(oldest, text);
      newest = std::max(newest, text);
    }
  }
  std::map<std::string, DayValues> stored = head.hot;
  if (head.last_day && oldest < kept_from) {
    for (const auto& [day, values] :
         m_reader.months(head.id, oldest, std::min(kept_from, newest))) {
      auto [it, inserted] = stored.try_emplace(day, k_no_values);
      it->second = raise(it->second, values);
    }
  }
  auto stored_on = [&](const std::string& day) {
    auto it = stored.find(day);
    return it != stored.end() && has_traffic(it->second);
  };
  std::int64_t days_before = 0;
  for (const auto& day : covered_days) {
    days_before += stored_on(day) ? 1 : 0;
  }
  for (const auto& [index, days] : covered) {
    std::map<util::Day, core::DayCount> known;
    for (const auto& d : days) {
      auto it = stored.find(day_text(d.day));
      if (it != stored.end() && it->second[index] >= 0) {
        known.emplace(d.day,
                      core::DayCount{d.day, it->second[index], uniques_of(it->second[index + 1])});
      }
    }
    auto outcome = core::merge_days(known, days);
    counts.new_days += outcome.new_days;
    counts.grown_days += outcome.grown_days;
    for (const auto& d : outcome.to_write) {
      auto text = day_text(d.day);
      for (auto* target : {&stored, &head.pending.days}) {
        auto [it, inserted] = target->try_emplace(text, k_no_values);
        it->second[index] = d.count;
        it->second[index + 1] = d.uniques.value_or(k_no_values[index + 1]);
      }
    }
  }
  head.stored_days += counts.new_days;
  std::int64_t days_after = 0;
  for (const auto& day : covered_days) {
    days_after += stored_on(day) ? 1 : 0;
  }
  head.days_stored = head.days_stored.value_or(0) + (days_after - days_before);
  head.first_day = head.first_day ? std::min(*head.first_day, oldest) : oldest;
  head.last_day = head.last_day ? std::max(*head.last_day, newest) : newest;
  const auto keep_from = hot_from(*head.last_day);
  head.hot.clear();
  for (auto& [day, values] : stored) {
    if (day >= keep_from) {
      head.hot.emplace(day, values);
    }
  }
  return counts;
}

// One attempt; nullopt when another writer committed the repository in between.
std::optional<CommitResult> Committer::try_commit(const core::RepoObservation& observation) {
  const auto id = observation.meta.id;
  const auto observed_at = time_text(observation.observed_at);
  auto stored_head = m_reader.head(id, true);
  Head head = stored_head.value_or(Head{});
  Writes writes;
  if (stored_head) {
    writes = roll_forward(head);
    if (!head.days_stored) {
      head.days_stored = count_days_stored(head);
    }
  }

  const auto full_name = current_name(observation);
  const auto previous_version = head.version;
  head.id = id;
  head.version = previous_version + 1;
  head.pending = Pending{};
  if (!head.exists) {
    head.full_name = full_name;
    head.first_seen = observed_at;
  }
  head.first_seen = std::min(head.first_seen, observed_at);
  // An older observation committed late never takes the place of a newer one's facts.
  if (!head.last_collected || *head.last_collected <= observed_at) {
    head.full_name = full_name;
    if (observation.details_known) {
      head.visibility = observation.meta.visibility;
      head.archived = observation.meta.archived;
      head.fork = observation.meta.fork;
    }
    head.last_collected = observed_at;
  }
  for (const auto& name : observation.names) {
    if (!name.empty()) {
      record_name(head, name, observed_at, false);
    }
  }
  if (!full_name.empty()) {
    record_name(head, full_name, observed_at, true);
  }

  auto counts = merge_traffic(head, observation);
  add_history(head, observation);
  if (stored_head) {
    keep_earlier_downloads(head, stored_head->pending);
  }

  // The ETag cache is not history: a cached body whose commit failed is only replayed
  // on a 304 and committed then, so it is written with the other unconditional writes.
  for (const auto& entry : observation.cache) {
    if (entry.body.size() > k_max_cache_body) {
      continue;  // too large for an item; the next run asks without If-None-Match
    }
    writes.emplace_back(
        m_tables.cache,
        Json{{"PutRequest", {{"Item", encode_cache_entry(entry, observation.observed_at)}}}});
  }
  if (!writes.empty()) {
    m_api.batch_write(writes, "store history");
  }

  if (!write_head(head, stored_head.has_value(), previous_version)) {
    return std::nullopt;
  }
  CommitResult result;
  result.repo_id = id;
  result.days_stored = static_cast<int>(head.days_stored.value_or(0));
  result.new_days = counts.new_days;
  result.grown_days = counts.grown_days;
  return result;
}

// Writes the head, the commit point: conditioned on the version read (or on there being
// none); false when another writer committed the repository in between.
bool Committer::write_head(const Head& head, bool existed, std::int64_t previous_version) {
  auto item = encode_head(head);
  if (item.dump().size() > k_max_head_bytes) {
    throw util::Error("could not write to {}: one run learned more than a DynamoDB item holds",
                      m_api.describe());
  }
  Json put{{"TableName", m_tables.data}, {"Item", item}};
  if (existed) {
    put["ConditionExpression"] = "ver = :v";
    put["ExpressionAttributeValues"] = {{":v", attr_n(previous_version)}};
  } else {
    put["ConditionExpression"] = "attribute_not_exists(pk)";
  }
  auto committed = m_api.try_call("PutItem", put);
  if (!committed) {
    if (is_condition_failure(committed.error())) {
      return false;
    }
    throw util::Error("could not write to {}: {}", m_api.describe(),
                      util::scrub(committed.error().message));
  }
  return true;
}

// A later download snapshot of a day replaces the earlier one, but keeps each asset's
// latest count of the day: the assets only the earlier one listed are carried over (as
// SQLite keeps a row per asset). The earlier one is most often the last commit's, still in
// its pending part; else it is read.
void Committer::keep_earlier_downloads(Head& head, const Pending& previous) {
  const auto prefix = std::string(k_downloads_prefix) + "#";
  auto replaced = std::find_if(head.pending.supersede.begin(), head.pending.supersede.end(),
                               [&](const std::string& sk) { return sk.starts_with(prefix); });
  if (replaced == head.pending.supersede.end()) {
    return;
  }
  std::optional<Item> earlier;
  for (const auto& item : previous.items) {
    if (get_s(item, "sk") == *replaced) {
      earlier = item;
    }
  }
  if (!earlier) {
    auto answer = m_api.call("GetItem",
                             {{"TableName", m_tables.data},
                              {"Key", key(repo_pk(head.id), *replaced)},
                              {"ConsistentRead", true}},
                             "read the day's download snapshot");
    if (!answer.contains("Item")) {
      return;
    }
    earlier = answer["Item"];
  }
  for (auto& item : head.pending.items) {
    auto sk = get_s(item, "sk").value_or("");
    if (sk.starts_with(prefix) && sk != *replaced) {
      item =
          encode_downloads(with_earlier_assets(decode_downloads(item), decode_downloads(*earlier)));
    }
  }
}

BackfillResult Committer::commit_backfill(const core::Backfill& backfill) {
  std::mt19937 jitter(std::random_device{}());
  for (int attempt = 0; attempt < k_commit_attempts; ++attempt) {
    std::optional<BackfillResult> result;
    try {
      result = try_commit_backfill(backfill);
    } catch (const util::Error& e) {
      throw util::Error("{}; nothing of {} was backfilled", e.what(), backfill.full_name);
    }
    if (result) {
      return *result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::uniform_int_distribution<int>(5, 20 << std::min(attempt, 5))(jitter)));
  }
  throw util::Error(
      "could not write to {}: other writers kept changing {} at the same time; nothing of it "
      "was backfilled, run again",
      m_api.describe(), backfill.full_name);
}

// One attempt, as try_commit: the head's pending part takes the days that grow (R9) and
// the states, and the head's conditional write commits them together (R7).
std::optional<BackfillResult> Committer::try_commit_backfill(const core::Backfill& backfill) {
  auto stored_head = m_reader.head(backfill.id, true);
  if (!stored_head) {
    throw util::Error("{} is not in {} yet; collect it before a backfill", backfill.full_name,
                      m_api.describe());
  }
  Head head = *stored_head;
  Writes writes = roll_forward(head);
  if (!head.days_stored) {
    head.days_stored = count_days_stored(head);
  }
  const auto previous_version = head.version;
  head.version = previous_version + 1;
  head.pending = Pending{};

  BackfillResult result;
  for (const auto& [kind, counts] : {std::pair{core::CountKind::stars, &backfill.stars},
                                     std::pair{core::CountKind::forks, &backfill.forks}}) {
    if (counts->empty()) {
      continue;
    }
    auto [first, last] = std::minmax_element(
        counts->begin(), counts->end(),
        [](const core::HistoryCount& a, const core::HistoryCount& b) { return a.day < b.day; });
    auto stored =
        m_reader.history_days(*stored_head, kind, day_text(first->day), day_text(last->day));
    auto& pending = head.pending.history[std::string(core::to_string(kind))];
    for (const auto& count : *counts) {
      const auto day = day_text(count.day);
      auto it = stored.find(day);
      if (it != stored.end() && it->second >= count.count) {
        continue;
      }
      auto [at, inserted] = pending.try_emplace(day, count.count);
      if (!inserted) {
        at->second = std::max(at->second, count.count);
        continue;
      }
      ++(it != stored.end() ? result.grown_days : result.new_days);
    }
    if (pending.empty()) {
      head.pending.history.erase(std::string(core::to_string(kind)));
    }
  }
  // A later state of a kind replaces an earlier one, in this backfill as in the store.
  std::map<core::CountKind, const core::BackfillState*> states;
  for (const auto& state : backfill.states) {
    states[state.kind] = &state;
  }
  for (const auto& [kind, state] : states) {
    head.pending.items.push_back(encode_backfill_state(*state));
  }

  if (!writes.empty()) {
    m_api.batch_write(writes, "store history");
  }
  if (!write_head(head, true, previous_version)) {
    return std::nullopt;
  }
  return result;
}

void record_name(Head& head, const std::string& name, const std::string& seen, bool canonical) {
  for (auto& record : head.names) {
    if (util::iequals(record.name, name)) {
      if (canonical && seen >= record.last_seen) {
        record.name = name;  // GitHub's own spelling replaces the one typed
      }
      record.first_seen = std::min(record.first_seen, seen);
      record.last_seen = std::max(record.last_seen, seen);
      return;
    }
  }
  head.names.push_back({name, seen, seen});
}

void add_snapshot(Head& head, std::string_view prefix, util::Timestamp observed_at, Item item) {
  const auto day = day_text(util::day_of(observed_at));
  const auto at = time_text(observed_at);
  const std::string list(prefix);
  auto mark = head.marks.find(list);
  if (mark != head.marks.end() && mark->second.day == day) {
    if (mark->second.at >= at) {
      return;
    }
    head.pending.supersede.push_back(fmt::format("{}#{}#{}", prefix, day, mark->second.at));
  }
  if (mark == head.marks.end() || mark->second.day <= day) {
    head.marks[list] = {day, at};
  }
  head.pending.items.push_back(std::move(item));
}

void add_history(Head& head, const core::RepoObservation& observation) {
  for (const auto* window : {observation.views ? &*observation.views : nullptr,
                             observation.clones ? &*observation.clones : nullptr}) {
    if (window != nullptr) {
      head.pending.items.push_back(encode_window(*window));
    }
  }
  if (observation.details_known) {
    const auto& meta = observation.meta;
    add_snapshot(head, k_counters_prefix, observation.observed_at,
                 encode_counters({observation.observed_at, meta.stars, meta.forks, meta.watchers,
                                  meta.open_issues}));
  }
  if (observation.paths) {
    add_snapshot(head, k_paths_prefix, observation.paths->observed_at,
                 encode_paths(*observation.paths));
  }
  if (observation.referrers) {
    add_snapshot(head, k_referrers_prefix, observation.referrers->observed_at,
                 encode_referrers(*observation.referrers));
  }
  for (const auto& event : observation.events) {
    head.pending.items.push_back(encode_event(event));
  }
  if (observation.downloads && !observation.downloads->assets.empty()) {
    add_snapshot(head, k_downloads_prefix, observation.downloads->observed_at,
                 encode_downloads(*observation.downloads));
  }
}

}  // namespace ghtraffic::store::dynamodb

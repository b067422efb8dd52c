#include "ghtraffic/store/dynamodb/dynamodb_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include "ghtraffic/aws/client.hpp"
#include "ghtraffic/core/rules.hpp"
#include "ghtraffic/store/dynamodb/head.hpp"
#include "ghtraffic/store/dynamodb/table_api.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::store::dynamodb {

namespace {

constexpr int k_commit_attempts = 12;
constexpr int k_merge_attempts = 12;
constexpr std::size_t k_max_head_bytes = 350 * 1024;  // DynamoDB's item limit is 400 KB
constexpr std::size_t k_max_cache_body = 300 * 1024;
constexpr std::size_t k_cache_memo_groups = 512;
constexpr std::string_view k_first_day = "0000-01-01";
constexpr std::string_view k_last_day = "9999-12-31";

// --- keys (docs/aws.md, "DynamoDB store") ---

std::string repo_pk(core::RepoId id) {
  return fmt::format("R#{}", id);
}
std::string head_sk(core::RepoId id) {
  return fmt::format("R#{}", id);
}
std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}
bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ascii_lower(a) == ascii_lower(b);
}
std::string name_pk(std::string_view full_name) {
  return "N#" + ascii_lower(full_name);
}
std::string month_sk(std::string_view day) {
  return fmt::format("M#{}", day.substr(0, 7));
}
// v12c: views count of the 12th; c03u: clones uniques of the 3rd.
std::string day_attr(std::string_view day, std::size_t index) {
  return fmt::format("{}{}{}", index < 2 ? 'v' : 'c', day.substr(8, 2), index % 2 == 0 ? 'c' : 'u');
}
std::string run_sk(std::int64_t id) {
  return fmt::format("R#{:020}", id);
}

// Cached responses are grouped by repository ("https://host/repos/o/r"), so that the
// lookups of one repository's run cost one Query.
std::string cache_group(const std::string& url) {
  auto at = url.find("/repos/");
  if (at == std::string::npos) {
    return url;
  }
  auto end = at + 7;
  for (int slashes = 0; end < url.size(); ++end) {
    if (url[end] == '/' || url[end] == '?') {
      if (url[end] == '?' || ++slashes == 2) {
        break;
      }
    }
  }
  return url.substr(0, end);
}

std::string day_text(util::Day day) {
  return util::format_day(day);
}
std::string time_text(util::Timestamp at) {
  return util::format_iso8601(at);
}

util::Day parse_stored_day(const std::string& text) {
  auto day = util::parse_day(text);
  if (!day) {
    throw util::Error("unreadable day '{}' in the store", text);
  }
  return *day;
}
util::Timestamp parse_stored_time(const std::string& text) {
  auto at = util::parse_iso8601(text);
  if (!at) {
    throw util::Error("unreadable time '{}' in the store", text);
  }
  return *at;
}

std::string range_from(const DayRange& range) {
  return range.from ? day_text(*range.from) : std::string(k_first_day);
}
std::string range_to(const DayRange& range) {
  return range.to ? day_text(*range.to) : std::string(k_last_day);
}

DayValues raise(DayValues stored, const DayValues& other) {
  for (std::size_t i = 0; i < stored.size(); ++i) {
    stored[i] = std::max(stored[i], other[i]);
  }
  return stored;
}

// The days a month item holds.
void read_month(const Item& item, std::map<std::string, DayValues>& out) {
  auto month = get_s(item, "sk").value_or("").substr(2);
  for (const auto& [name, value] : item.items()) {
    if (name.size() != 4 || (name[0] != 'v' && name[0] != 'c') || !value.contains("N")) {
      continue;
    }
    auto day = fmt::format("{}-{}", month, name.substr(1, 2));
    auto index = (name[0] == 'v' ? 0u : 2u) + (name[3] == 'u' ? 1u : 0u);
    auto [it, inserted] = out.try_emplace(day, k_no_values);
    it->second[index] = std::max(
        it->second[index], static_cast<std::int64_t>(std::stoll(value["N"].get<std::string>())));
  }
}

struct Counts {
  int new_days = 0;
  int grown_days = 0;
};
class DynamoStore final : public Store {
 public:
  DynamoStore(std::unique_ptr<TableApi> api, std::string prefix, bool read_only)
      : m_api(std::move(api)),
        m_data(prefix + "-data"),
        m_cache(prefix + "-cache"),
        m_read_only(read_only) {}

  std::string describe() const override { return m_api->describe(); }

  CommitResult commit(const core::RepoObservation& observation) override {
    require_writable();
    if (observation.meta.id == 0) {
      throw util::Fatal("an observation of " + name_for_messages(observation) +
                        " has no repository id");
    }
    std::mt19937 jitter(std::random_device{}());
    for (int attempt = 0; attempt < k_commit_attempts; ++attempt) {
      try {
        if (auto result = try_commit(observation)) {
          forget_cache_of(observation);
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
        describe(), name_for_messages(observation));
  }

  std::optional<core::CachedResponse> cached_response(const std::string& url) override {
    auto group = cache_group(url);
    auto it = m_cache_memo.find(group);
    if (it == m_cache_memo.end()) {
      if (m_cache_memo.size() >= k_cache_memo_groups) {
        m_cache_memo.clear();
      }
      std::map<std::string, core::CachedResponse> entries;
      for (const auto& item : m_api->query({{"TableName", m_cache},
                                            {"KeyConditionExpression", "pk = :g"},
                                            {"ExpressionAttributeValues", {{":g", attr_s(group)}}}},
                                           "read cached responses")) {
        auto entry_url = get_s(item, "sk").value_or("");
        entries[entry_url] = {entry_url, get_s(item, "etag").value_or(""),
                              get_s(item, "body").value_or("")};
      }
      it = m_cache_memo.emplace(group, std::move(entries)).first;
    }
    auto entry = it->second.find(url);
    if (entry == it->second.end()) {
      return std::nullopt;
    }
    return entry->second;
  }

  std::optional<core::RepoId> find_repo(const std::string& full_name) override {
    std::vector<std::pair<Head, std::string>> candidates;  // head, last_seen of the name
    for (const auto& item :
         m_api->query({{"TableName", m_data},
                       {"KeyConditionExpression", "pk = :p"},
                       {"ExpressionAttributeValues", {{":p", attr_s(name_pk(full_name))}}}},
                      "look up a repository name")) {
      auto head = read_head(get_n(item, "id").value_or(0), false);
      if (!head) {
        continue;  // the name of a commit that never completed
      }
      for (const auto& name : head->names) {
        if (iequal(name.name, full_name)) {
          candidates.emplace_back(std::move(*head), name.last_seen);
          break;
        }
      }
    }
    if (candidates.empty()) {
      return std::nullopt;
    }
    auto rank = [&](const std::pair<Head, std::string>& c) {
      return std::make_tuple(iequal(c.first.full_name, full_name), c.second, c.first.id);
    };
    return std::max_element(candidates.begin(), candidates.end(),
                            [&](const auto& a, const auto& b) { return rank(a) < rank(b); })
        ->first.id;
  }

  std::int64_t begin_run(util::Timestamp started_at) override {
    require_writable();
    auto answer = m_api->call("UpdateItem",
                              {{"TableName", m_data},
                               {"Key", key("RUNS", "#seq")},
                               {"UpdateExpression", "ADD seq :one"},
                               {"ExpressionAttributeValues", {{":one", attr_n(1)}}},
                               {"ReturnValues", "UPDATED_NEW"}},
                              "number a collection run");
    auto id = get_n(answer["Attributes"], "seq").value_or(0);
    Json item = key("RUNS", run_sk(id));
    item["id"] = attr_n(id);
    item["started_at"] = attr_s(time_text(started_at));
    item["repos_ok"] = attr_n(0);
    item["repos_failed"] = attr_n(0);
    m_api->call("PutItem", {{"TableName", m_data}, {"Item", item}}, "record a collection run");
    return id;
  }

  void finish_run(std::int64_t run_id, util::Timestamp finished_at, int repos_ok,
                  int repos_failed) override {
    require_writable();
    m_api->call("UpdateItem",
                {{"TableName", m_data},
                 {"Key", key("RUNS", run_sk(run_id))},
                 {"UpdateExpression", "SET finished_at = :f, repos_ok = :o, repos_failed = :x"},
                 {"ConditionExpression", "attribute_exists(pk)"},
                 {"ExpressionAttributeValues",
                  {{":f", attr_s(time_text(finished_at))},
                   {":o", attr_n(repos_ok)},
                   {":x", attr_n(repos_failed)}}}},
                "record the end of a collection run");
  }

  std::vector<RepoRecord> repositories() override {
    std::vector<RepoRecord> repos;
    for (const auto& item : m_api->query({{"TableName", m_data},
                                          {"KeyConditionExpression", "pk = :p"},
                                          {"ExpressionAttributeValues", {{":p", attr_s("REPOS")}}}},
                                         "list the repositories")) {
      auto head = decode_head(item);
      RepoRecord repo;
      repo.id = head.id;
      repo.full_name = head.full_name;
      std::stable_sort(head.names.begin(), head.names.end(), [](const auto& a, const auto& b) {
        return std::make_pair(a.first_seen, ascii_lower(a.name)) <
               std::make_pair(b.first_seen, ascii_lower(b.name));
      });
      for (const auto& name : head.names) {
        repo.names.push_back(name.name);
      }
      repo.visibility = head.visibility;
      repo.archived = head.archived;
      repo.fork = head.fork;
      if (head.first_day) {
        repo.first_day = parse_stored_day(*head.first_day);
        repo.last_day = parse_stored_day(*head.last_day);
      }
      if (head.last_collected) {
        repo.last_collected = parse_stored_time(*head.last_collected);
      }
      repos.push_back(std::move(repo));
    }
    std::sort(repos.begin(), repos.end(), [](const RepoRecord& a, const RepoRecord& b) {
      return std::make_tuple(ascii_lower(a.full_name), a.full_name, a.id) <
             std::make_tuple(ascii_lower(b.full_name), b.full_name, b.id);
    });
    return repos;
  }

  std::vector<DayRecord> days(core::RepoId repo, core::TrafficKind kind,
                              const DayRange& range) override {
    auto head = read_head(repo, false);
    if (!head) {
      return {};
    }
    const auto from = range_from(range);
    const auto to = range_to(range);
    auto stored = read_months(repo, from, to);
    for (const auto* overlay : {&head->hot, &head->pending.days}) {
      for (const auto& [day, values] : *overlay) {
        auto [it, inserted] = stored.try_emplace(day, k_no_values);
        it->second = raise(it->second, values);
      }
    }
    const std::size_t index = kind == core::TrafficKind::views ? 0 : 2;
    std::vector<DayRecord> out;
    for (const auto& [day, values] : stored) {
      if (day >= from && day <= to && values[index] >= 0) {
        out.push_back(
            {parse_stored_day(day), values[index], std::max<std::int64_t>(values[index + 1], 0)});
      }
    }
    return out;
  }

  std::vector<WindowRecord> windows(core::RepoId repo) override {
    std::vector<WindowRecord> out;
    for (const auto& item : permanent_items(repo, "W#", "W#~")) {
      auto kind = core::traffic_kind_from(get_s(item, "kind").value_or(""));
      if (!kind) {
        throw util::Error("unreadable traffic kind in the store for repository {}", repo);
      }
      out.push_back({*kind, parse_stored_time(get_s(item, "at").value_or("")),
                     get_n(item, "count").value_or(0), get_n(item, "uniques").value_or(0)});
    }
    std::sort(out.begin(), out.end(), [](const WindowRecord& a, const WindowRecord& b) {
      return std::make_pair(a.observed_at, a.kind) < std::make_pair(b.observed_at, b.kind);
    });
    return out;
  }

  std::vector<core::PathSnapshot> path_snapshots(core::RepoId repo,
                                                 const DayRange& range) override {
    std::vector<core::PathSnapshot> out;
    for (const auto& item : latest_of_each_day(repo, "P", range)) {
      core::PathSnapshot snapshot{parse_stored_time(get_s(item, "at").value_or("")), {}};
      for (const auto& e : Json::parse(get_s(item, "entries").value_or("[]"))) {
        snapshot.entries.push_back({e.at(0).get<std::string>(), e.at(1).get<std::string>(),
                                    e.at(2).get<std::int64_t>(), e.at(3).get<std::int64_t>()});
      }
      out.push_back(std::move(snapshot));
    }
    return out;
  }

  std::vector<core::ReferrerSnapshot> referrer_snapshots(core::RepoId repo,
                                                         const DayRange& range) override {
    std::vector<core::ReferrerSnapshot> out;
    for (const auto& item : latest_of_each_day(repo, "F", range)) {
      core::ReferrerSnapshot snapshot{parse_stored_time(get_s(item, "at").value_or("")), {}};
      for (const auto& e : Json::parse(get_s(item, "entries").value_or("[]"))) {
        snapshot.entries.push_back(
            {e.at(0).get<std::string>(), e.at(1).get<std::int64_t>(), e.at(2).get<std::int64_t>()});
      }
      out.push_back(std::move(snapshot));
    }
    return out;
  }

  std::vector<core::CounterSnapshot> counters(core::RepoId repo, const DayRange& range) override {
    std::vector<core::CounterSnapshot> out;
    for (const auto& item : latest_of_each_day(repo, "C", range)) {
      out.push_back({parse_stored_time(get_s(item, "at").value_or("")),
                     get_n(item, "stars").value_or(0), get_n(item, "forks").value_or(0),
                     get_n(item, "watchers").value_or(0), get_n(item, "open_issues").value_or(0)});
    }
    return out;
  }

  std::vector<core::RepoEvent> events(core::RepoId repo) override {
    std::vector<core::RepoEvent> out;
    for (const auto& item : permanent_items(repo, "E#", "E#~")) {
      auto kind = get_s(item, "kind").value_or("");
      out.push_back({kind == "fork" ? core::EventKind::fork : core::EventKind::star,
                     parse_stored_time(get_s(item, "at").value_or("")),
                     get_s(item, "actor").value_or("")});
    }
    std::sort(out.begin(), out.end(), [](const core::RepoEvent& a, const core::RepoEvent& b) {
      return std::make_tuple(a.at, core::to_string(a.kind), a.actor) <
             std::make_tuple(b.at, core::to_string(b.kind), b.actor);
    });
    return out;
  }

  std::optional<RunRecord> last_run() override {
    auto answer =
        m_api->call("Query",
                    {{"TableName", m_data},
                     {"KeyConditionExpression", "pk = :p AND begins_with(sk, :r)"},
                     {"ExpressionAttributeValues", {{":p", attr_s("RUNS")}, {":r", attr_s("R#")}}},
                     {"ScanIndexForward", false},
                     {"Limit", 1}},
                    "read the last collection run");
    auto items = answer.value("Items", Json::array());
    if (items.empty()) {
      return std::nullopt;
    }
    const auto& item = items[0];
    RunRecord run;
    run.id = get_n(item, "id").value_or(0);
    run.started_at = parse_stored_time(get_s(item, "started_at").value_or(""));
    if (auto at = get_s(item, "finished_at")) {
      run.finished_at = parse_stored_time(*at);
    }
    run.repos_ok = static_cast<int>(get_n(item, "repos_ok").value_or(0));
    run.repos_failed = static_cast<int>(get_n(item, "repos_failed").value_or(0));
    return run;
  }

 private:
  static std::string name_for_messages(const core::RepoObservation& observation) {
    if (!observation.meta.full_name.empty()) {
      return observation.meta.full_name;
    }
    if (!observation.names.empty()) {
      return observation.names.back();
    }
    return fmt::format("repository {}", observation.meta.id);
  }

  void require_writable() const {
    if (m_read_only) {
      throw util::Error("{} was opened read-only; this command cannot change it", describe());
    }
  }

  void forget_cache_of(const core::RepoObservation& observation) {
    for (const auto& entry : observation.cache) {
      m_cache_memo.erase(cache_group(entry.url));
    }
  }

  std::optional<Head> read_head(core::RepoId id, bool for_commit) {
    auto answer = m_api->call(
        "GetItem",
        {{"TableName", m_data}, {"Key", key("REPOS", head_sk(id))}, {"ConsistentRead", true}},
        for_commit ? "read the repository's record" : "read a repository");
    if (!answer.contains("Item")) {
      return std::nullopt;
    }
    return decode_head(answer["Item"]);
  }

  std::map<std::string, DayValues> read_months(core::RepoId repo, std::string_view from,
                                               std::string_view to) {
    std::map<std::string, DayValues> out;
    for (const auto& item :
         m_api->query({{"TableName", m_data},
                       {"KeyConditionExpression", "pk = :p AND sk BETWEEN :a AND :b"},
                       {"ExpressionAttributeValues",
                        {{":p", attr_s(repo_pk(repo))},
                         {":a", attr_s(month_sk(from))},
                         {":b", attr_s(month_sk(to))}}},
                       {"ConsistentRead", true}},
                      "read stored days")) {
      read_month(item, out);
    }
    return out;
  }

  // Stored items in [from, to] of the repository's partition with the head's pending items
  // laid over them (by sort key), without snapshots a later one of their day replaced.
  std::vector<Item> permanent_items(core::RepoId repo, const std::string& from,
                                    const std::string& to) {
    auto head = read_head(repo, false);
    if (!head) {
      return {};
    }
    std::map<std::string, Item> by_key;
    for (auto& item :
         m_api->query({{"TableName", m_data},
                       {"KeyConditionExpression", "pk = :p AND sk BETWEEN :a AND :b"},
                       {"ExpressionAttributeValues",
                        {{":p", attr_s(repo_pk(repo))}, {":a", attr_s(from)}, {":b", attr_s(to)}}},
                       {"ConsistentRead", true}},
                      "read stored history")) {
      auto sk = get_s(item, "sk").value_or("");
      by_key[sk] = std::move(item);
    }
    for (const auto& item : head->pending.items) {
      auto sk = get_s(item, "sk").value_or("");
      if (sk >= from && sk <= to) {
        by_key[sk] = item;
      }
    }
    for (const auto& sk : head->pending.supersede) {
      by_key.erase(sk);
    }
    std::vector<Item> out;
    for (auto& [sk, item] : by_key) {
      out.push_back(std::move(item));
    }
    return out;
  }

  // R5, R6: snapshot items are keyed "<prefix>#<day>#<observed_at>"; the latest of a day
  // wins even before an earlier one of that day has been cleaned away.
  std::vector<Item> latest_of_each_day(core::RepoId repo, const std::string& prefix,
                                       const DayRange& range) {
    std::map<std::string, Item> by_day;
    for (auto& item : permanent_items(repo, prefix + "#" + range_from(range),
                                      prefix + "#" + range_to(range) + "#~")) {
      auto sk = get_s(item, "sk").value_or("");
      by_day[sk.substr(prefix.size() + 1, 10)] = std::move(item);  // sorted: later replaces
    }
    std::vector<Item> out;
    for (auto& [day, item] : by_day) {
      out.push_back(std::move(item));
    }
    return out;
  }

  // --- committing ---

  // Raises the stored days of one month to at least the given values (R2). Every attribute
  // has its own condition, so a writer never lowers what another one stored; when another
  // writer got there first, the month is read again and only what is still lower written.
  void raise_month(core::RepoId repo, const std::string& month,
                   std::map<std::string, DayValues> days) {
    for (int attempt = 0; attempt < k_merge_attempts; ++attempt) {
      std::string set;
      std::string condition;
      Json names = Json::object();
      Json values = Json::object();
      int n = 0;
      for (const auto& [day, day_values] : days) {
        for (std::size_t i = 0; i < day_values.size(); ++i) {
          if (day_values[i] < 0) {
            continue;
          }
          auto name = fmt::format("#a{}", n);
          auto value = fmt::format(":v{}", n);
          ++n;
          names[name] = day_attr(day, i);
          values[value] = attr_n(day_values[i]);
          set += fmt::format("{}{} = {}", set.empty() ? "SET " : ", ", name, value);
          condition += fmt::format("{}(attribute_not_exists({}) OR {} <= {})",
                                   condition.empty() ? "" : " AND ", name, name, value);
        }
      }
      if (n == 0) {
        return;
      }
      auto result = m_api->try_call("UpdateItem", {{"TableName", m_data},
                                                   {"Key", key(repo_pk(repo), month)},
                                                   {"UpdateExpression", set},
                                                   {"ConditionExpression", condition},
                                                   {"ExpressionAttributeNames", names},
                                                   {"ExpressionAttributeValues", values}});
      if (result) {
        return;
      }
      if (!is_condition_failure(result.error())) {
        throw util::Error("could not write to {}: {}", describe(),
                          util::scrub(result.error().message));
      }
      auto answer = m_api->call(
          "GetItem",
          {{"TableName", m_data}, {"Key", key(repo_pk(repo), month)}, {"ConsistentRead", true}},
          "read stored days");
      std::map<std::string, DayValues> stored;
      if (answer.contains("Item")) {
        read_month(answer["Item"], stored);
      }
      for (auto& [day, day_values] : days) {
        auto it = stored.find(day);
        for (std::size_t i = 0; it != stored.end() && i < day_values.size(); ++i) {
          if (it->second[i] >= day_values[i]) {
            day_values[i] = -1;
          }
        }
      }
    }
    throw util::Error(
        "could not write to {}: other writers kept changing the days of {} at the "
        "same time; run again",
        describe(), month);
  }

  // Rolls a committed head's pending part forward into the permanent items. Idempotent:
  // running it twice, or after a crash half way, stores the same.
  std::vector<std::pair<std::string, Json>> roll_forward(const Head& head) {
    std::map<std::string, std::map<std::string, DayValues>> months;
    for (const auto& [day, values] : head.pending.days) {
      months[month_sk(day)][day] = values;
    }
    for (auto& [month, days] : months) {
      raise_month(head.id, month, std::move(days));
    }
    std::vector<std::pair<std::string, Json>> writes;
    for (auto item : head.pending.items) {
      item["pk"] = attr_s(repo_pk(head.id));
      writes.emplace_back(m_data, Json{{"PutRequest", {{"Item", std::move(item)}}}});
    }
    for (const auto& sk : head.pending.supersede) {
      writes.emplace_back(m_data, Json{{"DeleteRequest", {{"Key", key(repo_pk(head.id), sk)}}}});
    }
    return writes;
  }

  static void record_name(Head& head, const std::string& name, const std::string& seen,
                          bool canonical) {
    for (auto& record : head.names) {
      if (iequal(record.name, name)) {
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

  // R5, R6: adds a snapshot item unless the day already has a later one; a snapshot it
  // replaces is deleted when this commit is rolled forward.
  static void add_snapshot(Head& head, const std::string& prefix, util::Timestamp observed_at,
                           Json item) {
    const auto day = day_text(util::day_of(observed_at));
    const auto at = time_text(observed_at);
    auto mark = head.marks.find(prefix);
    if (mark != head.marks.end() && mark->second.day == day) {
      if (mark->second.at >= at) {
        return;
      }
      head.pending.supersede.push_back(fmt::format("{}#{}#{}", prefix, day, mark->second.at));
    }
    if (mark == head.marks.end() || mark->second.day <= day) {
      head.marks[prefix] = {day, at};
    }
    item["sk"] = attr_s(fmt::format("{}#{}#{}", prefix, day, at));
    item["at"] = attr_s(at);
    head.pending.items.push_back(std::move(item));
  }

  // R1-R3: merges the observation's windows into the head's days; days older than the
  // head keeps are read from their months.
  Counts merge_traffic(Head& head, const core::RepoObservation& observation) {
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
    std::string hot_from;
    if (head.last_day) {
      hot_from = day_text(parse_stored_day(*head.last_day) - std::chrono::days{k_hot_days - 1});
    }
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
    if (head.last_day && oldest < hot_from) {
      for (const auto& [day, values] : read_months(head.id, oldest, std::min(hot_from, newest))) {
        auto [it, inserted] = stored.try_emplace(day, k_no_values);
        it->second = raise(it->second, values);
      }
    }
    for (const auto& [index, days] : covered) {
      std::map<util::Day, core::DayCount> known;
      for (const auto& d : days) {
        auto it = stored.find(day_text(d.day));
        if (it != stored.end() && it->second[index] >= 0) {
          known.emplace(d.day, core::DayCount{d.day, it->second[index], it->second[index + 1]});
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
          it->second[index + 1] = d.uniques;
        }
      }
    }
    head.stored_days += counts.new_days;
    head.first_day = head.first_day ? std::min(*head.first_day, oldest) : oldest;
    head.last_day = head.last_day ? std::max(*head.last_day, newest) : newest;
    const auto keep_from =
        day_text(parse_stored_day(*head.last_day) - std::chrono::days{k_hot_days - 1});
    head.hot.clear();
    for (auto& [day, values] : stored) {
      if (day >= keep_from) {
        head.hot.emplace(day, values);
      }
    }
    return counts;
  }

  void add_history(Head& head, const core::RepoObservation& observation) {
    for (const auto* window : {observation.views ? &*observation.views : nullptr,
                               observation.clones ? &*observation.clones : nullptr}) {
      if (window == nullptr) {
        continue;
      }
      auto at = time_text(window->observed_at);
      auto kind = std::string(core::to_string(window->kind));
      head.pending.items.push_back({{"sk", attr_s(fmt::format("W#{}#{}", at, kind))},
                                    {"kind", attr_s(kind)},
                                    {"at", attr_s(at)},
                                    {"count", attr_n(window->count)},
                                    {"uniques", attr_n(window->uniques)}});
    }
    const auto& meta = observation.meta;
    add_snapshot(head, "C", observation.observed_at,
                 {{"stars", attr_n(meta.stars)},
                  {"forks", attr_n(meta.forks)},
                  {"watchers", attr_n(meta.watchers)},
                  {"open_issues", attr_n(meta.open_issues)}});
    if (observation.paths) {
      Json entries = Json::array();
      for (const auto& e : observation.paths->entries) {
        entries.push_back(Json::array({e.path, e.title, e.count, e.uniques}));
      }
      add_snapshot(head, "P", observation.paths->observed_at,
                   {{"entries", attr_s(entries.dump())}});
    }
    if (observation.referrers) {
      Json entries = Json::array();
      for (const auto& e : observation.referrers->entries) {
        entries.push_back(Json::array({e.referrer, e.count, e.uniques}));
      }
      add_snapshot(head, "F", observation.referrers->observed_at,
                   {{"entries", attr_s(entries.dump())}});
    }
    for (const auto& event : observation.events) {
      auto at = time_text(event.at);
      auto kind = std::string(core::to_string(event.kind));
      head.pending.items.push_back(
          {{"sk", attr_s(fmt::format("E#{}#{}#{}", at, kind, event.actor))},
           {"kind", attr_s(kind)},
           {"at", attr_s(at)},
           {"actor", attr_s(event.actor)}});
    }
  }

  // One attempt; nullopt when another writer committed the repository in between.
  std::optional<CommitResult> try_commit(const core::RepoObservation& observation) {
    const auto id = observation.meta.id;
    const auto observed_at = time_text(observation.observed_at);
    auto stored_head = read_head(id, true);
    Head head = stored_head.value_or(Head{});
    std::vector<std::pair<std::string, Json>> writes;
    if (stored_head) {
      writes = roll_forward(head);
    }
    const std::set<std::string> known_names = [&] {
      std::set<std::string> names;
      for (const auto& n : head.names) {
        names.insert(ascii_lower(n.name));
      }
      return names;
    }();

    auto full_name = observation.meta.full_name;
    if (full_name.empty() && !observation.names.empty()) {
      full_name = observation.names.back();
    }
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
      head.visibility = observation.meta.visibility;
      head.archived = observation.meta.archived;
      head.fork = observation.meta.fork;
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
    for (const auto& n : head.names) {
      if (!known_names.contains(ascii_lower(n.name))) {
        Json item = key(name_pk(n.name), fmt::format("R#{}", id));
        item["id"] = attr_n(id);
        writes.emplace_back(m_data, Json{{"PutRequest", {{"Item", std::move(item)}}}});
      }
    }

    auto counts = merge_traffic(head, observation);
    add_history(head, observation);

    // The ETag cache is not history: a cached body whose commit failed is only replayed
    // on a 304 and committed then, so it is written with the other unconditional writes.
    for (const auto& entry : observation.cache) {
      if (entry.body.size() > k_max_cache_body) {
        continue;  // too large for an item; the next run asks without If-None-Match
      }
      writes.emplace_back(m_cache, Json{{"PutRequest",
                                         {{"Item",
                                           {{"pk", attr_s(cache_group(entry.url))},
                                            {"sk", attr_s(entry.url)},
                                            {"etag", attr_s(entry.etag)},
                                            {"body", attr_s(entry.body)},
                                            {"at", attr_s(observed_at)}}}}}});
    }
    if (!writes.empty()) {
      m_api->batch_write(writes, "store history");
    }

    auto item = encode_head(head);
    if (item.dump().size() > k_max_head_bytes) {
      throw util::Error("could not write to {}: one run learned more than a DynamoDB item holds",
                        describe());
    }
    Json put{{"TableName", m_data}, {"Item", item}};
    if (stored_head) {
      put["ConditionExpression"] = "ver = :v";
      put["ExpressionAttributeValues"] = {{":v", attr_n(previous_version)}};
    } else {
      put["ConditionExpression"] = "attribute_not_exists(pk)";
    }
    auto committed = m_api->try_call("PutItem", put);
    if (!committed) {
      if (is_condition_failure(committed.error())) {
        return std::nullopt;
      }
      throw util::Error("could not write to {}: {}", describe(),
                        util::scrub(committed.error().message));
    }
    CommitResult result;
    result.repo_id = id;
    result.days_stored = static_cast<int>(head.stored_days);
    result.new_days = counts.new_days;
    result.grown_days = counts.grown_days;
    return result;
  }

  std::unique_ptr<TableApi> m_api;
  std::string m_data;
  std::string m_cache;
  bool m_read_only;
  std::map<std::string, std::map<std::string, core::CachedResponse>> m_cache_memo;
};

}  // namespace

namespace {

bool valid_table_prefix(std::string_view prefix) {
  // DynamoDB table names: 3-255 of [A-Za-z0-9_.-]; "-cache" is the longest suffix added.
  if (prefix.empty() || prefix.size() > 255 - 6) {
    return false;
  }
  return std::all_of(prefix.begin(), prefix.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

}  // namespace

Location parse_location(const std::string& location) {
  Location out;
  auto question = location.find('?');
  out.table_prefix = location.substr(0, question);
  if (!valid_table_prefix(out.table_prefix)) {
    throw util::Error(
        "dynamodb: needs a table prefix of letters, digits, '_', '.' or '-', for example "
        "dynamodb:ghtraffic?region=eu-west-1 (got '{}')",
        util::scrub(out.table_prefix));
  }
  if (question == std::string::npos) {
    return out;
  }
  std::string_view rest = std::string_view(location).substr(question + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    auto eq = pair.find('=');
    auto name = pair.substr(0, eq);
    auto value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (value.empty()) {
      throw util::Error("dynamodb:{}: the parameter '{}' needs a value", out.table_prefix,
                        std::string(name));
    }
    if (name == "region") {
      out.region = std::string(value);
    } else if (name == "endpoint") {
      out.endpoint = std::string(value);
    } else {
      throw util::Error("dynamodb:{}: unknown parameter '{}'; known: region, endpoint",
                        out.table_prefix, std::string(name));
    }
  }
  return out;
}

std::unique_ptr<Store> make_dynamodb_store(const std::string& location_text,
                                           const StoreOptions& options,
                                           std::shared_ptr<net::HttpTransport> transport) {
  auto location = parse_location(location_text);
  auto api = open_table_api(location, std::move(transport));
  api->ensure_table(location.table_prefix + "-data", !options.read_only);
  api->ensure_table(location.table_prefix + "-cache", !options.read_only);
  return std::make_unique<DynamoStore>(std::move(api), location.table_prefix, options.read_only);
}

}  // namespace ghtraffic::store::dynamodb

#include "ghtraffic/store/dynamodb/codec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <utility>

#include "ghtraffic/store/common.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::store::dynamodb {

std::string repo_pk(core::RepoId id) {
  return fmt::format("R#{}", id);
}

std::string head_sk(core::RepoId id) {
  return fmt::format("R#{}", id);
}

std::string month_sk(std::string_view day) {
  return fmt::format("M#{}", day.substr(0, 7));
}

std::string run_sk(std::int64_t id) {
  return fmt::format("R#{:020}", id);
}

std::string snapshot_sk(std::string_view prefix, util::Timestamp observed_at) {
  return fmt::format("{}#{}#{}", prefix, day_text(util::day_of(observed_at)),
                     time_text(observed_at));
}

std::string history_month_sk(core::CountKind kind, std::string_view day) {
  return fmt::format("H#{}#{}", core::to_string(kind), day.substr(0, 7));
}

std::string backfill_state_sk(core::CountKind kind) {
  return fmt::format("B#{}", core::to_string(kind));
}

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

std::string day_attr(std::string_view day, std::size_t index) {
  return fmt::format("{}{}{}", index < 2 ? 'v' : 'c', day.substr(8, 2), index % 2 == 0 ? 'c' : 'u');
}

void read_month(const Item& item, std::map<std::string, DayValues>& out) {
  auto month = get_s(item, "sk").value_or("").substr(2);
  for (const auto& [name, value] : item.items()) {
    if (name.size() != 4 || (name[0] != 'v' && name[0] != 'c') || !value.contains("N")) {
      continue;
    }
    auto day = fmt::format("{}-{}", month, name.substr(1, 2));
    auto index = (name[0] == 'v' ? 0u : 2u) + (name[3] == 'u' ? 1u : 0u);
    auto [it, inserted] = out.try_emplace(day, k_no_values);
    it->second[index] = std::max(it->second[index], number_of(value));
  }
}

std::string history_attr(std::string_view day) {
  return fmt::format("d{}", day.substr(8, 2));
}

void read_history_month(const Item& item, HistoryDays& out) {
  auto sk = get_s(item, "sk").value_or("");
  auto month = sk.substr(sk.rfind('#') + 1);
  for (const auto& [name, value] : item.items()) {
    if (name.size() != 3 || name[0] != 'd' || !value.contains("N")) {
      continue;
    }
    auto day = fmt::format("{}-{}", month, name.substr(1, 2));
    auto count = number_of(value);
    auto [it, inserted] = out.try_emplace(day, count);
    it->second = std::max(it->second, count);
  }
}

DayValues raise(DayValues stored, const DayValues& other) {
  for (std::size_t i = 0; i < stored.size(); ++i) {
    stored[i] = std::max(stored[i], other[i]);
  }
  return stored;
}

Item encode_window(const core::TrafficWindow& window) {
  auto at = time_text(window.observed_at);
  auto kind = std::string(core::to_string(window.kind));
  return {{"sk", attr_s(fmt::format("W#{}#{}", at, kind))},
          {"kind", attr_s(kind)},
          {"at", attr_s(at)},
          {"count", attr_n(window.count)},
          {"uniques", attr_n(window.uniques)}};
}

WindowRecord decode_window(const Item& item) {
  const auto text = get_s(item, "kind").value_or("");
  auto kind = core::traffic_kind_from(text);
  if (!kind) {
    throw util::Error("unreadable traffic kind '{}' in the store", text);
  }
  return {*kind, parse_stored_time(get_s(item, "at").value_or("")),
          get_n(item, "count").value_or(0), get_n(item, "uniques").value_or(0)};
}

// Watchers and open issues an import did not know are left out of the item.
Item encode_counters(const core::CounterSnapshot& snapshot) {
  Item item = {{"sk", attr_s(snapshot_sk(k_counters_prefix, snapshot.observed_at))},
               {"at", attr_s(time_text(snapshot.observed_at))},
               {"stars", attr_n(snapshot.stars)},
               {"forks", attr_n(snapshot.forks)}};
  if (snapshot.watchers) {
    item["watchers"] = attr_n(*snapshot.watchers);
  }
  if (snapshot.open_issues) {
    item["open_issues"] = attr_n(*snapshot.open_issues);
  }
  return item;
}

core::CounterSnapshot decode_counters(const Item& item) {
  return {parse_stored_time(get_s(item, "at").value_or("")), get_n(item, "stars").value_or(0),
          get_n(item, "forks").value_or(0), get_n(item, "watchers"), get_n(item, "open_issues")};
}

Item encode_paths(const core::PathSnapshot& snapshot) {
  Json entries = Json::array();
  for (const auto& e : snapshot.entries) {
    entries.push_back(
        Json::array({e.path, e.title, e.count, e.uniques ? Json(*e.uniques) : Json(nullptr)}));
  }
  return {{"sk", attr_s(snapshot_sk(k_paths_prefix, snapshot.observed_at))},
          {"at", attr_s(time_text(snapshot.observed_at))},
          {"entries", attr_s(entries.dump())}};
}

core::PathSnapshot decode_paths(const Item& item) {
  core::PathSnapshot snapshot{parse_stored_time(get_s(item, "at").value_or("")), {}};
  for (const auto& e : Json::parse(get_s(item, "entries").value_or("[]"))) {
    auto uniques = e.at(3).is_null() ? std::nullopt : std::optional(e.at(3).get<std::int64_t>());
    snapshot.entries.push_back({e.at(0).get<std::string>(), e.at(1).get<std::string>(),
                                e.at(2).get<std::int64_t>(), uniques});
  }
  return snapshot;
}

Item encode_referrers(const core::ReferrerSnapshot& snapshot) {
  Json entries = Json::array();
  for (const auto& e : snapshot.entries) {
    entries.push_back(Json::array({e.referrer, e.count, e.uniques}));
  }
  return {{"sk", attr_s(snapshot_sk(k_referrers_prefix, snapshot.observed_at))},
          {"at", attr_s(time_text(snapshot.observed_at))},
          {"entries", attr_s(entries.dump())}};
}

core::ReferrerSnapshot decode_referrers(const Item& item) {
  core::ReferrerSnapshot snapshot{parse_stored_time(get_s(item, "at").value_or("")), {}};
  for (const auto& e : Json::parse(get_s(item, "entries").value_or("[]"))) {
    snapshot.entries.push_back(
        {e.at(0).get<std::string>(), e.at(1).get<std::int64_t>(), e.at(2).get<std::int64_t>()});
  }
  return snapshot;
}

Item encode_event(const core::RepoEvent& event) {
  auto at = time_text(event.at);
  auto kind = std::string(core::to_string(event.kind));
  return {{"sk", attr_s(fmt::format("E#{}#{}#{}", at, kind, event.actor))},
          {"kind", attr_s(kind)},
          {"at", attr_s(at)},
          {"actor", attr_s(event.actor)}};
}

core::RepoEvent decode_event(const Item& item) {
  auto kind = get_s(item, "kind").value_or("");
  return {kind == "fork" ? core::EventKind::fork : core::EventKind::star,
          parse_stored_time(get_s(item, "at").value_or("")), get_s(item, "actor").value_or("")};
}

Item encode_downloads(const core::DownloadSnapshot& snapshot) {
  auto assets = snapshot.assets;
  std::sort(assets.begin(), assets.end(), [](const auto& a, const auto& b) {
    return std::tie(a.release, a.asset) < std::tie(b.release, b.asset);
  });
  Json entries = Json::array();
  for (const auto& a : assets) {
    entries.push_back(Json::array({a.release, a.asset, a.downloads}));
  }
  return {{"sk", attr_s(snapshot_sk(k_downloads_prefix, snapshot.observed_at))},
          {"at", attr_s(time_text(snapshot.observed_at))},
          {"assets", attr_s(entries.dump())}};
}

core::DownloadSnapshot decode_downloads(const Item& item) {
  core::DownloadSnapshot snapshot{parse_stored_time(get_s(item, "at").value_or("")), {}};
  try {
    for (const auto& e : Json::parse(get_s(item, "assets").value_or("[]"))) {
      snapshot.assets.push_back(
          {e.at(0).get<std::string>(), e.at(1).get<std::string>(), e.at(2).get<std::int64_t>()});
    }
  } catch (const Json::exception& e) {
    throw util::Error("unreadable download snapshot in the store: {}", e.what());
  }
  return snapshot;
}

core::DownloadSnapshot with_earlier_assets(core::DownloadSnapshot later,
                                           const core::DownloadSnapshot& earlier) {
  for (const auto& asset : earlier.assets) {
    auto listed = std::any_of(later.assets.begin(), later.assets.end(), [&](const auto& a) {
      return a.release == asset.release && a.asset == asset.asset;
    });
    if (!listed) {
      later.assets.push_back(asset);
    }
  }
  return later;
}

namespace {

void set_optional_day(Item& item, const char* name, const std::optional<util::Day>& day) {
  if (day) {
    item[name] = attr_s(day_text(*day));
  }
}

std::optional<util::Day> optional_day(const Item& item, const char* name) {
  auto text = get_s(item, name);
  return text ? std::optional(parse_stored_day(*text)) : std::nullopt;
}

}  // namespace

Item encode_backfill_state(const core::BackfillState& state) {
  Item item = {{"sk", attr_s(backfill_state_sk(state.kind))},
               {"source", attr_s(state.source)},
               {"next_url", attr_s(state.next_url)},
               {"next_position", attr_n(state.next_position)},
               {"complete", attr_bool(state.complete)},
               {"note", attr_s(state.note)},
               {"updated_at", attr_s(time_text(state.updated_at))}};
  set_optional_day(item, "through_day", state.through_day);
  set_optional_day(item, "resume_before", state.resume_before);
  set_optional_day(item, "pass_until", state.pass_until);
  set_optional_day(item, "approximate_from", state.approximate_from);
  return item;
}

core::BackfillState decode_backfill_state(const Item& item) {
  core::BackfillState state;
  auto sk = get_s(item, "sk").value_or("");
  auto kind = core::count_kind_from(sk.substr(std::min<std::size_t>(2, sk.size())));
  if (!kind) {
    throw util::Error("unreadable backfill state '{}' in the store", sk);
  }
  state.kind = *kind;
  state.source = get_s(item, "source").value_or("");
  state.next_url = get_s(item, "next_url").value_or("");
  state.next_position = get_n(item, "next_position").value_or(0);
  state.through_day = optional_day(item, "through_day");
  state.complete = get_bool(item, "complete");
  state.resume_before = optional_day(item, "resume_before");
  state.pass_until = optional_day(item, "pass_until");
  state.approximate_from = optional_day(item, "approximate_from");
  state.note = get_s(item, "note").value_or("");
  state.updated_at = parse_stored_time(get_s(item, "updated_at").value_or(""));
  return state;
}

Item encode_run_start(std::int64_t id, util::Timestamp started_at) {
  Json item = key(k_runs_pk, run_sk(id));
  item["id"] = attr_n(id);
  item["started_at"] = attr_s(time_text(started_at));
  item["repos_ok"] = attr_n(0);
  item["repos_failed"] = attr_n(0);
  return item;
}

RunRecord decode_run(const Item& item) {
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

Item encode_cache_entry(const core::CachedResponse& entry, util::Timestamp stored_at) {
  return {{"pk", attr_s(cache_group(entry.url))},
          {"sk", attr_s(entry.url)},
          {"etag", attr_s(entry.etag)},
          {"body", attr_s(entry.body)},
          {"at", attr_s(time_text(stored_at))}};
}

core::CachedResponse decode_cache_entry(const Item& item) {
  return {get_s(item, "sk").value_or(""), get_s(item, "etag").value_or(""),
          get_s(item, "body").value_or("")};
}

RepoRecord repo_record(Head head) {
  RepoRecord repo;
  repo.id = head.id;
  repo.full_name = head.full_name;
  std::stable_sort(head.names.begin(), head.names.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.first_seen, util::to_lower(a.name)) <
           std::make_pair(b.first_seen, util::to_lower(b.name));
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
  return repo;
}

}  // namespace ghtraffic::store::dynamodb

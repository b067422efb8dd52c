#include "ghtraffic/store/dynamodb/head.hpp"

#include <chrono>

#include "ghtraffic/store/common.hpp"
#include "ghtraffic/store/dynamodb/codec.hpp"
#include "ghtraffic/store/dynamodb/table_api.hpp"
#include "ghtraffic/util/error.hpp"

namespace ghtraffic::store::dynamodb {

namespace {

Json days_json(const std::map<std::string, DayValues>& days) {
  Json out = Json::object();
  for (const auto& [day, values] : days) {
    out[day] = values;
  }
  return out;
}

std::map<std::string, DayValues> days_from(const Json& json) {
  std::map<std::string, DayValues> out;
  for (const auto& [day, values] : json.items()) {
    out[day] = values.get<DayValues>();
  }
  return out;
}

// History days as runs of consecutive days, [first day, [count, ...]]: a backfill's years
// of days stay a small part of the head's 400 KB.
Json history_json(const std::map<std::string, HistoryDays>& history) {
  Json out = Json::object();
  for (const auto& [kind, days] : history) {
    Json runs = Json::array();
    std::optional<util::Day> next;
    for (const auto& [day, count] : days) {
      auto parsed = parse_stored_day(day);
      if (!next || parsed != *next) {
        runs.push_back(Json::array({day, Json::array()}));
      }
      runs.back()[1].push_back(count);
      next = parsed + std::chrono::days{1};
    }
    out[kind] = std::move(runs);
  }
  return out;
}

std::map<std::string, HistoryDays> history_from(const Json& json) {
  std::map<std::string, HistoryDays> out;
  for (const auto& [kind, runs] : json.items()) {
    auto& days = out[kind];
    for (const auto& run : runs) {
      auto day = parse_stored_day(run.at(0).get<std::string>());
      for (const auto& count : run.at(1)) {
        days[day_text(day)] = count.get<std::int64_t>();
        day += std::chrono::days{1};
      }
    }
  }
  return out;
}

}  // namespace

Json encode_head(const Head& head) {
  Json state;
  state["names"] = Json::array();
  for (const auto& n : head.names) {
    state["names"].push_back(Json::array({n.name, n.first_seen, n.last_seen}));
  }
  if (head.first_day) {
    state["first_day"] = *head.first_day;
    state["last_day"] = *head.last_day;
  }
  state["stored_days"] = head.stored_days;
  if (head.days_stored) {
    state["days_stored"] = *head.days_stored;
  }
  state["hot"] = days_json(head.hot);
  state["marks"] = Json::object();
  for (const auto& [prefix, mark] : head.marks) {
    state["marks"][prefix] = Json::array({mark.day, mark.at});
  }
  state["pending"] = {{"days", days_json(head.pending.days)},
                      {"items", head.pending.items},
                      {"supersede", head.pending.supersede}};
  if (!head.pending.history.empty()) {
    state["pending"]["history"] = history_json(head.pending.history);
  }

  Json item = key(k_repos_pk, head_sk(head.id));
  item["id"] = attr_n(head.id);
  item["ver"] = attr_n(head.version);
  item["full_name"] = attr_s(head.full_name);
  item["visibility"] = attr_s(head.visibility);
  item["archived"] = attr_bool(head.archived);
  item["fork"] = attr_bool(head.fork);
  item["first_seen"] = attr_s(head.first_seen);
  if (head.last_collected) {
    item["last_collected"] = attr_s(*head.last_collected);
  }
  item["state"] = attr_s(state.dump());
  return item;
}

Head decode_head(const Json& item) {
  Head head;
  head.exists = true;
  try {
    head.id = get_n(item, "id").value_or(0);
    head.version = get_n(item, "ver").value_or(0);
    head.full_name = get_s(item, "full_name").value_or("");
    head.visibility = get_s(item, "visibility").value_or("");
    head.archived = get_bool(item, "archived");
    head.fork = get_bool(item, "fork");
    head.first_seen = get_s(item, "first_seen").value_or("");
    head.last_collected = get_s(item, "last_collected");
    auto state = Json::parse(get_s(item, "state").value_or("{}"));
    for (const auto& n : state.value("names", Json::array())) {
      head.names.push_back(
          {n.at(0).get<std::string>(), n.at(1).get<std::string>(), n.at(2).get<std::string>()});
    }
    if (state.contains("first_day")) {
      head.first_day = state["first_day"].get<std::string>();
      head.last_day = state["last_day"].get<std::string>();
    }
    head.stored_days = state.value("stored_days", std::int64_t{0});
    if (state.contains("days_stored")) {
      head.days_stored = state["days_stored"].get<std::int64_t>();
    }
    head.hot = days_from(state.value("hot", Json::object()));
    const auto marks = state.value("marks", Json::object());
    for (const auto& [prefix, mark] : marks.items()) {
      head.marks[prefix] = {mark.at(0).get<std::string>(), mark.at(1).get<std::string>()};
    }
    auto pending = state.value("pending", Json::object());
    head.pending.days = days_from(pending.value("days", Json::object()));
    head.pending.items = pending.value("items", Json::array());
    head.pending.supersede = pending.value("supersede", std::vector<std::string>{});
    head.pending.history = history_from(pending.value("history", Json::object()));
  } catch (const Json::exception& e) {
    throw util::Error("unreadable record of repository {} in the store: {}", head.id, e.what());
  }
  return head;
}

}  // namespace ghtraffic::store::dynamodb

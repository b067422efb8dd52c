#include <gtest/gtest.h>

#include "ghtraffic/store/dynamodb/codec.hpp"
#include "ghtraffic/store/dynamodb/commit.hpp"
#include "ghtraffic/store/dynamodb/head.hpp"
#include "ghtraffic/util/error.hpp"

using namespace ghtraffic;
using namespace ghtraffic::store;
using namespace ghtraffic::store::dynamodb;

namespace {

util::Timestamp at(const char* text) {
  return *util::parse_iso8601(text);
}

// What DynamoDB gives back: the item as JSON text, parsed again.
Item stored(const Item& item) {
  return Json::parse(item.dump());
}

}  // namespace

TEST(dynamodb_codec, keys_follow_the_documented_layout) {
  EXPECT_EQ(repo_pk(42), "R#42");
  EXPECT_EQ(head_sk(42), "R#42");
  EXPECT_EQ(month_sk("2026-08-03"), "M#2026-08");
  EXPECT_EQ(run_sk(42), "R#00000000000000000042");
  EXPECT_EQ(snapshot_sk(k_counters_prefix, at("2026-08-03T10:00:00Z")),
            "C#2026-08-03#2026-08-03T10:00:00Z");
  EXPECT_EQ(day_attr("2026-08-12", 0), "v12c");
  EXPECT_EQ(day_attr("2026-08-12", 1), "v12u");
  EXPECT_EQ(day_attr("2026-08-03", 2), "c03c");
  EXPECT_EQ(day_attr("2026-08-03", 3), "c03u");
}

TEST(dynamodb_codec, groups_cached_responses_by_repository) {
  EXPECT_EQ(cache_group("https://api.github.com/repos/octo/cat/traffic/views?per=day"),
            "https://api.github.com/repos/octo/cat");
  EXPECT_EQ(cache_group("https://api.github.com/repos/octo/cat?x=1"),
            "https://api.github.com/repos/octo/cat");
  EXPECT_EQ(cache_group("https://api.github.com/user/repos"), "https://api.github.com/user/repos");
}

TEST(dynamodb_codec, a_window_round_trips) {
  core::TrafficWindow window;
  window.kind = core::TrafficKind::clones;
  window.observed_at = at("2026-08-03T10:00:00Z");
  window.count = 120;
  window.uniques = 7;
  auto item = stored(encode_window(window));
  EXPECT_EQ(get_s(item, "sk"), "W#2026-08-03T10:00:00Z#clones");
  auto back = decode_window(item);
  EXPECT_EQ(back.kind, core::TrafficKind::clones);
  EXPECT_EQ(back.observed_at, window.observed_at);
  EXPECT_EQ(back.count, 120);
  EXPECT_EQ(back.uniques, 7);
}

TEST(dynamodb_codec, counters_round_trip) {
  core::CounterSnapshot counters{at("2026-08-03T10:00:00Z"), 10, 2, 5, 3};
  auto item = stored(encode_counters(counters));
  EXPECT_EQ(get_s(item, "sk"), "C#2026-08-03#2026-08-03T10:00:00Z");
  auto back = decode_counters(item);
  EXPECT_EQ(back.observed_at, counters.observed_at);
  EXPECT_EQ(back.stars, 10);
  EXPECT_EQ(back.forks, 2);
  EXPECT_EQ(back.watchers, 5);
  EXPECT_EQ(back.open_issues, 3);
}

TEST(dynamodb_codec, paths_round_trip_in_their_order) {
  core::PathSnapshot paths{at("2026-08-03T10:00:00Z"),
                           {{"/octo/cat", "octo/cat: a \"quoted\" title", 30, 9},
                            {"/octo/cat/blob/main/README.md", "README", 4, 1}}};
  auto item = stored(encode_paths(paths));
  EXPECT_EQ(get_s(item, "sk"), "P#2026-08-03#2026-08-03T10:00:00Z");
  auto back = decode_paths(item);
  EXPECT_EQ(back.observed_at, paths.observed_at);
  EXPECT_EQ(back.entries, paths.entries);
}

TEST(dynamodb_codec, referrers_round_trip_in_their_order) {
  core::ReferrerSnapshot referrers{at("2026-08-03T10:00:00Z"),
                                   {{"github.com", 12, 4}, {"news.ycombinator.com", 3, 3}}};
  auto item = stored(encode_referrers(referrers));
  EXPECT_EQ(get_s(item, "sk"), "F#2026-08-03#2026-08-03T10:00:00Z");
  auto back = decode_referrers(item);
  EXPECT_EQ(back.observed_at, referrers.observed_at);
  EXPECT_EQ(back.entries, referrers.entries);
}

TEST(dynamodb_codec, events_round_trip) {
  for (auto kind : {core::EventKind::star, core::EventKind::fork}) {
    core::RepoEvent event{kind, at("2026-07-01T08:30:00Z"), "someone"};
    auto back = decode_event(stored(encode_event(event)));
    EXPECT_EQ(back, event);
  }
  EXPECT_EQ(
      get_s(encode_event({core::EventKind::fork, at("2026-07-01T08:30:00Z"), "me/cat"}), "sk"),
      "E#2026-07-01T08:30:00Z#fork#me/cat");
}

TEST(dynamodb_codec, a_run_round_trips_from_its_start) {
  auto item = stored(encode_run_start(42, at("2026-08-03T10:00:00Z")));
  EXPECT_EQ(get_s(item, "pk"), "RUNS");
  EXPECT_EQ(get_s(item, "sk"), run_sk(42));
  auto run = decode_run(item);
  EXPECT_EQ(run.id, 42);
  EXPECT_EQ(run.started_at, at("2026-08-03T10:00:00Z"));
  EXPECT_FALSE(run.finished_at);
  EXPECT_EQ(run.repos_ok, 0);
  EXPECT_EQ(run.repos_failed, 0);

  item["finished_at"] = attr_s("2026-08-03T10:05:00Z");
  item["repos_ok"] = attr_n(4);
  item["repos_failed"] = attr_n(1);
  run = decode_run(item);
  EXPECT_EQ(run.finished_at, at("2026-08-03T10:05:00Z"));
  EXPECT_EQ(run.repos_ok, 4);
  EXPECT_EQ(run.repos_failed, 1);
}

TEST(dynamodb_codec, a_cache_entry_round_trips_in_its_group) {
  core::CachedResponse entry{"https://api.github.com/repos/octo/cat/traffic/views?per=day",
                             "W/\"abc\"", R"({"count":1})"};
  auto item = stored(encode_cache_entry(entry, at("2026-08-03T10:00:00Z")));
  EXPECT_EQ(get_s(item, "pk"), "https://api.github.com/repos/octo/cat");
  auto back = decode_cache_entry(item);
  EXPECT_EQ(back.url, entry.url);
  EXPECT_EQ(back.etag, entry.etag);
  EXPECT_EQ(back.body, entry.body);
}

TEST(dynamodb_codec, a_month_item_holds_each_value_of_each_day) {
  Item month = key(repo_pk(1), "M#2026-08");
  month["v03c"] = attr_n(7);
  month["v03u"] = attr_n(2);
  month["c03c"] = attr_n(0);
  month["c12u"] = attr_n(1);
  month["state"] = attr_s("not a day");
  std::map<std::string, DayValues> days{{"2026-08-03", {9, 1, -1, -1}}};
  read_month(stored(month), days);
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days["2026-08-03"], (DayValues{9, 2, 0, -1}));  // raised, never lowered (R2)
  EXPECT_EQ(days["2026-08-12"], (DayValues{-1, -1, -1, 1}));
  EXPECT_EQ(raise({1, -1, 5, 0}, {0, 3, 6, -1}), (DayValues{1, 3, 6, 0}));
}

TEST(dynamodb_codec, a_head_round_trips_with_its_pending_part) {
  Head head;
  head.exists = true;
  head.version = 3;
  head.id = 42;
  head.full_name = "octo/cat";
  head.visibility = "private";
  head.archived = true;
  head.fork = false;
  head.first_seen = "2026-01-01T00:00:00Z";
  head.last_collected = "2026-08-03T10:00:00Z";
  head.names = {{"octo/kitten", "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z"},
                {"octo/cat", "2026-03-01T00:00:00Z", "2026-08-03T10:00:00Z"}};
  head.first_day = "2026-07-20";
  head.last_day = "2026-08-03";
  head.stored_days = 15;
  head.hot = {{"2026-08-02", {3, 1, 0, 0}}, {"2026-08-03", {5, 2, -1, -1}}};
  head.marks = {{"C", {"2026-08-03", "2026-08-03T10:00:00Z"}}};
  head.pending.days = {{"2026-08-03", {5, 2, -1, -1}}};
  head.pending.items.push_back(encode_counters({at("2026-08-03T10:00:00Z"), 1, 2, 3, 4}));
  head.pending.supersede = {"C#2026-08-03#2026-08-03T09:00:00Z"};

  auto item = stored(encode_head(head));
  EXPECT_EQ(get_s(item, "pk"), "REPOS");
  EXPECT_EQ(get_s(item, "sk"), "R#42");
  auto back = decode_head(item);
  EXPECT_TRUE(back.exists);
  EXPECT_EQ(back.version, 3);
  EXPECT_EQ(back.id, 42);
  EXPECT_EQ(back.full_name, "octo/cat");
  EXPECT_EQ(back.visibility, "private");
  EXPECT_TRUE(back.archived);
  EXPECT_FALSE(back.fork);
  EXPECT_EQ(back.first_seen, head.first_seen);
  EXPECT_EQ(back.last_collected, head.last_collected);
  ASSERT_EQ(back.names.size(), 2u);
  EXPECT_EQ(back.names[0].name, "octo/kitten");
  EXPECT_EQ(back.names[1].last_seen, "2026-08-03T10:00:00Z");
  EXPECT_EQ(back.first_day, head.first_day);
  EXPECT_EQ(back.last_day, head.last_day);
  EXPECT_EQ(back.stored_days, 15);
  EXPECT_EQ(back.hot, head.hot);
  ASSERT_EQ(back.marks.size(), 1u);
  EXPECT_EQ(back.marks["C"].at, "2026-08-03T10:00:00Z");
  EXPECT_EQ(back.pending.days, head.pending.days);
  EXPECT_EQ(back.pending.items, head.pending.items);
  EXPECT_EQ(back.pending.supersede, head.pending.supersede);

  auto record = repo_record(back);
  EXPECT_EQ(record.id, 42);
  EXPECT_EQ(record.names, (std::vector<std::string>{"octo/kitten", "octo/cat"}));
  EXPECT_EQ(record.first_day, util::parse_day("2026-07-20"));
  EXPECT_EQ(record.last_day, util::parse_day("2026-08-03"));
  EXPECT_EQ(record.last_collected, at("2026-08-03T10:00:00Z"));
}

TEST(dynamodb_codec, history_keys_and_month_items_follow_the_documented_layout) {
  EXPECT_EQ(history_month_sk(core::CountKind::stars, "2026-08-03"), "H#stars#2026-08");
  EXPECT_EQ(history_month_sk(core::CountKind::forks, "2026-08-03"), "H#forks#2026-08");
  EXPECT_EQ(backfill_state_sk(core::CountKind::forks), "B#forks");
  EXPECT_EQ(history_attr("2026-08-03"), "d03");
  Item month = key(repo_pk(1), "H#stars#2026-08");
  month["d03"] = attr_n(7);
  month["d31"] = attr_n(9);
  HistoryDays days{{"2026-08-03", 8}};
  read_history_month(stored(month), days);
  EXPECT_EQ(days, (HistoryDays{{"2026-08-03", 8}, {"2026-08-31", 9}}));  // never lowered (R9)
}

TEST(dynamodb_codec, a_heads_pending_history_round_trips_as_runs_of_days) {
  Head head;
  head.id = 42;
  head.pending.history["stars"] = {
      {"2026-02-27", 1}, {"2026-02-28", 2}, {"2026-03-01", 3}, {"2026-03-05", 9}};
  head.pending.history["forks"] = {{"2026-03-01", 1}};
  auto item = stored(encode_head(head));
  auto state = Json::parse(get_s(item, "state").value_or(""));
  EXPECT_EQ(state["pending"]["history"]["stars"].dump(),
            R"([["2026-02-27",[1,2,3]],["2026-03-05",[9]]])");
  EXPECT_EQ(decode_head(item).pending.history, head.pending.history);
  EXPECT_FALSE(decode_head(item).pending.empty());
  EXPECT_TRUE(decode_head(stored(encode_head(Head{}))).pending.history.empty());
}

TEST(dynamodb_codec, a_download_snapshot_round_trips_with_assets_by_release_then_name) {
  core::DownloadSnapshot snapshot{at("2026-08-03T10:00:00Z"),
                                  {{"v2", "b.zip", 5}, {"v1", "z.tar.gz", 7}, {"v1", "a.zip", 3}}};
  auto item = stored(encode_downloads(snapshot));
  EXPECT_EQ(get_s(item, "sk"), "D#2026-08-03#2026-08-03T10:00:00Z");
  auto back = decode_downloads(item);
  EXPECT_EQ(back.observed_at, snapshot.observed_at);
  EXPECT_EQ(back.assets, (std::vector<core::AssetDownloads>{
                             {"v1", "a.zip", 3}, {"v1", "z.tar.gz", 7}, {"v2", "b.zip", 5}}));
  auto merged = with_earlier_assets({at("2026-08-03T12:00:00Z"), {{"v1", "a.zip", 4}}}, back);
  EXPECT_EQ(merged.assets, (std::vector<core::AssetDownloads>{
                               {"v1", "a.zip", 4}, {"v1", "z.tar.gz", 7}, {"v2", "b.zip", 5}}));
}

TEST(dynamodb_codec, a_backfill_state_round_trips_with_its_unknown_days_unknown) {
  core::BackfillState state{core::CountKind::stars,
                            "stargazers/history",
                            "https://api.github.com/repos/o/r/stargazers/history?page=2",
                            1234,
                            util::parse_day("2026-08-01"),
                            false,
                            util::parse_day("2026-05-01"),
                            std::nullopt,
                            std::nullopt,
                            "",
                            at("2026-08-03T10:00:00Z")};
  auto item = stored(encode_backfill_state(state));
  EXPECT_EQ(get_s(item, "sk"), "B#stars");
  EXPECT_FALSE(item.contains("pass_until"));
  auto back = decode_backfill_state(item);
  EXPECT_EQ(back.kind, core::CountKind::stars);
  EXPECT_EQ(back.source, state.source);
  EXPECT_EQ(back.next_url, state.next_url);
  EXPECT_EQ(back.next_position, 1234);
  EXPECT_EQ(back.through_day, state.through_day);
  EXPECT_FALSE(back.complete);
  EXPECT_EQ(back.resume_before, state.resume_before);
  EXPECT_FALSE(back.pass_until);
  EXPECT_FALSE(back.approximate_from);
  EXPECT_EQ(back.updated_at, state.updated_at);
  item["sk"] = attr_s("B#watchers");
  EXPECT_THROW(decode_backfill_state(item), util::Error);
}

TEST(dynamodb_codec, unreadable_stored_values_are_errors) {
  Item window = encode_window({core::TrafficKind::views, at("2026-08-03T10:00:00Z"), 1, 1, {}});
  window["kind"] = attr_s("stars");
  EXPECT_THROW(decode_window(window), util::Error);
  Item counters = encode_counters({at("2026-08-03T10:00:00Z"), 1, 2, 3, 4});
  counters["at"] = attr_s("yesterday");
  EXPECT_THROW(decode_counters(counters), util::Error);
  Item head = encode_head(Head{});
  head["state"] = attr_s("{not json");
  EXPECT_THROW(decode_head(head), util::Error);
}

TEST(dynamodb_commit, a_later_snapshot_of_the_same_day_replaces_the_earlier_one) {
  Head head;
  const auto morning = at("2026-08-03T09:00:00Z");
  const auto evening = at("2026-08-03T21:00:00Z");
  add_snapshot(head, k_counters_prefix, morning, encode_counters({morning, 1, 0, 0, 0}));
  add_snapshot(head, k_counters_prefix, evening, encode_counters({evening, 2, 0, 0, 0}));
  add_snapshot(head, k_counters_prefix, morning, encode_counters({morning, 3, 0, 0, 0}));
  EXPECT_EQ(head.pending.items.size(), 2u);  // the late morning one is dropped
  EXPECT_EQ(head.pending.supersede,
            (std::vector<std::string>{"C#2026-08-03#2026-08-03T09:00:00Z"}));
  EXPECT_EQ(head.marks["C"].at, "2026-08-03T21:00:00Z");
}

TEST(dynamodb_commit, records_names_ignoring_case_with_github_spelling) {
  Head head;
  record_name(head, "octo/CAT", "2026-01-01T00:00:00Z", false);
  record_name(head, "octo/cat", "2026-02-01T00:00:00Z", true);
  record_name(head, "octo/Cat", "2026-01-15T00:00:00Z", true);  // older: keeps the spelling
  ASSERT_EQ(head.names.size(), 1u);
  EXPECT_EQ(head.names[0].name, "octo/cat");
  EXPECT_EQ(head.names[0].first_seen, "2026-01-01T00:00:00Z");
  EXPECT_EQ(head.names[0].last_seen, "2026-02-01T00:00:00Z");
  record_name(head, "octo/kitten", "2026-03-01T00:00:00Z", true);
  EXPECT_EQ(head.names.size(), 2u);
}

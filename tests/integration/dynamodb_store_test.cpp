// DynamoDB-specific store tests against dynalite on loopback: tables, the request economy
// of a daily run, the collection lock, and the same data as SQLite down to exported bytes.
// The data rules themselves are in store_conformance_test.cpp.
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include "ghtraffic/export/export.hpp"
#include "ghtraffic/export/sink.hpp"
#include "ghtraffic/store/dynamodb/codec.hpp"
#include "ghtraffic/store/dynamodb/table_api.hpp"
#include "ghtraffic/util/error.hpp"
#include "store_conformance.hpp"

using namespace ghtraffic;
using namespace ghtraffic::store::testing;
using core::TrafficKind;

namespace {

std::string daily_time(int day_of_month) {
  return fmt::format("2026-03-{:02}T06:00:00Z", day_of_month);
}

// What a daily run learns about one repository: today's partial bucket, yesterday grown.
core::RepoObservation daily_observation(core::RepoId id, int day_of_month) {
  const auto when = daily_time(day_of_month);
  auto o = observation(id, "octo/daily", when.c_str());
  o.meta.stars = 100 + day_of_month;
  auto today = util::day_of(at(when.c_str()));
  auto yesterday = today - std::chrono::days{1};
  o.views = window(TrafficKind::views, when.c_str(),
                   {{yesterday, 40 + day_of_month, 10}, {today, 5, 2}}, 300, 80);
  o.clones = window(TrafficKind::clones, when.c_str(), {{yesterday, 4, 2}, {today, 1, 1}}, 30, 9);
  o.paths = core::PathSnapshot{at(when.c_str()), {{"/", "Home", 50, 12}, {"/docs", "Docs", 9, 3}}};
  o.referrers = core::ReferrerSnapshot{at(when.c_str()), {{"github.com", 20, 6}}};
  for (const char* what :
       {"views?per=day", "clones?per=day", "popular/paths", "popular/referrers"}) {
    o.cache.push_back({fmt::format("https://api.github.com/repos/octo/daily/traffic/{}", what),
                       fmt::format("\"{}-{}\"", what, day_of_month), "{\"count\":1}"});
  }
  return o;
}

// The store calls of one repository in a run: the four conditional-request lookups, then
// the commit.
int requests_for_one_repository(DynamoBackend& backend, store::Store& store,
                                const core::RepoObservation& o) {
  const int before = backend.transport().requests();
  for (const auto& entry : o.cache) {
    store.cached_response(entry.url);
  }
  store.commit(o);
  return backend.transport().requests() - before;
}

}  // namespace

TEST(dynamodb_store, a_daily_run_costs_at_most_six_requests_per_repository) {
  DynamoBackend backend;
  auto store = backend.open();
  const int first = requests_for_one_repository(backend, *store, daily_observation(1, 1));
  int most = 0;
  int total = 0;
  constexpr int k_days = 40;  // crosses a month boundary
  for (int d = 2; d <= k_days; ++d) {
    auto o = d <= 31 ? daily_observation(1, d) : [&] {
      auto april = daily_observation(1, 1);
      auto text = fmt::format("2026-04-{:02}T06:00:00Z", d - 31);
      auto t = at(text.c_str());
      april.observed_at = t;
      april.views->observed_at = t;
      april.clones->observed_at = t;
      april.paths->observed_at = t;
      april.referrers->observed_at = t;
      auto today = util::day_of(t);
      april.views->days = {{today - std::chrono::days{1}, 40, 10}, {today, 5, 2}};
      april.clones->days = {{today, 1, 1}};
      return april;
    }();
    int n = requests_for_one_repository(backend, *store, o);
    EXPECT_LE(n, 6) << "daily run " << d;
    most = std::max(most, n);
    total += n;
  }
  EXPECT_EQ(backend.transport().scans(), 0);
  std::cout << fmt::format(
      "dynamodb requests per repository: first run {}, daily runs at most {}, mean {:.2f}\n", first,
      most, static_cast<double>(total) / (k_days - 1));
  // What the runs stored reads back whole.
  EXPECT_EQ(store->days(1, TrafficKind::views).size(), 14u + k_days);
  EXPECT_EQ(store->path_snapshots(1).size(), static_cast<std::size_t>(k_days));
}

// A first backfill of a five-year-old repository (every day of stars and forks) and the
// daily ones after it: what they cost in DynamoDB requests, and how much of the head's
// 400 KB the pending history takes.
TEST(dynamodb_store, a_five_year_backfill_costs_a_few_requests_and_its_roll_forward_one_a_month) {
  DynamoBackend backend;
  auto store = backend.open();
  store->commit(daily_observation(1, 20));
  core::Backfill first{1, "octo/daily", {}, {}, {}};
  const auto start = day("2021-03-21");
  const int days = 5 * 365;
  for (int i = 0; i < days; ++i) {
    first.stars.push_back({start + std::chrono::days{i}, 10'000 * i / days});
    first.forks.push_back({start + std::chrono::days{i}, 1'000 * i / days});
  }
  first.states = {{core::CountKind::stars, "stargazers/history", "", 0, day("2026-03-19"), true,
                   std::nullopt, std::nullopt, std::nullopt, "", at("2026-03-20T06:00:00Z")}};
  int before = backend.transport().requests();
  auto result = store->commit_backfill(first);
  const int commit = backend.transport().requests() - before;
  EXPECT_EQ(result.new_days, 2 * days);
  // The head, the previous commit rolled forward (a month of days, a batch), each kind's
  // months (one Query each), the head again.
  EXPECT_LE(commit, 6);
  auto api = store::dynamodb::open_table_api(store::dynamodb::parse_location(backend.location()),
                                             backend.shared_transport());
  const auto prefix = backend.location().substr(0, backend.location().find('?'));
  auto head = api->call(
      "GetItem",
      {{"TableName", prefix + "-data"},
       {"Key", store::dynamodb::key(store::dynamodb::k_repos_pk, store::dynamodb::head_sk(1))}},
      "read the head");
  const auto head_bytes = head["Item"].dump().size();
  EXPECT_LT(head_bytes, 40u * 1024);

  // The next collection rolls the history forward: one UpdateItem a month and kind.
  before = backend.transport().requests();
  store->commit(daily_observation(1, 21));
  const int roll_forward = backend.transport().requests() - before;
  const int months = 2 * 61;  // 2021-03 .. 2026-03, stars and forks
  EXPECT_LE(roll_forward, months + 6);
  // A daily backfill after it: one day of each kind.
  core::Backfill daily{
      1, "octo/daily", {{day("2026-03-20"), 10'001}}, {{day("2026-03-20"), 1'001}}, first.states};
  before = backend.transport().requests();
  store->commit_backfill(daily);
  const int daily_commit = backend.transport().requests() - before;
  EXPECT_LE(daily_commit, 6);
  std::cout << fmt::format(
      "dynamodb backfill of 5 years: commit {} requests, head {} KB, roll-forward {} requests; "
      "a daily backfill {} requests\n",
      commit, head_bytes / 1024, roll_forward, daily_commit);
  EXPECT_EQ(store->history_counts(1, core::CountKind::stars).size(),
            static_cast<std::size_t>(days + 1));
  EXPECT_EQ(store->history_counts(1, core::CountKind::forks).back().count, 1'001);
}

TEST(dynamodb_store, counts_the_days_stored_of_a_record_an_older_version_wrote) {
  DynamoBackend backend;
  auto store = backend.open();
  auto january = observation(7, "octo/old", "2026-01-20T12:00:00Z");
  january.views = window(TrafficKind::views, "2026-01-20T12:00:00Z", {});    // 01-06..01-20
  january.clones = window(TrafficKind::clones, "2026-01-20T12:00:00Z", {});  // the same days
  EXPECT_EQ(store->commit(january).days_stored, 15);
  auto march = observation(7, "octo/old", "2026-03-20T12:00:00Z");
  march.views = window(TrafficKind::views, "2026-03-20T12:00:00Z", {});  // 03-06..03-20
  EXPECT_EQ(store->commit(march).days_stored, 30);

  // The record as versions before the count of days wrote it: views-days plus clones-days
  // only. January's days now live in their month items, outside the record.
  auto api = store::dynamodb::open_table_api(store::dynamodb::parse_location(backend.location()),
                                             backend.shared_transport());
  const auto location = backend.location();
  const auto table = location.substr(0, location.find('?')) + "-data";
  auto item = api->call(
      "GetItem",
      {{"TableName", table},
       {"Key", store::dynamodb::key(store::dynamodb::k_repos_pk, store::dynamodb::head_sk(7))},
       {"ConsistentRead", true}},
      "read the record")["Item"];
  auto state = nlohmann::json::parse(item["state"]["S"].get<std::string>());
  ASSERT_EQ(state["days_stored"], 30);
  state.erase("days_stored");
  state["stored_days"] = 45;
  item["state"] = store::dynamodb::attr_s(state.dump());
  api->call("PutItem", {{"TableName", table}, {"Item", item}}, "write the record");

  auto later = observation(7, "octo/old", "2026-03-25T12:00:00Z");
  later.views = window(TrafficKind::views, "2026-03-25T12:00:00Z", {});  // 03-11..03-25
  EXPECT_EQ(store->commit(later).days_stored, 35);  // counted again from the months, once
  auto again = observation(7, "octo/old", "2026-03-26T12:00:00Z");
  again.clones = window(TrafficKind::clones, "2026-03-26T12:00:00Z", {});  // 03-12..03-26
  EXPECT_EQ(store->commit(again).days_stored, 36);
}

TEST(dynamodb_store, creates_its_tables_on_first_use_and_opens_them_again) {
  DynamoBackend backend;
  try {
    backend.open({.read_only = true});
    FAIL() << "a read-only open of a missing store should fail";
  } catch (const util::Error& e) {
    EXPECT_NE(std::string(e.what()).find("run `ghtraffic collect` first"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(backend.open({.read_only = true}), util::Error);  // and created nothing
  auto store = backend.open();
  store->commit(daily_observation(5, 3));
  EXPECT_EQ(backend.open({.read_only = true})->repositories().size(), 1u);
  EXPECT_EQ(backend.open()->days(5, TrafficKind::views).size(), 15u);
}

TEST(dynamodb_store, is_chosen_by_the_factory_from_its_url) {
  DynamoBackend backend;
  auto store = store::make_store(backend.url());
  EXPECT_EQ(store->describe().rfind("dynamodb:conformance", 0), 0u) << store->describe();
  EXPECT_TRUE(store->repositories().empty());
  EXPECT_THROW(store::make_store("dynamodb:"), util::Error);
  EXPECT_THROW(store::make_store("dynamodb:bad/prefix"), util::Error);
  EXPECT_THROW(store::make_store("dynamodb:ok?colour=blue"), util::Error);
  auto location = store::dynamodb::parse_location("traffic?region=eu-west-1");
  EXPECT_EQ(location.table_prefix, "traffic");
  EXPECT_EQ(location.region, "eu-west-1");
  EXPECT_FALSE(location.endpoint);
}

TEST(dynamodb_store, refuses_a_second_collection_while_the_lock_is_held) {
  DynamoBackend backend;
  {
    auto lock = store::lock_for_collect(backend.url());
    try {
      store::lock_for_collect(backend.url());
      FAIL() << "the second lock should be refused";
    } catch (const util::Error& e) {
      EXPECT_EQ(e.exit_code(), util::k_exit_busy);
      EXPECT_NE(std::string(e.what()).find("another ghtraffic collect"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_NO_THROW(store::lock_for_collect(backend.url()));  // released with the first
}

TEST(dynamodb_store, holds_the_same_data_as_sqlite_and_exports_the_same_bytes) {
  SqliteBackend sqlite;
  DynamoBackend dynamo;
  auto a = sqlite.open();
  auto b = dynamo.open();
  std::vector<core::RepoObservation> observations;
  for (int d = 1; d <= 20; ++d) {
    observations.push_back(daily_observation(1, d));
  }
  // An older observation committed late, beyond the days the DynamoDB record keeps at hand.
  auto late = observation(1, "octo/daily", "2026-01-10T06:00:00Z");
  late.views =
      window(TrafficKind::views, "2026-01-10T06:00:00Z", {{day("2026-01-02"), 7, 7}}, 7, 7);
  observations.push_back(late);
  auto renamed = observation(2, "octo/new", "2026-03-05T06:00:00Z");
  renamed.names = {"octo/old", "octo/new"};
  renamed.meta.archived = true;
  renamed.clones =
      window(TrafficKind::clones, "2026-03-05T06:00:00Z", {{day("2026-03-01"), 3, 1}}, 3, 1);
  renamed.events = {{core::EventKind::star, at("2024-01-01T00:00:00Z"), "alice"},
                    {core::EventKind::fork, at("2024-02-01T00:00:00Z"), "bob/x"}};
  observations.push_back(renamed);
  observations.push_back(daily_observation(1, 20));  // again: changes nothing
  for (const auto& o : observations) {
    auto ra = a->commit(o);
    auto rb = b->commit(o);
    EXPECT_EQ(ra.days_stored, rb.days_stored);
    EXPECT_EQ(ra.new_days, rb.new_days);
    EXPECT_EQ(ra.grown_days, rb.grown_days);
  }
  EXPECT_EQ(visible_state(*b), visible_state(*a));
  for (auto format : {exports::ExportOptions::Format::csv, exports::ExportOptions::Format::seed,
                      exports::ExportOptions::Format::json}) {
    exports::MemorySink from_sqlite;
    exports::MemorySink from_dynamo;
    exports::ExportOptions options;
    options.format = format;
    exports::export_store(*a, options, from_sqlite);
    exports::export_store(*b, options, from_dynamo);
    EXPECT_FALSE(from_sqlite.files().empty());
    EXPECT_EQ(from_dynamo.files(), from_sqlite.files()) << exports::to_string(format);
  }
}

// The JSON API as pure functions over a real SQLite store filled through Store::commit:
// gaps stay null, selections add up what is covered, parameters are checked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <tuple>

#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/web/api.hpp"
#include "ghtraffic/web/report.hpp"
#include "ghtraffic/web/scheduler.hpp"
#include "ghtraffic/web/server.hpp"
#include "store_test_support.hpp"

using namespace ghtraffic;
using namespace ghtraffic::store::testing;
using nlohmann::json;
using ::testing::HasSubstr;

namespace {

class web_api : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = store::make_store("sqlite:" + m_dir.file("s.db"));
    // alpha: observed 03-20, covers 03-06..03-20; 03-10 has 5 views, the rest are zeros.
    auto alpha = observation(1, "acme/alpha", "2026-03-20T12:00:00Z");
    alpha.views =
        window(core::TrafficKind::views, "2026-03-20T12:00:00Z", {{day("2026-03-10"), 5, 2}}, 5, 2);
    alpha.clones = window(core::TrafficKind::clones, "2026-03-20T12:00:00Z",
                          {{day("2026-03-11"), 3, 1}}, 3, 1);
    alpha.meta.stars = 7;
    alpha.meta.forks = 1;
    core::PathSnapshot paths;
    paths.observed_at = at("2026-03-20T12:00:00Z");
    paths.entries = {{"/acme/alpha", "<img src=x onerror=alert(1)>", 9, 4}};
    alpha.paths = paths;
    m_store->commit(alpha);
    // beta: observed 03-25, covers 03-11..03-25, 7 views on 03-12.
    auto beta = observation(2, "acme/beta", "2026-03-25T12:00:00Z");
    beta.views =
        window(core::TrafficKind::views, "2026-03-25T12:00:00Z", {{day("2026-03-12"), 7, 3}}, 7, 3);
    beta.clones = window(core::TrafficKind::clones, "2026-03-25T12:00:00Z", {}, 0, 0);
    m_store->commit(beta);
    m_snapshot = web::load_snapshot(*m_store, nullptr);
  }

  json daily(web::Params params) { return web::daily_json(*m_snapshot, params); }

  static const json& day_of(const json& days, const std::string& date) {
    for (const auto& d : days) {
      if (d["date"] == date) {
        return d;
      }
    }
    static const json none;
    return none;
  }

  template <typename F>
  static int status_of(F f) {
    try {
      f();
    } catch (const web::RequestError& e) {
      return e.status();
    }
    return 200;
  }

  TempDir m_dir;
  std::unique_ptr<store::Store> m_store;
  std::shared_ptr<const web::Snapshot> m_snapshot;
};

}  // namespace

TEST_F(web_api, daily_series_are_dense_with_null_for_gaps_and_zero_for_covered_days) {
  auto out = daily({{"repo", "acme/alpha"}, {"from", "2026-03-01"}, {"to", "2026-03-22"}});
  ASSERT_EQ(out["days"].size(), 22u);
  EXPECT_TRUE(day_of(out["days"], "2026-03-05")["views"].is_null());
  EXPECT_EQ(day_of(out["days"], "2026-03-05")["covered"], 0);
  EXPECT_EQ(day_of(out["days"], "2026-03-06")["views"], 0);
  EXPECT_EQ(day_of(out["days"], "2026-03-10")["views"], 5);
  EXPECT_EQ(day_of(out["days"], "2026-03-10")["views_unique"], 2);
  EXPECT_EQ(day_of(out["days"], "2026-03-11")["clones"], 3);
  EXPECT_TRUE(day_of(out["days"], "2026-03-21")["clones"].is_null());
}

TEST_F(web_api, a_selection_adds_up_covered_repositories_and_counts_them) {
  auto out = daily({{"repo", "acme/alpha"}, {"repo", "ACME/Beta"}});
  EXPECT_EQ(out["from"], "2026-03-06");
  EXPECT_EQ(out["to"], "2026-03-25");
  EXPECT_EQ(out["repos"], json({"acme/alpha", "acme/beta"}));
  EXPECT_EQ(day_of(out["days"], "2026-03-06")["covered"], 1);
  EXPECT_EQ(day_of(out["days"], "2026-03-12")["covered"], 2);
  EXPECT_EQ(day_of(out["days"], "2026-03-12")["views"], 7);
  EXPECT_EQ(day_of(out["days"], "2026-03-10")["views"], 5);
  EXPECT_EQ(day_of(out["days"], "2026-03-25")["covered"], 1);
  EXPECT_EQ(daily({})["days"], out["days"]);  // no repo: every repository
}

TEST_F(web_api, split_gives_one_series_per_repository) {
  auto out = daily({{"split", "1"}, {"from", "2026-03-05"}, {"to", "2026-03-12"}});
  ASSERT_TRUE(out.contains("series"));
  EXPECT_FALSE(out.contains("days"));
  EXPECT_EQ(out["series"]["acme/alpha"].size(), 8u);
  EXPECT_TRUE(day_of(out["series"]["acme/beta"], "2026-03-10")["views"].is_null());
  EXPECT_EQ(day_of(out["series"]["acme/beta"], "2026-03-12")["views"], 7);
}

TEST_F(web_api, split_answers_at_most_its_limit_of_days_times_repositories_and_says_so) {
  // A century of two repositories is within the limit; of three it is not.
  const web::Params century{{"split", "1"}, {"from", "1930-01-01"}, {"to", "2026-03-25"}};
  auto two = daily(century);
  EXPECT_EQ(two["series"]["acme/alpha"].size(), 35'148u);
  EXPECT_EQ(two["series"].size(), 2u);
  m_store->commit(observation(3, "acme/gamma", "2026-03-25T12:00:00Z"));
  m_snapshot = web::load_snapshot(*m_store, nullptr);
  try {
    daily(century);
    FAIL() << "three repositories over a century should be refused";
  } catch (const web::RequestError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_THAT(e.what(), HasSubstr("split=1: at most 100000 days in all"));
    EXPECT_THAT(e.what(), HasSubstr("3 repositories over 35148 days are 105444"));
    EXPECT_THAT(e.what(), HasSubstr("repo="));
  }
  // The same range summed, or split over fewer repositories, is answered.
  auto summed = century;
  summed.erase("split");
  EXPECT_EQ(daily(summed)["days"].size(), 35'148u);
  auto fewer = century;
  fewer.insert({"repo", "acme/alpha"});
  fewer.insert({"repo", "acme/gamma"});
  EXPECT_EQ(daily(fewer)["series"].size(), 2u);
}

TEST_F(web_api, bad_parameters_are_400_and_unknown_repositories_404) {
  EXPECT_EQ(status_of([&] { daily({{"from", "2026-3-1"}}); }), 400);
  EXPECT_EQ(status_of([&] { daily({{"to", "yesterday"}}); }), 400);
  EXPECT_EQ(status_of([&] { daily({{"from", "2026-03-10"}, {"to", "2026-03-01"}}); }), 400);
  EXPECT_EQ(status_of([&] { daily({{"split", "yes"}}); }), 400);
  EXPECT_EQ(status_of([&] { daily({{"repo", "acme/none"}}); }), 404);
  EXPECT_EQ(status_of([&] { web::paths_json(*m_store, *m_snapshot, {}); }), 400);
  EXPECT_EQ(status_of([&] { web::windows_json(*m_store, *m_snapshot, {{"repo", "x/y"}}); }), 404);
}

TEST_F(web_api, an_earlier_name_selects_its_repository_unless_several_had_it) {
  // gamma and delta were both called acme/old once; beta was acme/first.
  for (auto [id, name, earlier] :
       {std::tuple{3, "acme/gamma", "acme/old"}, std::tuple{4, "acme/delta", "acme/old"},
        std::tuple{2, "acme/beta", "acme/first"}}) {
    auto o = observation(id, name, "2026-03-26T12:00:00Z");
    o.names = {earlier, name};
    m_store->commit(o);
  }
  auto snapshot = web::load_snapshot(*m_store, nullptr);
  auto one = web::daily_json(*snapshot, {{"repo", "ACME/FIRST"}});
  EXPECT_EQ(one["repos"], json::array({"acme/beta"}));
  try {
    web::daily_json(*snapshot, {{"repo", "acme/old"}});
    FAIL() << "expected a RequestError";
  } catch (const web::RequestError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_THAT(e.what(), HasSubstr("acme/old is an earlier name of several repositories"));
  }
  EXPECT_EQ(status_of([&] { web::daily_json(*snapshot, {{"repo", "acme/older"}}); }), 404);
}

TEST_F(web_api, overview_sums_14_and_30_days_and_takes_uniques_from_the_window) {
  auto out = web::repos_json(*m_snapshot, day("2026-03-20"), {{"acme/beta", "boom"}});
  ASSERT_EQ(out["repos"].size(), 2u);
  const auto& alpha = out["repos"][0];
  EXPECT_EQ(alpha["repo"], "acme/alpha");
  EXPECT_EQ(alpha["views_14d"], 5);
  EXPECT_EQ(alpha["views_30d"], 5);
  EXPECT_EQ(alpha["clones_14d"], 3);
  EXPECT_EQ(alpha["uniques_14d"], 2);
  EXPECT_EQ(alpha["uniques_14d_window_end"], "2026-03-20");
  EXPECT_EQ(alpha["gap_days_30d"], 15);  // 02-19..03-05
  EXPECT_EQ(alpha["stars"], 7);
  ASSERT_EQ(alpha["sparkline"].size(), 30u);
  EXPECT_TRUE(alpha["sparkline"][0].is_null());
  EXPECT_EQ(alpha["sparkline"][29], 0);
  EXPECT_TRUE(alpha["error"].is_null());
  const auto& beta = out["repos"][1];
  EXPECT_TRUE(beta["uniques_14d"].is_null());  // its only window ends after "today"
  EXPECT_EQ(beta["error"], "boom");
}

TEST_F(web_api, overview_sums_say_how_many_days_they_cover_and_a_period_with_none_is_null) {
  auto out = web::repos_json(*m_snapshot, day("2026-03-20"));
  const auto& alpha = out["repos"][0];  // covers 03-06..03-20
  EXPECT_EQ(alpha["views_14d_days"], 14);
  EXPECT_EQ(alpha["views_30d"], 5);
  EXPECT_EQ(alpha["views_30d_days"], 15);  // 02-19..03-05 are gaps
  EXPECT_EQ(alpha["clones_30d_days"], 15);
  const auto& beta = out["repos"][1];  // covers 03-11..03-25
  EXPECT_EQ(beta["views_14d"], 7);
  EXPECT_EQ(beta["views_14d_days"], 10);  // 03-07..03-10 are gaps
  EXPECT_EQ(beta["clones_14d"], 0);       // covered days without a clone: a true zero
  EXPECT_EQ(beta["clones_14d_days"], 10);

  // Months after the last collection, no day of either period is covered: no number at all.
  auto stale = web::repos_json(*m_snapshot, day("2026-07-01"));
  for (const auto& repo : stale["repos"]) {
    for (const char* key : {"views_14d", "views_30d", "clones_14d", "clones_30d"}) {
      EXPECT_TRUE(repo[key].is_null()) << repo["repo"] << " " << key << ": " << repo[key];
      EXPECT_EQ(repo[std::string(key) + "_days"], 0) << repo["repo"] << " " << key;
    }
    EXPECT_EQ(repo["gap_days_30d"], 30);
  }
}

TEST_F(web_api, a_report_answers_a_period_no_collection_covered_with_null) {
  auto island = [&](const char* generated_at) {
    std::ostringstream out;
    web::ReportOptions options;
    options.generated_at = at(generated_at);
    web::write_report(*m_store, options, out);
    const auto html = out.str();
    const std::string open = "id=\"ghtraffic-data\">";
    auto begin = html.find(open);
    EXPECT_NE(begin, std::string::npos);
    begin += open.size();
    return json::parse(html.substr(begin, html.find("</script>", begin) - begin));
  };
  const auto partly = island("2026-03-20T18:00:00Z")["/api/repos"]["repos"][1];
  EXPECT_EQ(partly["repo"], "acme/beta");
  EXPECT_EQ(partly["views_14d"], 7);
  EXPECT_EQ(partly["views_14d_days"], 10);
  const auto stale = island("2026-07-01T00:00:00Z")["/api/repos"]["repos"];
  for (const auto& repo : stale) {
    EXPECT_TRUE(repo["views_14d"].is_null()) << repo;
    EXPECT_TRUE(repo["clones_30d"].is_null()) << repo;
    EXPECT_EQ(repo["views_30d_days"], 0) << repo;
  }
}

TEST_F(web_api, top_lists_keep_hostile_titles_as_plain_strings) {
  auto out = web::paths_json(*m_store, *m_snapshot, {{"repo", "acme/alpha"}});
  ASSERT_EQ(out["snapshots"].size(), 1u);
  EXPECT_EQ(out["snapshots"][0]["date"], "2026-03-20");
  EXPECT_EQ(out["snapshots"][0]["entries"][0]["title"], "<img src=x onerror=alert(1)>");
  auto island = web::script_safe_json(out);
  EXPECT_EQ(island.find('<'), std::string::npos);
  EXPECT_EQ(json::parse(island), out);
}

TEST_F(web_api, top_lists_answer_only_the_latest_snapshots_when_asked) {
  auto later = observation(1, "acme/alpha", "2026-03-21T12:00:00Z");
  core::PathSnapshot paths;
  paths.observed_at = at("2026-03-21T12:00:00Z");
  paths.entries = {{"/acme/alpha", "alpha", 11, 5}};
  later.paths = paths;
  m_store->commit(later);
  auto all = web::paths_json(*m_store, *m_snapshot, {{"repo", "acme/alpha"}});
  ASSERT_EQ(all["snapshots"].size(), 2u);
  auto last = web::paths_json(*m_store, *m_snapshot, {{"repo", "acme/alpha"}, {"last", "1"}});
  ASSERT_EQ(last["snapshots"].size(), 1u);
  EXPECT_EQ(last["snapshots"][0]["date"], "2026-03-21");
  auto until = web::paths_json(*m_store, *m_snapshot,
                               {{"repo", "acme/alpha"}, {"last", "1"}, {"to", "2026-03-20"}});
  ASSERT_EQ(until["snapshots"].size(), 1u);
  EXPECT_EQ(until["snapshots"][0]["date"], "2026-03-20");
  EXPECT_EQ(web::referrers_json(*m_store, *m_snapshot,
                                {{"repo", "acme/alpha"}, {"last", "5"}})["snapshots"]
                .size(),
            0u);
  for (const auto* bad : {"0", "-1", "x", "1.5", "99999999"}) {
    EXPECT_EQ(status_of([&] {
                web::paths_json(*m_store, *m_snapshot, {{"repo", "acme/alpha"}, {"last", bad}});
              }),
              400)
        << bad;
  }
}

TEST_F(web_api, windows_and_counters_of_one_repository) {
  auto windows = web::windows_json(*m_store, *m_snapshot, {{"repo", "acme/alpha"}});
  ASSERT_EQ(windows["windows"].size(), 2u);
  EXPECT_EQ(windows["windows"][0]["kind"], "views");
  EXPECT_EQ(windows["windows"][0]["uniques"], 2);
  auto counters = web::counters_json(*m_store, *m_snapshot, {{"repo", "acme/alpha"}});
  ASSERT_EQ(counters["days"].size(), 1u);
  EXPECT_EQ(counters["days"][0]["stars"], 7);
  EXPECT_TRUE(counters["events"].is_array());
}

TEST_F(web_api, metrics_are_prometheus_text_with_escaped_labels) {
  auto text = web::metrics_text(
      *m_snapshot,
      web::run_report_from({1, at("2026-03-20T12:00:00Z"), at("2026-03-20T12:00:05Z"), 2, 0}),
      day("2026-03-26"));
  EXPECT_THAT(text, HasSubstr("# TYPE ghtraffic_views_total gauge\n"));
  EXPECT_THAT(text, HasSubstr("ghtraffic_views_total{repo=\"acme/alpha\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("ghtraffic_last_collection_success 1\n"));
  EXPECT_THAT(text, HasSubstr("ghtraffic_last_collection_timestamp_seconds 1774008005\n"));
}

TEST_F(web_api, metrics_give_days_left_and_the_last_success_of_each_repository) {
  // alpha was collected on 03-20 and beta on 03-25: 14 days after that, less today.
  auto text = web::metrics_text(*m_snapshot, std::nullopt, day("2026-03-26"));
  EXPECT_THAT(text, HasSubstr("# TYPE ghtraffic_days_left gauge\n"));
  EXPECT_THAT(text, HasSubstr("ghtraffic_days_left{repo=\"acme/alpha\"} 8\n"));
  EXPECT_THAT(text, HasSubstr("ghtraffic_days_left{repo=\"acme/beta\"} 13\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE ghtraffic_last_success_timestamp_seconds gauge\n"));
  EXPECT_THAT(
      text,
      HasSubstr("ghtraffic_last_success_timestamp_seconds{repo=\"acme/alpha\"} 1774008000\n"));
  EXPECT_THAT(
      text, HasSubstr("ghtraffic_last_success_timestamp_seconds{repo=\"acme/beta\"} 1774440000\n"));
  // Below 0 once days are lost.
  auto later = web::metrics_text(*m_snapshot, std::nullopt, day("2026-04-05"));
  EXPECT_THAT(later, HasSubstr("ghtraffic_days_left{repo=\"acme/alpha\"} -2\n"));
  EXPECT_THAT(later, HasSubstr("ghtraffic_days_left{repo=\"acme/beta\"} 3\n"));
}

TEST_F(web_api, status_names_the_repositories_that_need_attention) {
  web::StatusInfo info;
  info.today = day("2026-04-05");
  info.attention = web::needing_attention(read::store_freshness(*m_store, info.today));
  auto status = web::status_json(info);
  EXPECT_EQ(status["attention"]["warn_days"], 3);
  const auto& repos = status["attention"]["repositories"];
  ASSERT_EQ(repos.size(), 2u) << status.dump();
  EXPECT_EQ(repos[0]["repo"], "acme/alpha");
  EXPECT_EQ(repos[0]["urgency"], "lost");
  EXPECT_EQ(repos[0]["lost_days"], 2);
  EXPECT_EQ(repos[0]["lost_from"], "2026-03-21");
  EXPECT_EQ(repos[0]["lost_to"], "2026-03-22");
  EXPECT_EQ(repos[1]["repo"], "acme/beta");
  EXPECT_EQ(repos[1]["urgency"], "at-risk");
  EXPECT_EQ(repos[1]["days_left"], 3);
  // A day earlier beta has 4 days left and is not named.
  info.attention = web::needing_attention(read::store_freshness(*m_store, day("2026-04-04")));
  EXPECT_EQ(web::status_json(info)["attention"]["repositories"].size(), 1u);
}

TEST_F(web_api, the_snapshot_cache_reloads_only_changed_repositories) {
  web::SnapshotCache cache;
  auto first = cache.get(*m_store);
  EXPECT_EQ(cache.get(*m_store), first);
  auto beta = observation(2, "acme/beta", "2026-03-26T12:00:00Z");
  beta.views =
      window(core::TrafficKind::views, "2026-03-26T12:00:00Z", {{day("2026-03-26"), 4, 1}});
  m_store->commit(beta);
  cache.invalidate();
  auto second = cache.get(*m_store);
  ASSERT_NE(second, first);
  EXPECT_EQ(second->repos[0], first->repos[0]);  // alpha reused
  EXPECT_NE(second->repos[1], first->repos[1]);
  EXPECT_EQ(second->repos[1]->at(day("2026-03-26"))->views, 4);
}

TEST(web_scheduler, parses_intervals) {
  EXPECT_EQ(web::parse_interval("24h"), std::chrono::hours(24));
  EXPECT_EQ(web::parse_interval("90m"), std::chrono::minutes(90));
  EXPECT_EQ(web::parse_interval("1h30m"), std::chrono::minutes(90));
  EXPECT_EQ(web::parse_interval("30s"), std::chrono::seconds(30));
  EXPECT_EQ(web::parse_interval("off"), std::nullopt);
  for (const char* bad : {"", "24", "h", "0s", "1x", "-5m", "1.5h"}) {
    EXPECT_THROW(web::parse_interval(bad), util::Error) << bad;
  }
}

TEST(web_server, parses_listen_addresses_and_knows_loopback) {
  EXPECT_EQ(web::parse_listen("127.0.0.1:8080").port, 8080);
  EXPECT_EQ(web::parse_listen("[::1]:9000").host, "::1");
  EXPECT_EQ(web::parse_listen(":9000").host, "127.0.0.1");
  EXPECT_EQ(web::parse_listen("0.0.0.0:80").host, "0.0.0.0");
  EXPECT_THROW(web::parse_listen("::1:80"), util::Error);
  EXPECT_THROW(web::parse_listen("host:http"), util::Error);
  EXPECT_THROW(web::parse_listen("host:70000"), util::Error);
  EXPECT_TRUE(web::is_loopback("127.0.0.1"));
  EXPECT_TRUE(web::is_loopback("127.1.2.3"));
  EXPECT_TRUE(web::is_loopback("::1"));
  EXPECT_TRUE(web::is_loopback("localhost"));
  EXPECT_FALSE(web::is_loopback("0.0.0.0"));
  EXPECT_FALSE(web::is_loopback("::"));
  EXPECT_FALSE(web::is_loopback("192.168.1.2"));
}

TEST(web_server, allows_loopback_host_headers_and_the_names_given) {
  EXPECT_TRUE(web::host_allowed("127.0.0.1:8080", {}));
  EXPECT_TRUE(web::host_allowed("localhost", {}));
  EXPECT_TRUE(web::host_allowed("[::1]:8080", {}));
  EXPECT_TRUE(web::host_allowed("", {}));
  EXPECT_FALSE(web::host_allowed("attacker.example:8080", {}));
  EXPECT_FALSE(web::host_allowed("127.0.0.1.attacker.example", {}));
  EXPECT_FALSE(web::host_allowed("[::1", {}));
  EXPECT_FALSE(web::host_allowed(":8080", {}));
  EXPECT_TRUE(web::host_allowed("Dash.example.org:443", {"dash.example.org"}));
  EXPECT_FALSE(web::host_allowed("dash.example.org.attacker.example", {"dash.example.org"}));
}

TEST(web_report, encodes_like_encode_uri_component) {
  EXPECT_EQ(web::encode_uri_component("acme/site"), "acme%2Fsite");
  EXPECT_EQ(web::encode_uri_component("a b&c=d.e_f-g~"), "a%20b%26c%3Dd.e_f-g~");
}

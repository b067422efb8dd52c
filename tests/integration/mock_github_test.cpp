// The mock GitHub server over real HTTP on loopback.
#include "ghtraffic/mock/mock_github.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "ghtraffic/util/date.hpp"

namespace ghtraffic::mock {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

util::Day day(const char* text) {
  return *util::parse_day(text);
}
util::Timestamp at(const char* text) {
  return *util::parse_iso8601(text);
}

class mock_github : public ::testing::Test {
 protected:
  void SetUp() override {
    github.set_now(at("2024-05-20T12:34:56Z"));
    MockRepo repo;
    repo.owner = "octo-org";
    repo.name = "hello";
    repo.id = 42;
    repo.stars = 7;
    repo.forks = 2;
    repo.watchers = 3;
    repo.open_issues = 1;
    repo.paths = {{"/octo-org/hello", "hello", 10, 4}};
    repo.referrers = {{"github.com", 5, 2}};
    github.add_repo(repo);
    port = github.start();
  }

  httplib::Client client() {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(5, 0);
    return c;
  }

  Json get_json(const std::string& path) {
    auto res = client().Get(path.c_str());
    if (!res) {
      ADD_FAILURE() << path << ": " << httplib::to_string(res.error());
      return Json();
    }
    EXPECT_EQ(res->status, 200) << path << ": " << res->body;
    return Json::parse(res->body);
  }

  MockGitHub github;
  int port = 0;
};

TEST_F(mock_github, answers_the_window_ending_today_without_zero_days) {
  github.set_view("octo-org/hello", day("2024-05-05"), 99, 9);  // 15 days ago: outside
  github.set_view("octo-org/hello", day("2024-05-06"), 10, 4);  // first covered day
  github.set_view("octo-org/hello", day("2024-05-10"), 0, 0);   // no traffic: omitted
  github.set_view("octo-org/hello", day("2024-05-15"), 6, 6);
  github.set_view("octo-org/hello", day("2024-05-20"), 2, 2);   // today, partial
  github.set_view("octo-org/hello", day("2024-05-21"), 50, 5);  // the future: outside
  github.set_clone("octo-org/hello", day("2024-05-19"), 3, 1);

  auto res = client().Get("/repos/octo-org/hello/traffic/views?per=day");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Date"), "Mon, 20 May 2024 12:34:56 GMT");
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(res->get_header_value("x-ratelimit-resource"), "core");
  auto views = Json::parse(res->body);
  ASSERT_EQ(views["views"].size(), 3u);
  EXPECT_EQ(views["views"][0]["timestamp"], "2024-05-06T00:00:00Z");
  EXPECT_EQ(views["views"][0]["count"], 10);
  EXPECT_EQ(views["views"][1]["timestamp"], "2024-05-15T00:00:00Z");
  EXPECT_EQ(views["views"][2]["timestamp"], "2024-05-20T00:00:00Z");
  EXPECT_EQ(views["count"], 18);
  // Between the best day (6) and the sum of the days (12).
  EXPECT_EQ(views["uniques"], 9);

  auto clones = get_json("/repos/octo-org/hello/traffic/clones?per=day");
  ASSERT_EQ(clones["clones"].size(), 1u);
  EXPECT_EQ(clones["count"], 3);
  EXPECT_EQ(clones["uniques"], 1);

  github.set_now(at("2024-05-21T00:00:01Z"));
  auto later = get_json("/repos/octo-org/hello/traffic/views?per=day");
  EXPECT_EQ(later["views"][0]["timestamp"], "2024-05-15T00:00:00Z");
  EXPECT_EQ(later["count"], 58);
}

TEST_F(mock_github, serves_repository_and_popular_lists_with_or_without_api_prefix) {
  for (std::string prefix : {"", "/api/v3"}) {
    auto repo = get_json(prefix + "/repos/octo-org/hello");
    EXPECT_EQ(repo["id"], 42);
    EXPECT_EQ(repo["full_name"], "octo-org/hello");
    EXPECT_EQ(repo["owner"]["login"], "octo-org");
    EXPECT_EQ(repo["stargazers_count"], 7);
    EXPECT_EQ(repo["watchers_count"], 7);
    EXPECT_EQ(repo["subscribers_count"], 3);
    EXPECT_EQ(repo["permissions"]["push"], true);
    auto paths = get_json(prefix + "/repos/octo-org/hello/traffic/popular/paths");
    ASSERT_EQ(paths.size(), 1u);
    EXPECT_EQ(paths[0]["title"], "hello");
    auto referrers = get_json(prefix + "/repos/octo-org/hello/traffic/popular/referrers");
    EXPECT_EQ(referrers[0]["referrer"], "github.com");
  }
  auto res = client().Get("/nothing/here");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(Json::parse(res->body)["message"], "Not Found");
  EXPECT_EQ(github.stats().by_route.at("repos"), 2);
  EXPECT_EQ(github.stats().by_route.at("traffic/popular/paths"), 2);
}

TEST_F(mock_github, answers_304_to_a_matching_etag_without_spending_the_rate_limit) {
  github.set_rate_limit(100, 100, at("2024-05-20T13:00:00Z"));
  auto first = client().Get("/repos/octo-org/hello/traffic/views?per=day");
  ASSERT_TRUE(first);
  auto etag = first->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(first->get_header_value("x-ratelimit-remaining"), "99");

  auto again =
      client().Get("/repos/octo-org/hello/traffic/views?per=day", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(again->get_header_value("x-ratelimit-remaining"), "99");
  EXPECT_EQ(github.stats().not_modified, 1);

  github.set_view("octo-org/hello", day("2024-05-20"), 5, 1);
  auto changed =
      client().Get("/repos/octo-org/hello/traffic/views?per=day", {{"If-None-Match", etag}});
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->status, 200);
  EXPECT_NE(changed->get_header_value("ETag"), etag);
  EXPECT_EQ(changed->get_header_value("x-ratelimit-remaining"), "98");
  EXPECT_EQ(changed->get_header_value("x-ratelimit-used"), "2");
}

TEST_F(mock_github, paginates_listings_with_link_headers) {
  add_synthetic_repos(github, "octo-org", 4, day("2024-05-01"), day("2024-05-20"), 7);
  std::vector<std::string> names;
  std::string next = "/api/v3/orgs/octo-org/repos?per_page=2&type=all";
  int pages = 0;
  while (!next.empty()) {
    auto res = client().Get(next.c_str());
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
    for (const auto& repo : Json::parse(res->body)) {
      names.push_back(repo["full_name"]);
      EXPECT_TRUE(repo.contains("permissions"));
    }
    auto link = res->get_header_value("Link");
    if (pages == 0) {
      EXPECT_NE(link.find("rel=\"last\""), std::string::npos);
      EXPECT_NE(link.find("page=3"), std::string::npos);
      EXPECT_NE(link.find("type=all"), std::string::npos);
    }
    next.clear();
    auto rel = link.find("rel=\"next\"");
    if (rel != std::string::npos) {
      auto open = link.rfind('<', rel);
      auto url = link.substr(open + 1, link.find('>', open) - open - 1);
      auto origin = "http://127.0.0.1:" + std::to_string(port);
      ASSERT_EQ(url.rfind(origin, 0), 0u) << url;
      next = url.substr(origin.size());
      EXPECT_EQ(next.rfind("/api/v3/orgs/octo-org/repos?", 0), 0u) << next;
    }
    ++pages;
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(names.size(), 5u);
  EXPECT_EQ(names[0], "octo-org/hello");
  EXPECT_EQ(names[4], "octo-org/repo-3");

  github.add_user("mona");
  MockRepo own;
  own.owner = "mona";
  own.name = "dotfiles";
  github.add_repo(own);
  EXPECT_EQ(client().Get("/orgs/mona/repos")->status, 404);
  EXPECT_EQ(client().Get("/orgs/nobody/repos")->status, 404);
  EXPECT_EQ(get_json("/users/mona/repos").size(), 1u);
  EXPECT_EQ(get_json("/user/repos?per_page=100").size(), 6u);
  EXPECT_EQ(github.stats().by_route.at("orgs/repos"), 5);
}

TEST_F(mock_github, lists_stargazers_with_timestamps) {
  auto* repo = github.repo("octo-org/hello");
  ASSERT_NE(repo, nullptr);
  repo->stargazers = {{at("2020-01-01T00:00:00Z"), "ann"},
                      {at("2021-01-01T00:00:00Z"), "bob"},
                      {at("2022-01-01T00:00:00Z"), "cyd"}};
  auto res = client().Get("/repos/octo-org/hello/stargazers?per_page=2",
                          {{"Accept", "application/vnd.github.star+json"}});
  ASSERT_TRUE(res);
  auto stars = Json::parse(res->body);
  ASSERT_EQ(stars.size(), 2u);
  EXPECT_EQ(stars[0]["starred_at"], "2020-01-01T00:00:00Z");
  EXPECT_EQ(stars[0]["user"]["login"], "ann");
  EXPECT_NE(res->get_header_value("Link").find("rel=\"next\""), std::string::npos);
  auto plain = get_json("/repos/octo-org/hello/stargazers?page=1");
  EXPECT_EQ(plain[2]["login"], "cyd");
}

TEST_F(mock_github, resolves_graphql_aliases_and_reports_missing_repositories) {
  github.rename_repo("octo-org/hello", "octo-org/hello-world");
  std::string query =
      R"(query { r0: repository(owner:"octo-org", name:"hello-world") { databaseId nameWithOwner }
         r1 : repository( owner: "octo-org" , name: "hello" ) { databaseId }
         r2: repository(owner:"octo-org", name:"missing") { databaseId } })";
  auto res = client().Post("/graphql", Json{{"query", query}}.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("x-ratelimit-resource"), "graphql");
  auto body = Json::parse(res->body);
  EXPECT_EQ(body["data"]["r0"]["databaseId"], 42);
  EXPECT_EQ(body["data"]["r0"]["stargazerCount"], 7);
  EXPECT_EQ(body["data"]["r0"]["watchers"]["totalCount"], 3);
  EXPECT_EQ(body["data"]["r0"]["visibility"], "PUBLIC");
  EXPECT_EQ(body["data"]["r0"]["viewerPermission"], "ADMIN");
  EXPECT_EQ(body["data"]["r1"]["nameWithOwner"], "octo-org/hello-world");
  EXPECT_TRUE(body["data"]["r2"].is_null());
  ASSERT_EQ(body["errors"].size(), 1u);
  EXPECT_EQ(body["errors"][0]["type"], "NOT_FOUND");
  EXPECT_EQ(body["errors"][0]["path"][0], "r2");
  EXPECT_EQ(body["errors"][0]["message"],
            "Could not resolve to a Repository with the name 'octo-org/missing'.");

  auto ghes = client().Post("/api/graphql", Json{{"query", query}}.dump(), "application/json");
  ASSERT_TRUE(ghes);
  EXPECT_EQ(ghes->status, 200);
  EXPECT_EQ(github.stats().graphql_requests, 2);

  github.set_graphql_enabled(false);
  auto off = client().Post("/graphql", Json{{"query", query}}.dump(), "application/json");
  ASSERT_TRUE(off);
  EXPECT_EQ(off->status, 404);
}

TEST_F(mock_github, redirects_an_old_name_to_the_repository_id) {
  github.rename_repo("octo-org/hello", "new-org/hello2");
  auto res = client().Get("/api/v3/repos/octo-org/hello/traffic/views?per=day");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 301);
  auto location = res->get_header_value("Location");
  EXPECT_EQ(location, "http://127.0.0.1:" + std::to_string(port) +
                          "/api/v3/repositories/42/traffic/views?per=day");
  auto views = get_json("/api/v3/repositories/42/traffic/views?per=day");
  EXPECT_TRUE(views.contains("views"));
  EXPECT_EQ(get_json("/repositories/42")["full_name"], "new-org/hello2");
  EXPECT_EQ(get_json("/repos/new-org/hello2")["id"], 42);
  EXPECT_EQ(github.stats().by_route.at("repositories/traffic/views"), 1);
}

TEST_F(mock_github, refuses_traffic_without_push_access) {
  github.repo("octo-org/hello")->push = false;
  auto res = client().Get("/repos/octo-org/hello/traffic/clones?per=day");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(Json::parse(res->body)["message"], "Must have push access to repository");
  EXPECT_EQ(get_json("/repos/octo-org/hello")["permissions"]["push"], false);
}

TEST_F(mock_github, re_enables_a_workflow_with_a_put_and_records_it) {
  auto path = "/repos/octo-org/hello/actions/workflows/ghtraffic.yml/enable";
  auto res = client().Put(path, "", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_EQ(res->body, "");
  EXPECT_EQ(client().Get(path)->status, 404);
  EXPECT_EQ(client()
                .Put("/repos/octo-org/nope/actions/workflows/x.yml/enable", "", "application/json")
                ->status,
            404);
  EXPECT_EQ(client().Put("/user/repos", "", "application/json")->status, 404);

  github.repo("octo-org/hello")->push = false;
  auto refused = client().Put(path, "", "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(Json::parse(refused->body)["message"],
            "Resource not accessible by personal access token");

  auto stats = github.stats();
  EXPECT_EQ(stats.by_route.at("actions/workflows/enable"), 4);
  EXPECT_EQ(stats.enabled_workflows, std::vector<std::string>{"octo-org/hello/ghtraffic.yml"});
  EXPECT_EQ(get_json("/_mock/stats")["enabled_workflows"],
            Json::array({"octo-org/hello/ghtraffic.yml"}));
}

TEST_F(mock_github, requires_the_token_when_one_is_set) {
  github.set_token("s3cret");
  auto none = client().Get("/repos/octo-org/hello");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(Json::parse(none->body)["message"], "Bad credentials");
  EXPECT_EQ(client().Get("/repos/octo-org/hello", {{"Authorization", "Bearer wrong"}})->status,
            401);
  EXPECT_EQ(client().Get("/repos/octo-org/hello", {{"Authorization", "Bearer s3cret"}})->status,
            200);
  EXPECT_EQ(client().Get("/repos/octo-org/hello", {{"Authorization", "token s3cret"}})->status,
            200);
}

TEST_F(mock_github, enforces_the_primary_rate_limit_until_reset) {
  github.set_rate_limit(5, 2, at("2024-05-20T13:00:00Z"));
  EXPECT_EQ(client().Get("/repos/octo-org/hello")->status, 200);
  auto last = client().Get("/repos/octo-org/hello");
  EXPECT_EQ(last->get_header_value("x-ratelimit-remaining"), "0");
  auto limited = client().Get("/repos/octo-org/hello");
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 403);
  EXPECT_NE(limited->body.find("API rate limit exceeded"), std::string::npos);
  EXPECT_EQ(limited->get_header_value("x-ratelimit-reset"),
            std::to_string(at("2024-05-20T13:00:00Z").time_since_epoch().count()));
  EXPECT_EQ(github.stats().primary_limited, 1);

  github.set_now(at("2024-05-20T13:00:01Z"));
  auto refilled = client().Get("/repos/octo-org/hello");
  ASSERT_TRUE(refilled);
  EXPECT_EQ(refilled->status, 200);
  EXPECT_EQ(refilled->get_header_value("x-ratelimit-remaining"), "4");
}

TEST_F(mock_github, answers_a_secondary_limit_with_retry_after) {
  github.set_max_per_minute(2);
  github.set_secondary_window(300ms);
  auto c = client();
  EXPECT_EQ(c.Get("/repos/octo-org/hello")->status, 200);
  EXPECT_EQ(c.Get("/repos/octo-org/hello")->status, 200);
  auto limited = c.Get("/repos/octo-org/hello");
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 403);
  EXPECT_EQ(limited->get_header_value("retry-after"), "60");
  EXPECT_NE(limited->body.find("secondary rate limit"), std::string::npos);

  github.set_retry_after(0);
  auto bare = c.Get("/repos/octo-org/hello");
  EXPECT_EQ(bare->status, 403);
  EXPECT_FALSE(bare->has_header("retry-after"));
  EXPECT_EQ(github.stats().secondary_limited, 2);

  std::this_thread::sleep_for(350ms);
  EXPECT_EQ(c.Get("/repos/octo-org/hello")->status, 200);
}

TEST_F(mock_github, counts_secondary_points_as_github_does_graphql_apart_and_a_write_as_five) {
  github.set_max_per_minute(7);
  github.set_max_graphql_per_minute(2);
  github.set_secondary_window(400ms);
  auto c = client();
  // A REST write costs 5 points, whatever its answer.
  EXPECT_EQ(c.Post("/repos/octo-org/hello", "{}", "application/json")->status, 404);
  EXPECT_EQ(c.Get("/repos/octo-org/hello")->status, 200);
  EXPECT_EQ(c.Get("/repos/octo-org/hello")->status, 200);
  EXPECT_EQ(c.Get("/repos/octo-org/hello")->status, 403);  // the 8th point
  // GraphQL has its own window.
  const std::string query =
      R"({"query":"{ r0: repository(owner:\"octo-org\", name:\"hello\") { databaseId } }"})";
  EXPECT_EQ(c.Post("/graphql", query, "application/json")->status, 200);
  EXPECT_EQ(c.Post("/graphql", query, "application/json")->status, 200);
  EXPECT_EQ(c.Post("/graphql", query, "application/json")->status, 403);
  EXPECT_EQ(github.stats().secondary_limited, 2);

  std::this_thread::sleep_for(450ms);
  EXPECT_EQ(c.Get("/repos/octo-org/hello")->status, 200);
  EXPECT_EQ(c.Post("/graphql", query, "application/json")->status, 200);
}

TEST_F(mock_github, enforces_githubs_own_secondary_limits_on_request) {
  github.enforce_github_secondary_limits();
  auto c = client();
  for (int i = 0; i < 900; ++i) {
    ASSERT_EQ(c.Get("/repos/octo-org/hello")->status, 200) << i;
  }
  EXPECT_EQ(c.Get("/repos/octo-org/hello")->status, 403);
  EXPECT_EQ(github.stats().secondary_limited, 1);
}

TEST_F(mock_github, tracks_and_limits_requests_in_flight) {
  github.set_latency(150ms);
  auto run_parallel = [&](int n) {
    std::atomic<int> limited{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&] {
        auto res = client().Get("/repos/octo-org/hello");
        if (res && res->status == 403) {
          ++limited;
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    return limited.load();
  };
  EXPECT_EQ(run_parallel(12), 0);
  EXPECT_GE(github.stats().max_in_flight, 8);
  EXPECT_LE(github.stats().max_in_flight, 12);

  github.set_max_in_flight(4);
  EXPECT_GE(run_parallel(12), 4);
  EXPECT_GE(github.stats().secondary_limited, 4);
}

TEST_F(mock_github, injects_faults_the_given_number_of_times) {
  github.inject("traffic/views", Fault::server_error, 2);
  github.inject("popular/paths", Fault::reset);
  github.inject("popular/referrers", Fault::truncated);
  github.inject("traffic/clones", Fault::malformed);
  github.inject("/stargazers", Fault::wrong_shape);

  EXPECT_EQ(client().Get("/repos/octo-org/hello/traffic/views")->status, 500);
  EXPECT_EQ(client().Get("/repos/octo-org/hello/traffic/views")->status, 500);
  EXPECT_EQ(client().Get("/repos/octo-org/hello/traffic/views")->status, 200);

  auto reset = client().Get("/repos/octo-org/hello/traffic/popular/paths");
  EXPECT_FALSE(reset);
  auto truncated = client().Get("/repos/octo-org/hello/traffic/popular/referrers");
  EXPECT_FALSE(truncated);
  auto malformed = client().Get("/repos/octo-org/hello/traffic/clones");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 200);
  EXPECT_TRUE(Json::parse(malformed->body, nullptr, false).is_discarded());
  auto wrong = client().Get("/repos/octo-org/hello/stargazers");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(Json::parse(wrong->body)["count"], "x");

  EXPECT_EQ(client().Get("/repos/octo-org/hello/traffic/popular/paths")->status, 200);
  EXPECT_EQ(client().Get("/repos/octo-org/hello/traffic/popular/referrers")->status, 200);
}

TEST_F(mock_github, keeps_serving_a_reused_connection_with_latency) {
  github.set_latency(20ms);
  auto c = client();
  c.set_keep_alive(true);
  for (int i = 0; i < 5; ++i) {
    auto res = c.Get("/repos/octo-org/hello");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  EXPECT_EQ(github.stats().requests, 5);
}

TEST_F(mock_github, offers_stats_and_time_over_the_control_api) {
  get_json("/repos/octo-org/hello");
  auto stats = get_json("/_mock/stats");
  EXPECT_EQ(stats["requests"], 1);
  EXPECT_EQ(stats["by_route"]["repos"], 1);
  auto res = client().Post("/_mock/now", R"({"now":"2024-06-01T00:00:00Z"})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(github.now(), at("2024-06-01T00:00:00Z"));
  auto fault = client().Post("/_mock/fault", R"({"url":"hello","fault":"bad_gateway","times":1})",
                             "application/json");
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->status, 200);
  EXPECT_EQ(client().Get("/repos/octo-org/hello")->status, 502);
  EXPECT_EQ(
      client().Post("/_mock/fault", R"({"url":"x","fault":"nope"})", "application/json")->status,
      400);
  EXPECT_EQ(client().Post("/_mock/reset-stats", "", "application/json")->status, 200);
  EXPECT_EQ(github.stats().requests, 0);
}

TEST(mock_github_data, synthetic_repositories_are_deterministic_and_varied) {
  MockGitHub a;
  MockGitHub b;
  add_synthetic_repos(a, "octo-org", 20, day("2024-01-01"), day("2024-03-31"), 5);
  add_synthetic_repos(b, "octo-org", 20, day("2024-01-01"), day("2024-03-31"), 5);
  ASSERT_EQ(a.repo_count(), 20u);
  auto* first = a.repo("octo-org/repo-0");
  ASSERT_NE(first, nullptr);
  ASSERT_EQ(first->paths.size(), 10u);
  ASSERT_EQ(first->referrers.size(), 10u);
  bool has_injection = false;
  for (const auto& path : first->paths) {
    has_injection = has_injection || path.title == "<img src=x onerror=alert(1)>";
  }
  EXPECT_TRUE(has_injection);
  int zero_days = 0;
  for (int i = 0; i < 20; ++i) {
    auto name = "octo-org/repo-" + std::to_string(i);
    EXPECT_EQ(a.repo(name)->views, b.repo(name)->views);
    EXPECT_EQ(a.repo(name)->id, b.repo(name)->id);
    EXPECT_EQ(static_cast<std::int64_t>(a.repo(name)->stargazers.size()), a.repo(name)->stars);
    zero_days += 91 - static_cast<int>(a.repo(name)->views.size());
  }
  EXPECT_GT(zero_days, 0);
}

TEST(mock_github_data, loads_a_scenario) {
  MockGitHub github;
  load_scenario_text(github, R"({
    "now": "2024-05-20T10:00:00Z",
    "users": ["mona"],
    "repos": [{"id": 7, "owner": "octo-org", "name": "old", "stars": 2, "push": false,
               "views": [{"day": "2024-05-19", "count": 4, "uniques": 2}],
               "paths": [{"path": "/x", "title": "X", "count": 1, "uniques": 1}],
               "stargazers": [{"starred_at": "2024-01-01T00:00:00Z", "login": "ann"}]}],
    "renames": [{"from": "octo-org/old", "to": "octo-org/new"}]
  })");
  auto* repo = github.repo("octo-org/new");
  ASSERT_NE(repo, nullptr);
  EXPECT_EQ(repo->id, 7);
  EXPECT_FALSE(repo->push);
  EXPECT_EQ(repo->views.at(day("2024-05-19")).count, 4);
  EXPECT_EQ(github.now(), at("2024-05-20T10:00:00Z"));
  EXPECT_THROW(load_scenario_text(github, R"({"repos": [{"owner": "x"}]})"), std::runtime_error);
}

}  // namespace
}  // namespace ghtraffic::mock

#include <gtest/gtest.h>

#include "fake_transport.hpp"
#include "ghtraffic/github/api.hpp"
#include "ghtraffic/util/log.hpp"

using namespace ghtraffic;
using namespace ghtraffic::github;
using ghtraffic::testing::FakeTransport;
using ghtraffic::testing::http_response;
using nlohmann::json;

namespace {

constexpr const char* k_api = "https://api.example.test";
const core::RepoRef k_repo{"octo", "hello"};

util::Timestamp start_time() {
  return *util::parse_iso8601("2026-03-02T12:00:00Z");
}

ClientOptions options(std::string api_url = k_api) {
  ClientOptions o;
  o.api_url = std::move(api_url);
  o.token = "ghp_testtokentesttokentesttoken0001";
  return o;
}

const char* k_views = R"({
  "count": 14, "uniques": 4,
  "views": [
    {"timestamp": "2026-02-27T00:00:00Z", "count": 10, "uniques": 3},
    {"timestamp": "2026-03-01T00:00:00Z", "count": 4, "uniques": 2}
  ]})";

json rest_repo(int id, const std::string& full_name) {
  return json{{"id", id},
              {"full_name", full_name},
              {"stargazers_count", 5},
              {"forks_count", 2},
              {"watchers_count", 5},
              {"subscribers_count", 3},
              {"open_issues_count", 7},
              {"visibility", "public"},
              {"archived", false},
              {"fork", false},
              {"permissions", {{"admin", false}, {"push", true}, {"pull", true}}}};
}

json graphql_repo(int id, const std::string& full_name, const char* permission) {
  return json{{"databaseId", id},
              {"nameWithOwner", full_name},
              {"stargazerCount", 10},
              {"forkCount", 1},
              {"watchers", {{"totalCount", 4}}},
              {"issues", {{"totalCount", 2}}},
              {"pullRequests", {{"totalCount", 3}}},
              {"visibility", "PRIVATE"},
              {"isArchived", true},
              {"isFork", false},
              {"viewerPermission", permission}};
}

// Keeps the client's verbose notes out of the test output.
struct QuietLog {
  QuietLog() {
    util::set_log_sink([](std::string_view) {});
  }
  ~QuietLog() { util::reset_log_sink(); }
};

}  // namespace

TEST(github_api, parses_traffic_and_keeps_observed_at_from_the_date_header) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/repos/octo/hello/traffic/views?per=day",
                http_response(200, k_views, {{"Date", "Mon, 02 Mar 2026 23:59:58 GMT"}}));
  Client client(options(), transport, clock);

  auto fetched = fetch_traffic(client, k_repo, core::TrafficKind::views);
  ASSERT_TRUE(fetched) << fetched.error().message;
  const auto& window = fetched->value;
  EXPECT_EQ(window.kind, core::TrafficKind::views);
  EXPECT_EQ(window.count, 14);
  EXPECT_EQ(window.uniques, 4);
  ASSERT_EQ(window.days.size(), 2u);
  EXPECT_EQ(util::format_day(window.days[0].day), "2026-02-27");
  EXPECT_EQ(window.days[0].count, 10);
  EXPECT_EQ(window.days[1].uniques, 2);
  EXPECT_EQ(util::format_iso8601(fetched->observed_at), "2026-03-02T23:59:58Z");
  EXPECT_EQ(window.observed_at, fetched->observed_at);
}

TEST(github_api, uses_the_local_clock_when_the_date_header_is_missing) {
  QuietLog quiet;
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/traffic/clones", http_response(200, R"({"count":0,"uniques":0,"clones":[]})"));
  Client client(options(), transport, clock);
  auto fetched = fetch_traffic(client, k_repo, core::TrafficKind::clones);
  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_TRUE(fetched->value.days.empty());
  EXPECT_EQ(fetched->observed_at, clock.now());
  EXPECT_EQ(transport.requests().at(0).url,
            "https://api.example.test/repos/octo/hello/traffic/clones?per=day");
}

TEST(github_api, rejects_traffic_of_the_wrong_shape_as_malformed) {
  const char* bodies[] = {
      R"({"count": "14", "uniques": 4, "views": []})",
      R"({"uniques": 4, "views": []})",
      R"({"count": 14, "uniques": 4, "views": {}})",
      R"({"count": 14, "uniques": 4, "views": [{"timestamp": "2026-03-01T05:00:00Z", "count": 1, "uniques": 1}]})",
      R"({"count": 14, "uniques": 4, "views": [{"timestamp": "yesterday", "count": 1, "uniques": 1}]})",
      R"({"count": 14, "uniques": 4, "views": [{"timestamp": "2026-03-01T00:00:00Z", "count": 1.5, "uniques": 1}]})",
      R"({"count": 14, "uniques": 4, "views": [{"timestamp": "2026-03-01T00:00:00Z", "count": -1, "uniques": 1}]})",
      R"({"count": 14, "uniques": 4, "views": [)",
      R"([])",
      "",
  };
  for (const char* body : bodies) {
    auto parsed = parse_traffic(body, core::TrafficKind::views);
    ASSERT_FALSE(parsed) << body;
    EXPECT_EQ(parsed.error().kind, ErrorKind::malformed) << body;
  }
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/traffic/views", http_response(200, R"({"count":14,"uniques":4,"views":[)"));
  Client client(options(), transport, clock);
  auto fetched = fetch_traffic(client, k_repo, core::TrafficKind::views);
  ASSERT_FALSE(fetched);
  EXPECT_EQ(fetched.error().kind, ErrorKind::malformed);
  EXPECT_TRUE(fetched.error().message.starts_with(
      "malformed response from GitHub for octo/hello traffic/views: "))
      << fetched.error().message;
}

TEST(github_api, explains_a_403_on_traffic_as_missing_push_access_and_a_404_as_invisible) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/traffic/views",
                http_response(403, R"({"message":"Must have push access to repository"})"));
  transport.add("/traffic/popular/paths", http_response(404, R"({"message":"Not Found"})"));
  Client client(options(), transport, clock);

  auto denied = fetch_traffic(client, k_repo, core::TrafficKind::views);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().kind, ErrorKind::forbidden);
  EXPECT_EQ(denied.error().message,
            "cannot read traffic of octo/hello: the token lacks push access (needs push access, "
            "or Administration: read for fine-grained tokens and GitHub Apps; the Actions "
            "GITHUB_TOKEN never has it)");
  EXPECT_EQ(denied.error().message, missing_push_permission_message(k_repo));
  auto missing = fetch_popular_paths(client, k_repo);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
  EXPECT_EQ(missing.error().message, "octo/hello does not exist or the token cannot see it");
}

TEST(github_api, parses_popular_paths_and_referrers_strictly) {
  auto paths = parse_popular_paths(
      R"([{"path":"/octo/hello","title":"hello","count":9,"uniques":3},
          {"path":"/octo/hello/wiki","title":null,"count":1,"uniques":1}])");
  ASSERT_TRUE(paths) << paths.error().message;
  ASSERT_EQ(paths->size(), 2u);
  EXPECT_EQ((*paths)[0], (core::PopularPath{"/octo/hello", "hello", 9, 3}));
  EXPECT_EQ((*paths)[1].title, "");
  EXPECT_FALSE(parse_popular_paths(R"([{"path":"/x","count":1,"uniques":1}])"));
  EXPECT_FALSE(parse_popular_paths(R"({"path":"/x"})"));

  auto referrers = parse_popular_referrers(R"([{"referrer":"github.com","count":4,"uniques":2}])");
  ASSERT_TRUE(referrers);
  EXPECT_EQ((*referrers)[0], (core::Referrer{"github.com", 4, 2}));
  EXPECT_FALSE(parse_popular_referrers(R"([{"referrer":7,"count":4,"uniques":2}])"));
  EXPECT_FALSE(parse_popular_referrers(R"([{"referrer":"x","count":4}])"));
}

TEST(github_api, fetches_referrers_with_the_observation_time_and_cache_entry) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/traffic/popular/referrers",
                http_response(200, R"([{"referrer":"google.com","count":3,"uniques":1}])",
                              {{"Date", "Mon, 02 Mar 2026 12:00:05 GMT"}, {"ETag", "\"r1\""}}));
  Client client(options(), transport, clock);
  auto fetched = fetch_popular_referrers(client, k_repo);
  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(fetched->value.entries.size(), 1u);
  EXPECT_EQ(util::format_iso8601(fetched->value.observed_at), "2026-03-02T12:00:05Z");
  ASSERT_TRUE(fetched->cache_entry);
  EXPECT_EQ(fetched->cache_entry->etag, "\"r1\"");
}

TEST(github_api, parses_a_rest_repository) {
  auto listing = parse_repo(rest_repo(42, "octo/hello"));
  ASSERT_TRUE(listing) << listing.error().message;
  EXPECT_EQ(listing->meta.id, 42);
  EXPECT_EQ(listing->meta.full_name, "octo/hello");
  EXPECT_EQ(listing->meta.stars, 5);
  EXPECT_EQ(listing->meta.forks, 2);
  EXPECT_EQ(listing->meta.watchers, 3);  // subscribers, not the star-count alias
  EXPECT_EQ(listing->meta.open_issues, 7);
  EXPECT_EQ(listing->meta.visibility, "public");
  EXPECT_TRUE(listing->can_push);

  auto listed = rest_repo(43, "octo/private");
  listed.erase("subscribers_count");
  listed.erase("visibility");
  listed.erase("permissions");
  listed["private"] = true;
  auto minimal = parse_repo(listed);
  ASSERT_TRUE(minimal) << minimal.error().message;
  EXPECT_EQ(minimal->meta.watchers, 5);
  EXPECT_EQ(minimal->meta.visibility, "private");
  EXPECT_FALSE(minimal->can_push);

  auto broken = rest_repo(44, "octo/broken");
  broken["id"] = "44";
  EXPECT_FALSE(parse_repo(broken));
}

TEST(github_api, fetch_repo_follows_a_rename) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/repos/octo/hello",
                http_response(301, "", {{"Location", "https://api.example.test/repositories/42"}}));
  transport.add("/repositories/42", http_response(200, rest_repo(42, "octo/world").dump()));
  Client client(options(), transport, clock);
  auto listing = fetch_repo(client, k_repo);
  ASSERT_TRUE(listing) << listing.error().message;
  EXPECT_EQ(listing->meta.full_name, "octo/world");
}

TEST(github_api, reads_metadata_of_150_repositories_in_two_graphql_requests) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  std::vector<core::RepoRef> repos;
  for (int i = 0; i < 150; ++i) {
    repos.push_back(core::RepoRef{"octo", "repo" + std::to_string(i)});
  }
  json first = {{"data", json::object()}};
  for (int i = 0; i < 100; ++i) {
    first["data"]["r" + std::to_string(i)] =
        i == 5 ? json(nullptr) : graphql_repo(1000 + i, "octo/repo" + std::to_string(i), "WRITE");
  }
  first["errors"] = json::array({{{"type", "NOT_FOUND"},
                                  {"path", {"r5"}},
                                  {"message", "Could not resolve to a Repository"}}});
  json second = {{"data", json::object()}};
  for (int i = 0; i < 50; ++i) {
    second["data"]["r" + std::to_string(i)] =
        graphql_repo(1100 + i, "octo/repo" + std::to_string(100 + i), i == 0 ? "READ" : "ADMIN");
  }
  transport.add("/graphql", http_response(200, first.dump()));
  transport.add("/graphql", http_response(200, second.dump()));
  Client client(options(), transport, clock);

  auto result = fetch_metadata(client, repos);
  auto requests = transport.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, "https://api.example.test/graphql");
  auto query0 = json::parse(requests[0].body).at("query").get<std::string>();
  auto query1 = json::parse(requests[1].body).at("query").get<std::string>();
  EXPECT_NE(query0.find(R"(r99: repository(owner: "octo", name: "repo99"))"), std::string::npos);
  EXPECT_EQ(query0.find("r100:"), std::string::npos);
  EXPECT_NE(query1.find(R"(r49: repository(owner: "octo", name: "repo149"))"), std::string::npos);
  EXPECT_EQ(query1.find("r50:"), std::string::npos);

  ASSERT_EQ(result.repos.size(), 150u);
  ASSERT_TRUE(result.repos[0]);
  EXPECT_EQ(result.repos[0]->meta.id, 1000);
  EXPECT_EQ(result.repos[0]->meta.visibility, "private");
  EXPECT_EQ(result.repos[0]->meta.open_issues, 5);  // issues and pull requests, as REST counts
  EXPECT_EQ(result.repos[0]->meta.watchers, 4);
  EXPECT_TRUE(result.repos[0]->meta.archived);
  EXPECT_TRUE(result.repos[0]->can_push);
  EXPECT_FALSE(result.repos[5]);
  ASSERT_TRUE(result.errors[5]);
  EXPECT_EQ(result.errors[5]->kind, ErrorKind::not_found);
  EXPECT_EQ(result.errors[5]->message, "octo/repo5 does not exist or the token cannot see it");
  ASSERT_TRUE(result.repos[100]);
  EXPECT_EQ(result.repos[100]->meta.full_name, "octo/repo100");
  EXPECT_FALSE(result.repos[100]->can_push);
  EXPECT_TRUE(result.repos[149]->can_push);
  EXPECT_FALSE(result.errors[149]);
}

TEST(github_api, escapes_names_in_the_graphql_query) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/graphql", http_response(200, R"({"data":{"r0":null}})"));
  Client client(options(), transport, clock);
  auto result = fetch_metadata(client, {core::RepoRef{"o\"x", "n\\y"}});
  auto query = json::parse(transport.requests().at(0).body).at("query").get<std::string>();
  EXPECT_NE(query.find(R"(owner: "o\"x", name: "n\\y")"), std::string::npos) << query;
  EXPECT_TRUE(result.errors[0]);
}

TEST(github_api, falls_back_to_rest_when_graphql_is_not_available) {
  QuietLog quiet;
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/api/graphql", http_response(404, R"({"message":"Not Found"})"));
  transport.add("/repos/octo/a", http_response(200, rest_repo(1, "octo/a").dump()));
  transport.add("/repos/octo/b", http_response(404, R"({"message":"Not Found"})"));
  Client client(options("https://ghe.example.test/api/v3"), transport, clock);

  auto result = fetch_metadata(client, {core::RepoRef{"octo", "a"}, core::RepoRef{"octo", "b"}});
  EXPECT_EQ(transport.requests().at(0).url, "https://ghe.example.test/api/graphql");
  ASSERT_TRUE(result.repos[0]);
  EXPECT_EQ(result.repos[0]->meta.id, 1);
  ASSERT_TRUE(result.errors[1]);
  EXPECT_EQ(result.errors[1]->kind, ErrorKind::not_found);
  EXPECT_EQ(transport.count("/graphql"), 1u);
}

TEST(github_api, falls_back_to_rest_when_graphql_answers_something_other_than_json) {
  QuietLog quiet;
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/graphql", http_response(200, "<html>not here</html>"));
  transport.add("/repos/octo/a", http_response(200, rest_repo(1, "octo/a").dump()));
  Client client(options(), transport, clock);
  auto result = fetch_metadata(client, {core::RepoRef{"octo", "a"}});
  ASSERT_TRUE(result.repos[0]);
}

TEST(github_api, a_graphql_node_without_a_field_keeps_its_id_and_asks_rest_for_the_rest) {
  QuietLog quiet;
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  auto broken = graphql_repo(7, "octo/a", "ADMIN");
  broken.erase("pullRequests");
  json body = {{"data", {{"r0", broken}, {"r1", broken}}}};
  body["data"]["r1"]["databaseId"] = 8;
  body["data"]["r1"]["nameWithOwner"] = "octo/b";
  transport.add("/graphql", http_response(200, body.dump()));
  transport.add("/repos/octo/a", http_response(200, rest_repo(7, "octo/a").dump()));
  transport.add("/repos/octo/b", http_response(200, R"({"full_name":"octo/b","id":8})"));
  Client client(options(), transport, clock);

  auto result = fetch_metadata(client, {core::RepoRef{"octo", "a"}, core::RepoRef{"octo", "b"}});
  ASSERT_TRUE(result.repos[0]);  // REST read it whole
  EXPECT_FALSE(result.repos[0]->details_error);
  EXPECT_FALSE(result.errors[0]);
  ASSERT_TRUE(result.repos[1]);  // REST failed too: the id and name stay, the details do not
  EXPECT_EQ(result.repos[1]->meta.id, 8);
  EXPECT_EQ(result.repos[1]->meta.full_name, "octo/b");
  ASSERT_TRUE(result.repos[1]->details_error);
  EXPECT_EQ(result.repos[1]->details_error->message,
            "malformed response from GitHub for octo/b metadata: octo/b has no \"pullRequests\"; "
            "over REST: malformed response from GitHub for octo/b: octo/b has no "
            "\"stargazers_count\"");
  EXPECT_EQ(transport.count("/graphql"), 1u);
}

TEST(github_api, lists_the_token_users_repositories_across_pages) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("&page=2", http_response(200, json::array({rest_repo(2, "me/b")}).dump()));
  transport.add(
      "/user/repos",
      http_response(
          200, json::array({rest_repo(1, "me/a")}).dump(),
          {{"Link", "<https://api.example.test/user/repos?per_page=100&page=2>; rel=\"next\""}}));
  Client client(options(), transport, clock);
  auto repos = list_user_repos(client);
  ASSERT_TRUE(repos) << repos.error().message;
  ASSERT_EQ(repos->size(), 2u);
  EXPECT_EQ((*repos)[1].meta.full_name, "me/b");
  EXPECT_EQ(transport.requests().at(0).url, "https://api.example.test/user/repos?per_page=100");
}

TEST(github_api, lists_an_owners_repositories_as_an_organization_or_else_as_a_user) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/orgs/octo/repos", http_response(404, R"({"message":"Not Found"})"));
  transport.add("/users/octo/repos",
                http_response(200, json::array({rest_repo(1, "octo/a")}).dump()));
  Client client(options(), transport, clock);
  auto repos = list_owner_repos(client, "octo");
  ASSERT_TRUE(repos) << repos.error().message;
  ASSERT_EQ(repos->size(), 1u);
  auto requests = transport.requests();
  EXPECT_EQ(requests.at(0).url, "https://api.example.test/orgs/octo/repos?per_page=100&type=all");
  EXPECT_EQ(requests.at(1).url,
            "https://api.example.test/users/octo/repos?per_page=100&type=owner");
}

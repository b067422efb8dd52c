#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fake_transport.hpp"
#include "ghtraffic/github/client.hpp"
#include "ghtraffic/net/url.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/redact.hpp"
#include "support/captured_log.hpp"

using namespace ghtraffic;
using namespace ghtraffic::github;
using ghtraffic::testing::FakeTransport;
using ghtraffic::testing::http_response;
using ghtraffic::testing::transport_failure;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr const char* k_token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
constexpr const char* k_api = "https://api.example.test";

util::Timestamp start_time() {
  return *util::parse_iso8601("2026-03-02T12:00:00Z");
}

ClientOptions options() {
  ClientOptions o;
  o.api_url = k_api;
  o.token = k_token;
  o.user_agent = "ghtraffic-test";
  return o;
}

net::Headers date_header(util::Clock& clock) {
  return {{"Date", util::format_http_date(clock.now())}};
}

using ghtraffic::testing::CapturedLog;

}  // namespace

TEST(github_client, sends_the_token_as_bearer_with_user_agent_accept_and_api_version) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/repos/o/r", http_response(200, "{}"));
  Client client(options(), transport, clock);

  auto response = client.get("/repos/o/r");
  ASSERT_TRUE(response) << response.error().message;
  auto request = transport.requests().at(0);
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "https://api.example.test/repos/o/r");
  EXPECT_EQ(request.headers.at("authorization"), std::string("Bearer ") + k_token);
  EXPECT_EQ(request.headers.at("User-Agent"), "ghtraffic-test");
  EXPECT_EQ(request.headers.at("Accept"), "application/vnd.github+json");
  EXPECT_EQ(request.headers.at("X-GitHub-Api-Version"), "2022-11-28");
  EXPECT_FALSE(request.follow_redirects);
}

TEST(github_client, sends_no_authorization_without_a_token_and_lets_extra_headers_override) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/stargazers", http_response(200, "[]"));
  auto o = options();
  o.token.clear();
  Client client(o, transport, clock);

  ASSERT_TRUE(
      client.get("/repos/o/r/stargazers", {{"Accept", "application/vnd.github.star+json"}}));
  auto request = transport.requests().at(0);
  EXPECT_FALSE(request.headers.contains("Authorization"));
  EXPECT_EQ(request.headers.at("accept"), "application/vnd.github.star+json");
}

TEST(github_client, never_puts_the_token_in_error_messages_even_when_github_echoes_it) {
  CapturedLog log;
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  const std::string echo =
      std::string(R"({"message":"Bad credentials for Bearer )") + k_token + "\"}";
  transport.add("/a", http_response(401, echo));
  transport.add("/b",
                http_response(403, std::string(R"({"message":"no access for )") + k_token + "\"}"));
  transport.always(
      "/c", transport_failure(net::TransportError::reset, std::string("reset, sent ") + k_token));
  transport.add("/d", http_response(422, echo));
  auto o = options();
  o.max_retries = 1;
  o.retry_base = milliseconds(10);
  Client client(o, transport, clock);

  for (const auto* path : {"/a", "/b", "/c", "/d"}) {
    auto response = client.get(path);
    ASSERT_FALSE(response) << path;
    EXPECT_EQ(response.error().message.find(k_token), std::string::npos)
        << response.error().message;
    EXPECT_EQ(response.error().url.find(k_token), std::string::npos);
  }
  for (const auto& line : CapturedLog::lines()) {
    EXPECT_EQ(line.find(k_token), std::string::npos) << line;
  }
}

TEST(github_client, never_has_more_requests_in_flight_than_the_concurrency) {
  FakeTransport transport;
  std::atomic<int> in_flight{0};
  std::atomic<int> most{0};
  transport.on_send([&](const net::HttpRequest&) {
    int now = ++in_flight;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(milliseconds(3));
    --in_flight;
  });
  transport.always("/work", http_response(200, "{}"));
  auto o = options();
  o.concurrency = 3;
  o.max_per_minute = 600'000;
  Client client(o, transport, util::system_clock());

  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 10; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        if (!client.get("/work")) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(transport.sent().size(), 50u);
  EXPECT_LE(most.load(), 3);
  EXPECT_GE(most.load(), 2);
  EXPECT_EQ(client.stats().requests, 50);
}

TEST(github_client, clamps_concurrency_and_the_per_minute_ceiling) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  auto o = options();
  o.concurrency = 1000;
  o.max_per_minute = 0;
  Client client(o, transport, clock);
  EXPECT_EQ(client.options().concurrency, 100);
  EXPECT_EQ(client.options().max_per_minute, 1);
  o.concurrency = -3;
  Client other(o, transport, clock);
  EXPECT_EQ(other.options().concurrency, 1);
}

TEST(github_client, waits_for_the_reset_when_few_requests_remain) {
  CapturedLog log;
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  auto headers = date_header(clock);
  headers["x-ratelimit-limit"] = "5000";
  headers["x-ratelimit-remaining"] = "3";
  headers["x-ratelimit-reset"] =
      std::to_string((start_time() + seconds(600)).time_since_epoch().count());
  headers["x-ratelimit-resource"] = "core";
  transport.add("/one", http_response(200, "{}", headers));
  transport.add("/two", http_response(200, "{}"));
  std::vector<WaitEvent> events;
  auto o = options();
  o.concurrency = 4;  // low_remaining 0 means "the concurrency"
  o.on_wait = [&](const WaitEvent& e) { events.push_back(e); };
  Client client(o, transport, clock);

  ASSERT_TRUE(client.get("/one"));
  EXPECT_FALSE(client.stats().current_wait.empty());
  EXPECT_EQ(client.stats().rate_limit_remaining, 3);
  EXPECT_EQ(client.stats().rate_limit_limit, 5000);
  ASSERT_TRUE(client.get("/two"));
  auto sent = transport.sent();
  EXPECT_EQ(sent[1].at - sent[0].at, seconds(601));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].length, seconds(601));
  EXPECT_EQ(events[0].until, start_time() + seconds(601));
  ASSERT_EQ(CapturedLog::lines().size(), 1u);
  EXPECT_EQ(CapturedLog::lines()[0],
            "rate limit: 3 requests left of 5000; waiting 10m 1s until 12:10:01 UTC for the reset");
  EXPECT_TRUE(client.stats().current_wait.empty());
  EXPECT_EQ(client.stats().waited, seconds(601));
}

TEST(github_client, measures_the_reset_against_github_date_not_the_local_clock) {
  CapturedLog log;
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  // GitHub's clock is 5 minutes ahead of ours; the reset is 2 minutes after GitHub's now.
  net::Headers headers{{"Date", util::format_http_date(start_time() + seconds(300))},
                       {"x-ratelimit-limit", "5000"},
                       {"x-ratelimit-remaining", "0"},
                       {"x-ratelimit-reset",
                        std::to_string((start_time() + seconds(420)).time_since_epoch().count())}};
  transport.add("/one", http_response(200, "{}", headers));
  transport.add("/two", http_response(200, "{}"));
  Client client(options(), transport, clock);
  ASSERT_TRUE(client.get("/one"));
  ASSERT_TRUE(client.get("/two"));
  auto sent = transport.sent();
  EXPECT_EQ(sent[1].at - sent[0].at, seconds(121));
}

TEST(github_client, waits_exactly_retry_after_on_a_secondary_limit) {
  CapturedLog log;
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/x",
                http_response(403, R"({"message":"You have exceeded a secondary rate limit."})",
                              {{"retry-after", "30"}, {"x-ratelimit-remaining", "4000"}}));
  transport.add("/x", http_response(200, "{}"));
  Client client(options(), transport, clock);

  auto response = client.get("/x");
  ASSERT_TRUE(response) << response.error().message;
  auto sent = transport.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].at - sent[0].at, seconds(30));
  EXPECT_EQ(client.stats().secondary_limited, 1);
  EXPECT_EQ(client.stats().retries, 0);
  // The wait, then the smaller window for the rest of the run.
  ASSERT_EQ(CapturedLog::lines().size(), 2u);
  EXPECT_NE(CapturedLog::lines()[0].find("waiting 30s"), std::string::npos);
  EXPECT_NE(CapturedLog::lines()[1].find("pacing to 675 requests a minute (was 900)"),
            std::string::npos);
}

TEST(github_client, backs_off_60s_then_120s_on_a_secondary_limit_without_retry_after) {
  CapturedLog log;
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  const auto limited =
      http_response(403, R"({"message":"You have exceeded a secondary rate limit"})");
  transport.add("/x", limited);
  transport.add("/x", limited);
  transport.add("/x", http_response(200, "{}"));
  Client client(options(), transport, clock);

  ASSERT_TRUE(client.get("/x"));
  auto sent = transport.sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[1].at - sent[0].at, seconds(60));
  EXPECT_EQ(sent[2].at - sent[1].at, seconds(120));
  // Each wait and, since the second request was sent after the first shrink, two shrinks.
  ASSERT_EQ(CapturedLog::lines().size(), 4u);
  EXPECT_NE(CapturedLog::lines()[1].find("pacing to 675"), std::string::npos);
  EXPECT_NE(CapturedLog::lines()[3].find("pacing to 506"), std::string::npos);
  EXPECT_EQ(client.stats().max_per_minute, 506);
}

TEST(github_client, handles_429_like_a_rate_limit) {
  CapturedLog log;
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/x", http_response(429, "{}", {{"Retry-After", "5"}}));
  transport.add("/x", http_response(200, "[1]"));
  Client client(options(), transport, clock);
  auto response = client.get("/x");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "[1]");
  auto sent = transport.sent();
  EXPECT_EQ(sent[1].at - sent[0].at, seconds(5));
}

TEST(github_client, waits_until_the_reset_on_403_with_nothing_remaining) {
  CapturedLog log;
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  auto headers = date_header(clock);
  headers["x-ratelimit-limit"] = "5000";
  headers["x-ratelimit-remaining"] = "0";
  headers["x-ratelimit-reset"] =
      std::to_string((start_time() + seconds(900)).time_since_epoch().count());
  transport.add("/x", http_response(403, R"({"message":"API rate limit exceeded"})", headers));
  transport.add("/x", http_response(200, "{}"));
  Client client(options(), transport, clock);
  ASSERT_TRUE(client.get("/x"));
  auto sent = transport.sent();
  EXPECT_EQ(sent[1].at - sent[0].at, seconds(901));
  EXPECT_EQ(client.stats().secondary_limited, 0);
}

TEST(github_client, gives_up_on_a_rate_limit_that_would_outlast_max_wait) {
  CapturedLog log;
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.always("/x", http_response(403, R"({"message":"secondary rate limit"})"));
  auto o = options();
  o.max_wait = seconds(600);
  Client client(o, transport, clock);
  auto response = client.get("/x");
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::rate_limited);
  // 60 + 120 + 240 fit in 10 minutes; the next 480 s would not.
  EXPECT_EQ(transport.sent().size(), 4u);
}

TEST(github_client, retries_server_errors_then_succeeds) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/x", http_response(502, "bad gateway"));
  transport.add("/x", http_response(503, "{}"));
  transport.add("/x", http_response(200, "{\"ok\":true}"));
  Client client(options(), transport, clock);
  auto response = client.get("/x");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(client.stats().retries, 2);
  EXPECT_EQ(client.stats().requests, 3);
}

TEST(github_client, gives_up_on_server_errors_after_max_retries) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.always("/x", http_response(500, R"({"message":"Server Error"})"));
  auto o = options();
  o.max_retries = 3;
  Client client(o, transport, clock);
  auto response = client.get("/x");
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::server);
  EXPECT_EQ(response.error().status, 500);
  EXPECT_EQ(transport.sent().size(), 4u);
  EXPECT_NE(response.error().message.find("Server Error"), std::string::npos);
}

TEST(github_client, retries_transport_errors_then_reports_them) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/x", transport_failure(net::TransportError::timeout, "timed out"));
  transport.add("/x", http_response(200, "{}"));
  transport.always("/y", transport_failure(net::TransportError::connect, "connection refused"));
  auto o = options();
  o.max_retries = 2;
  Client client(o, transport, clock);
  EXPECT_TRUE(client.get("/x"));
  auto failed = client.get("/y");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, ErrorKind::transport);
  EXPECT_EQ(transport.count("/y"), 3u);
  EXPECT_NE(failed.error().message.find("connection refused"), std::string::npos);
}

TEST(github_client, explains_a_401_as_a_rejected_token) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/user", http_response(401, R"({"message":"Bad credentials"})"));
  Client client(options(), transport, clock);
  auto response = client.get("/user");
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::unauthorized);
  EXPECT_TRUE(response.error().message.starts_with(
      "GitHub rejected the token (401 Bad credentials): it is invalid, expired or revoked — "
      "create a new one"))
      << response.error().message;
  EXPECT_EQ(transport.sent().size(), 1u);
}

TEST(github_client, maps_404_403_and_other_answers_to_error_kinds) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/missing", http_response(404, R"({"message":"Not Found"})"));
  transport.add("/denied",
                http_response(403, R"({"message":"Must have push access to repository"})"));
  transport.add("/bad", http_response(422, R"({"message":"Validation Failed"})"));
  Client client(options(), transport, clock);

  auto missing = client.get("/missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
  EXPECT_EQ(missing.error().url, "/missing");
  auto denied = client.get("/denied");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().kind, ErrorKind::forbidden);
  EXPECT_NE(denied.error().message.find("Must have push access"), std::string::npos);
  auto bad = client.get("/bad");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::other);
  EXPECT_EQ(bad.error().status, 422);
  EXPECT_NE(bad.error().message.find("Validation Failed"), std::string::npos);
  EXPECT_EQ(transport.sent().size(), 3u);
}

TEST(github_client, follows_a_301_and_records_the_old_url) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add(
      "/repos/old/name",
      http_response(301, "{}", {{"Location", "https://api.example.test/repositories/42"}}));
  transport.add("/repositories/42", http_response(200, R"({"id":42})"));
  Client client(options(), transport, clock);
  auto response = client.get("/repos/old/name");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, R"({"id":42})");
  EXPECT_EQ(response->url, "https://api.example.test/repositories/42");
  ASSERT_EQ(response->redirected_from.size(), 1u);
  EXPECT_EQ(response->redirected_from[0], "https://api.example.test/repos/old/name");
  EXPECT_TRUE(transport.requests().at(1).headers.contains("Authorization"));
}

TEST(github_client, follows_relative_locations_keeps_post_on_307_and_stops_after_five_hops) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/graphql", http_response(307, "", {{"Location", "/v2/graphql"}}));
  transport.add("/v2/graphql", http_response(200, R"({"data":{}})"));
  transport.always("/loop", http_response(302, "", {{"Location", "loop"}}));
  Client client(options(), transport, clock);

  auto posted = client.post_json("/graphql", {{"query", "{ viewer { login } }"}});
  ASSERT_TRUE(posted) << posted.error().message;
  auto second = transport.requests().at(1);
  EXPECT_EQ(second.url, "https://api.example.test/v2/graphql");
  EXPECT_EQ(second.method, "POST");
  EXPECT_FALSE(second.body.empty());
  EXPECT_TRUE(posted->redirected_from.empty());

  auto looped = client.get("/loop");
  ASSERT_FALSE(looped);
  EXPECT_EQ(transport.count("/loop"), 6u);
}

TEST(github_client, does_not_send_the_token_to_another_host_on_a_redirect) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/download", http_response(302, "", {{"Location", "https://elsewhere.test/file"}}));
  transport.add("elsewhere.test", http_response(200, "data"));
  Client client(options(), transport, clock);
  ASSERT_TRUE(client.get("/download"));
  EXPECT_FALSE(transport.requests().at(1).headers.contains("Authorization"));
}

TEST(github_client, sends_if_none_match_and_reuses_the_cached_body_on_304) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/traffic", http_response(304, "", {{"Date", "Mon, 02 Mar 2026 13:00:00 GMT"}}));
  Client client(options(), transport, clock);
  const std::string url = "https://api.example.test/repos/o/r/traffic";
  auto lookup = [&](const std::string& key) -> std::optional<core::CachedResponse> {
    if (key == url) {
      return core::CachedResponse{url, "\"abc\"", "cached body"};
    }
    return std::nullopt;
  };
  auto response = client.get("/repos/o/r/traffic", {}, lookup);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(transport.requests().at(0).headers.at("if-none-match"), "\"abc\"");
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->from_cache);
  EXPECT_EQ(response->body, "cached body");
  ASSERT_TRUE(response->date);
  EXPECT_EQ(util::format_iso8601(*response->date), "2026-03-02T13:00:00Z");
  EXPECT_EQ(client.stats().not_modified, 1);
}

TEST(github_client, fills_a_cache_entry_from_an_etag_keyed_by_the_requested_url) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add("/repos/old/r",
                http_response(301, "", {{"Location", "https://api.example.test/repos/new/r"}}));
  transport.add("/repos/new/r", http_response(200, "body", {{"ETag", "W/\"e1\""}}));
  Client client(options(), transport, clock);
  auto response = client.get("/repos/old/r");
  ASSERT_TRUE(response);
  ASSERT_TRUE(response->cache_entry);
  EXPECT_EQ(response->cache_entry->url, "https://api.example.test/repos/old/r");
  EXPECT_EQ(response->cache_entry->etag, "W/\"e1\"");
  EXPECT_EQ(response->cache_entry->body, "body");
  EXPECT_FALSE(response->from_cache);
}

TEST(github_client, follows_link_next_until_the_last_page) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add(
      "&page=2",
      http_response(200, "[3]",
                    {{"Link",
                      "<https://api.example.test/user/repos?per_page=2&page=1>; rel=\"first\", "
                      "<https://api.example.test/user/repos?per_page=2&page=1>; rel=\"prev\""}}));
  transport.add(
      "/user/repos",
      http_response(200, "[1,2]",
                    {{"Link",
                      "<https://api.example.test/user/repos?per_page=2&page=2>; rel=\"next\", "
                      "<https://api.example.test/user/repos?per_page=2&page=2>; rel=\"last\""}}));
  Client client(options(), transport, clock);
  auto items = client.get_all_pages("/user/repos?per_page=2");
  ASSERT_TRUE(items) << items.error().message;
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[2], 3);
  EXPECT_EQ(transport.sent().size(), 2u);
}

TEST(github_client, refuses_a_next_link_outside_the_api_host_and_pages_that_are_not_arrays) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.add(
      "/a", http_response(200, "[1]", {{"Link", "<https://evil.test/a?page=2>; rel=\"next\""}}));
  transport.add("/b", http_response(200, R"({"items":[]})"));
  transport.add("/c", http_response(200, "[1, 2"));
  Client client(options(), transport, clock);
  auto outside = client.get_all_pages("/a");
  ASSERT_FALSE(outside);
  EXPECT_EQ(transport.count("evil.test"), 0u);
  auto object = client.get_all_pages("/b");
  ASSERT_FALSE(object);
  EXPECT_EQ(object.error().kind, ErrorKind::malformed);
  auto truncated = client.get_all_pages("/c");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().kind, ErrorKind::malformed);
}

TEST(github_client, refuses_absolute_urls_outside_the_api) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  Client client(options(), transport, clock);
  auto response = client.get("https://evil.test/repos/o/r");
  ASSERT_FALSE(response);
  EXPECT_TRUE(transport.sent().empty());
}

TEST(github_urls, resolve_api_url_prefers_the_flag_then_the_environment_then_the_default) {
  ::unsetenv("GITHUB_API_URL");
  EXPECT_EQ(resolve_api_url(std::nullopt), "https://api.github.com");
  ::setenv("GITHUB_API_URL", "https://ghe.example.com/api/v3/", 1);
  EXPECT_EQ(resolve_api_url(std::nullopt), "https://ghe.example.com/api/v3");
  EXPECT_EQ(resolve_api_url(std::string("http://127.0.0.1:8080//")), "http://127.0.0.1:8080");
  EXPECT_THROW(resolve_api_url(std::string("ftp://x")), util::Error);
  EXPECT_THROW(resolve_api_url(std::string("api.github.com")), util::Error);
  ::unsetenv("GITHUB_API_URL");
}

TEST(github_urls, graphql_url_follows_github_and_enterprise_server_layouts) {
  EXPECT_EQ(graphql_url("https://api.github.com"), "https://api.github.com/graphql");
  EXPECT_EQ(graphql_url("https://api.github.com/"), "https://api.github.com/graphql");
  EXPECT_EQ(graphql_url("https://ghe.example.com/api/v3"), "https://ghe.example.com/api/graphql");
  EXPECT_EQ(graphql_url("http://127.0.0.1:8080"), "http://127.0.0.1:8080/graphql");
}

TEST(github_urls, next_link_reads_only_the_next_relation) {
  EXPECT_EQ(next_link(R"(<https://h/x?page=2>; rel="next", <https://h/x?page=5>; rel="last")"),
            "https://h/x?page=2");
  EXPECT_EQ(
      next_link(R"(<https://h/x?page=5>; rel="last", <https://h/x?a=1,2&page=3>; rel="next")"),
      "https://h/x?a=1,2&page=3");
  EXPECT_FALSE(next_link(R"(<https://h/x?page=1>; rel="prev")"));
  EXPECT_FALSE(next_link(""));
}

TEST(github_urls, join_url_joins_paths_and_keeps_absolute_urls) {
  EXPECT_EQ(join_url("https://h/api/v3/", "/repos/o/r"), "https://h/api/v3/repos/o/r");
  EXPECT_EQ(join_url("https://h", "user"), "https://h/user");
  EXPECT_EQ(join_url("https://h", "https://h/x?page=2"), "https://h/x?page=2");
}

// Found by the link_header fuzz target: "httPs://h/x" was split as a URL but not taken for
// an absolute one, so a Location or a next link in that spelling was read as a path under
// the current folder.
TEST(github_urls, a_scheme_in_any_case_is_an_absolute_url) {
  for (const char* url : {"https://h/x", "HTTPS://h/x", "httPs://h/x", "Http://h/x"}) {
    EXPECT_TRUE(net::is_absolute_url(url)) << url;
    EXPECT_TRUE(net::split_url(url).has_value()) << url;
    EXPECT_EQ(net::resolve_location("https://api.example/a/b", url), url);
  }
  EXPECT_EQ(join_url("https://h", "httPs://h/x?page=2"), "httPs://h/x?page=2");
  EXPECT_FALSE(net::is_absolute_url("/httPs://h"));
  EXPECT_FALSE(net::is_absolute_url("http:/h"));
}

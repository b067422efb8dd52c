#include <gtest/gtest.h>

#include "fake_transport.hpp"
#include "ghtraffic/github/rate_limit.hpp"

using namespace ghtraffic;
using namespace ghtraffic::github;
using ghtraffic::testing::http_response;
using ghtraffic::testing::transport_failure;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr std::string_view k_path = "/repos/octo/cat/traffic/views";

util::Timestamp now() {
  return *util::parse_iso8601("2026-03-02T12:00:00Z");
}

std::string epoch_text(util::Timestamp at) {
  return std::to_string(at.time_since_epoch().count());
}

RetryLimits limits() {
  RetryLimits l;
  l.max_retries = 4;
  l.retry_base = milliseconds(1000);
  l.secondary_backoff = seconds(60);
  l.max_wait = seconds(3600 + 60);
  l.low_remaining = 8;
  return l;
}

Decision decide_on(const net::HttpResponse& response, const AttemptsSoFar& so_far = {},
                   const RetryLimits& l = limits()) {
  return decide(read_answer(response, now()), so_far, l, k_path);
}

}  // namespace

TEST(github_rate_limit, waits_the_retry_after_of_a_429) {
  auto decision = decide_on(http_response(429, "{}", {{"Retry-After", "5"}}));
  EXPECT_EQ(decision.next, Next::wait);
  ASSERT_TRUE(decision.pause);
  EXPECT_EQ(decision.pause->length, seconds(5));
  EXPECT_EQ(decision.pause->until, now() + seconds(5));
  EXPECT_TRUE(decision.pause->refused);
  EXPECT_TRUE(decision.secondary_limit);
}

TEST(github_rate_limit, reads_a_retry_after_given_as_an_http_date_against_github_clock) {
  // GitHub's clock is 100 s ahead; its retry-after date is 40 s after its own now.
  auto decision =
      decide_on(http_response(429, "{}",
                              {{"Date", util::format_http_date(now() + seconds(100))},
                               {"Retry-After", util::format_http_date(now() + seconds(140))}}));
  EXPECT_EQ(decision.next, Next::wait);
  ASSERT_TRUE(decision.pause);
  EXPECT_EQ(decision.pause->length, seconds(40));
}

TEST(github_rate_limit, waits_the_retry_after_of_a_403_secondary_limit) {
  auto decision =
      decide_on(http_response(403, R"({"message":"You have exceeded a secondary rate limit."})",
                              {{"retry-after", "30"}, {"x-ratelimit-remaining", "4000"}}));
  EXPECT_EQ(decision.next, Next::wait);
  ASSERT_TRUE(decision.pause);
  EXPECT_EQ(decision.pause->length, seconds(30));
  EXPECT_TRUE(decision.secondary_limit);
  EXPECT_EQ(decision.pause->reason,
            "secondary rate limit (GitHub answered 403 for /repos/octo/cat/traffic/views): "
            "waiting 30s as its retry-after asks");
}

TEST(github_rate_limit, backs_off_a_minute_doubling_on_a_403_secondary_limit_without_retry_after) {
  const auto limited =
      http_response(403, R"({"message":"You have exceeded a secondary rate limit"})");
  std::vector<milliseconds> waits;
  AttemptsSoFar so_far;
  for (int i = 0; i < 4; ++i) {
    auto decision = decide_on(limited, so_far);
    ASSERT_EQ(decision.next, Next::wait);
    EXPECT_TRUE(decision.secondary_limit);
    waits.push_back(decision.pause->length);
    ++so_far.rate_limit_waits;
    so_far.rate_limit_waited += decision.pause->length;
  }
  EXPECT_EQ(waits,
            (std::vector<milliseconds>{seconds(60), seconds(120), seconds(240), seconds(480)}));
}

TEST(github_rate_limit, treats_a_403_with_retry_after_as_a_limit_whatever_its_wording) {
  auto decision =
      decide_on(http_response(403, R"({"message":"Slow down"})", {{"retry-after", "7"}}));
  EXPECT_EQ(decision.next, Next::wait);
  EXPECT_EQ(decision.pause->length, seconds(7));
}

TEST(github_rate_limit, waits_until_the_reset_when_a_403_says_nothing_remains) {
  auto decision =
      decide_on(http_response(403, R"({"message":"API rate limit exceeded"})",
                              {{"Date", util::format_http_date(now())},
                               {"x-ratelimit-limit", "5000"},
                               {"x-ratelimit-remaining", "0"},
                               {"x-ratelimit-reset", epoch_text(now() + seconds(900))}}));
  EXPECT_EQ(decision.next, Next::wait);
  ASSERT_TRUE(decision.pause);
  EXPECT_EQ(decision.pause->length, seconds(901));  // one second of margin after the reset
  EXPECT_FALSE(decision.secondary_limit);
  EXPECT_EQ(decision.pause->reason,
            "rate limit: 0 requests left of 5000; waiting 15m 1s until 12:15:01 UTC for the reset");
}

TEST(github_rate_limit, measures_the_reset_on_github_clock_not_the_local_one) {
  auto decision =
      decide_on(http_response(403, "{}",
                              {{"Date", util::format_http_date(now() + seconds(300))},
                               {"x-ratelimit-remaining", "0"},
                               {"x-ratelimit-reset", epoch_text(now() + seconds(420))}}));
  EXPECT_EQ(decision.next, Next::wait);
  EXPECT_EQ(decision.pause->length, seconds(121));
  EXPECT_EQ(decision.pause->until, now() + seconds(121));
}

TEST(github_rate_limit, uses_a_success_but_pauses_for_the_reset_when_few_requests_remain) {
  auto decision = decide_on(http_response(200, "{}",
                                          {{"Date", util::format_http_date(now())},
                                           {"x-ratelimit-limit", "5000"},
                                           {"x-ratelimit-remaining", "3"},
                                           {"x-ratelimit-reset", epoch_text(now() + seconds(600))},
                                           {"x-ratelimit-resource", "core"}}));
  EXPECT_EQ(decision.next, Next::use);
  ASSERT_TRUE(decision.pause);
  EXPECT_EQ(decision.pause->length, seconds(601));
  EXPECT_FALSE(decision.pause->refused);
  EXPECT_EQ(decision.pause->reason,
            "rate limit: 3 requests left of 5000; waiting 10m 1s until 12:10:01 UTC for the reset");
}

TEST(github_rate_limit, does_not_pause_while_enough_requests_remain) {
  auto decision = decide_on(http_response(
      200, "{}",
      {{"x-ratelimit-remaining", "9"}, {"x-ratelimit-reset", epoch_text(now() + seconds(600))}}));
  EXPECT_EQ(decision.next, Next::use);
  EXPECT_FALSE(decision.pause);
}

TEST(github_rate_limit, a_plain_403_for_missing_push_access_is_not_a_rate_limit) {
  auto decision =
      decide_on(http_response(403, R"({"message":"Must have push access to repository"})",
                              {{"x-ratelimit-remaining", "4999"},
                               {"x-ratelimit-reset", epoch_text(now() + seconds(3600))}}));
  EXPECT_EQ(decision.next, Next::use);
  EXPECT_FALSE(decision.pause);
  EXPECT_FALSE(decision.secondary_limit);
  EXPECT_FALSE(is_rate_limit_answer(read_answer(
      http_response(403, R"({"message":"Must have push access to repository"})"), now())));
}

TEST(github_rate_limit, retries_server_errors_with_a_doubling_ceiling) {
  std::vector<milliseconds> ceilings;
  AttemptsSoFar so_far;
  for (long status : {500L, 502L, 503L, 504L}) {
    auto decision = decide_on(http_response(status, "oops"), so_far);
    ASSERT_EQ(decision.next, Next::back_off) << status;
    EXPECT_FALSE(decision.backoff_at_least);
    ceilings.push_back(decision.backoff_ceiling);
    ++so_far.transient_failures;
  }
  EXPECT_EQ(ceilings, (std::vector<milliseconds>{seconds(1), seconds(2), seconds(4), seconds(8)}));
}

TEST(github_rate_limit, waits_at_least_a_server_error_retry_after) {
  auto decision = decide_on(http_response(503, "busy", {{"Retry-After", "12"}}));
  EXPECT_EQ(decision.next, Next::back_off);
  EXPECT_EQ(decision.backoff_at_least, seconds(12));
  EXPECT_EQ(decision.message,
            "GitHub answered 503 for /repos/octo/cat/traffic/views; retrying (attempt 2 of 5)");
}

TEST(github_rate_limit, caps_the_transient_backoff_at_a_minute) {
  auto l = limits();
  l.max_retries = 30;
  auto decision = decide_on(http_response(500, ""), {.transient_failures = 10}, l);
  EXPECT_EQ(decision.next, Next::back_off);
  EXPECT_EQ(decision.backoff_ceiling, seconds(60));
}

TEST(github_rate_limit, a_client_error_other_than_a_limit_is_used_as_it_is) {
  for (long status : {401L, 404L, 410L, 422L}) {
    auto decision = decide_on(http_response(status, "{}"));
    EXPECT_EQ(decision.next, Next::use) << status;
  }
}

TEST(github_rate_limit, stops_retrying_server_errors_after_the_retry_limit) {
  auto decision = decide_on(http_response(502, ""), {.transient_failures = 4});
  EXPECT_EQ(decision.next, Next::use);  // the answer stands: an error of its status
}

TEST(github_rate_limit, retries_transport_failures_a_retry_may_cure_up_to_the_limit) {
  auto timeout = transport_failure(net::TransportError::timeout, "Timeout was reached");
  auto first = decide_on(timeout);
  EXPECT_EQ(first.next, Next::back_off);
  EXPECT_EQ(first.message, "Timeout was reached; retrying (attempt 2 of 5)");
  EXPECT_EQ(decide_on(timeout, {.transient_failures = 4}).next, Next::use);
  EXPECT_EQ(decide_on(transport_failure(net::TransportError::other, "bad TLS")).next, Next::use);
}

TEST(github_rate_limit, gives_up_after_eight_waits_on_one_request) {
  auto limited = http_response(429, "{}", {{"Retry-After", "1"}});
  AttemptsSoFar so_far{.rate_limit_waits = 8, .rate_limit_waited = seconds(8)};
  auto decision = decide_on(limited, so_far);
  EXPECT_EQ(decision.next, Next::give_up);
  EXPECT_FALSE(decision.pause);
  EXPECT_TRUE(decision.secondary_limit);
  EXPECT_EQ(decision.message,
            "gave up on /repos/octo/cat/traffic/views: GitHub's rate limit still refused it after "
            "waiting 8s (8 waits); the next wait of 1s would exceed the 1h 1m allowed");
  so_far.rate_limit_waits = 7;
  EXPECT_EQ(decide_on(limited, so_far).next, Next::wait);
}

TEST(github_rate_limit, gives_up_when_the_next_wait_would_outlast_max_wait) {
  auto l = limits();
  l.max_wait = seconds(600);
  const auto limited = http_response(403, R"({"message":"secondary rate limit"})");
  // 60 + 120 + 240 fit in 10 minutes; the next 480 s would not.
  EXPECT_EQ(decide_on(limited, {.rate_limit_waits = 2, .rate_limit_waited = seconds(180)}, l).next,
            Next::wait);
  EXPECT_EQ(decide_on(limited, {.rate_limit_waits = 3, .rate_limit_waited = seconds(420)}, l).next,
            Next::give_up);
}

TEST(github_rate_limit, formats_lengths_for_people) {
  EXPECT_EQ(format_length(milliseconds(400)), "1s");
  EXPECT_EQ(format_length(seconds(59)), "59s");
  EXPECT_EQ(format_length(seconds(125)), "2m 5s");
  EXPECT_EQ(format_length(seconds(3660)), "1h 1m");
}

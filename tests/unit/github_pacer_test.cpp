// The windowed pacer, alone and inside the client: no 60-second window ever holds more
// starts than its budget (including across a shrink), a burst below the window is not
// delayed, GraphQL is paced apart, and a write costs 5 points.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "fake_transport.hpp"
#include "ghtraffic/github/client.hpp"
#include "ghtraffic/github/pacer.hpp"
#include "ghtraffic/util/log.hpp"
#include "support/captured_log.hpp"

using namespace ghtraffic;
using namespace ghtraffic::github;
using ghtraffic::testing::FakeTransport;
using ghtraffic::testing::http_response;
using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyTime = util::Clock::SteadyTime;

namespace {

constexpr const char* k_api = "https://api.example.test";

util::Timestamp start_time() {
  return *util::parse_iso8601("2026-03-02T12:00:00Z");
}

ClientOptions options(int max_per_minute) {
  ClientOptions o;
  o.api_url = k_api;
  o.token = "test-token";
  o.user_agent = "ghtraffic-test";
  o.max_per_minute = max_per_minute;
  return o;
}

// The most starts that any window of `length` ending on a start at or after `from` holds:
// a start at t and one at t + length are not in one window (the pacer's points leave
// exactly one window length after the answer).
std::size_t most_in_a_window(const std::vector<SteadyTime>& starts, milliseconds length,
                             std::size_t from = 0) {
  std::size_t most = 0;
  std::size_t first = 0;
  for (std::size_t last = 0; last < starts.size(); ++last) {
    while (starts[last] - starts[first] >= length) {
      ++first;
    }
    if (last >= from) {
      most = std::max(most, last - first + 1);
    }
  }
  return most;
}

std::vector<SteadyTime> start_times(const FakeTransport& transport) {
  std::vector<SteadyTime> out;
  for (const auto& sent : transport.sent()) {
    out.push_back(sent.at);
  }
  return out;
}

using ghtraffic::testing::CapturedLog;

}  // namespace

TEST(github_pacer, a_burst_below_the_window_is_not_delayed) {
  util::ManualClock clock(start_time());
  Pacer pacer(clock, 8, 900);
  const SteadyTime begin = clock.steady_now();
  for (int i = 0; i < 900; ++i) {
    auto permit = pacer.acquire();
    EXPECT_EQ(permit.started(), begin) << "request " << i;
  }
  EXPECT_EQ(clock.slept(), milliseconds(0));
  // The 901st waits until the first point leaves: one window after its answer.
  auto next = pacer.acquire();
  EXPECT_EQ(next.started() - begin, seconds(60));
}

TEST(github_pacer, points_leave_one_window_after_the_answer_not_after_the_start) {
  util::ManualClock clock(start_time());
  Pacer pacer(clock, 8, 2);
  const SteadyTime begin = clock.steady_now();
  {
    auto slow = pacer.acquire();
    clock.advance(seconds(5));  // the answer takes 5 s
  }
  { auto quick = pacer.acquire(); }
  auto third = pacer.acquire();
  EXPECT_EQ(third.started() - begin, seconds(65));
}

TEST(github_pacer, a_window_held_by_requests_in_flight_waits_for_their_answers) {
  Pacer pacer(util::system_clock(), 4, 2, 2000, milliseconds(200));
  auto first = pacer.acquire();
  auto second = pacer.acquire();
  std::atomic<bool> started{false};
  std::thread third([&] {
    auto permit = pacer.acquire();
    started = true;
  });
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_FALSE(started.load());
  const auto answered = std::chrono::steady_clock::now();
  { auto done = std::move(first); }
  third.join();
  EXPECT_TRUE(started.load());
  EXPECT_GE(std::chrono::steady_clock::now() - answered, milliseconds(200));
}

TEST(github_pacer, graphql_is_paced_apart_from_rest) {
  util::ManualClock clock(start_time());
  Pacer pacer(clock, 8, 900, 2000);
  for (int i = 0; i < 900; ++i) {
    pacer.acquire(Budget::rest);
  }
  for (int i = 0; i < 2000; ++i) {
    pacer.acquire(Budget::graphql);
  }
  EXPECT_EQ(clock.slept(), milliseconds(0));
  const SteadyTime before = clock.steady_now();
  auto graphql = pacer.acquire(Budget::graphql);
  EXPECT_EQ(graphql.started() - before, seconds(60));
}

TEST(github_pacer, a_request_worth_more_points_than_the_window_still_starts) {
  util::ManualClock clock(start_time());
  Pacer pacer(clock, 8, 3);
  { auto write = pacer.acquire(Budget::rest, 5); }
  EXPECT_EQ(clock.slept(), milliseconds(0));
  { auto read = pacer.acquire(Budget::rest, 1); }
  EXPECT_EQ(clock.slept(), seconds(60));  // the write held the whole window
}

TEST(github_pacer, shrinks_by_a_quarter_once_per_burst_of_refusals) {
  util::ManualClock clock(start_time());
  Pacer pacer(clock, 8, 900);
  std::vector<SteadyTime> burst;
  for (int i = 0; i < 3; ++i) {
    burst.push_back(pacer.acquire().started());
  }
  EXPECT_EQ(pacer.shrink(Budget::rest, burst[0]), 675);
  EXPECT_EQ(pacer.shrink(Budget::rest, burst[1]), std::nullopt);  // the same burst
  EXPECT_EQ(pacer.shrink(Budget::rest, burst[2]), std::nullopt);
  EXPECT_EQ(pacer.window_size(Budget::rest), 675);
  EXPECT_EQ(pacer.window_size(Budget::graphql), k_graphql_points_per_minute);

  clock.advance(seconds(1));
  const SteadyTime later = pacer.acquire().started();
  EXPECT_EQ(pacer.shrink(Budget::rest, later), 506);

  // Never below a quarter of the size it started with: 900 / 4 = 225.
  std::vector<int> sizes;
  for (int i = 0; i < 10; ++i) {
    clock.advance(seconds(1));
    if (auto size = pacer.shrink(Budget::rest, pacer.acquire().started())) {
      sizes.push_back(*size);
    }
  }
  EXPECT_EQ(sizes, (std::vector<int>{379, 284, 225}));
  EXPECT_EQ(pacer.window_size(Budget::rest), 225);

  Pacer tiny(clock, 1, 1);
  clock.advance(seconds(1));
  EXPECT_EQ(tiny.shrink(Budget::rest, clock.steady_now()), std::nullopt);  // 1 stays 1
  EXPECT_EQ(tiny.window_size(Budget::rest), 1);
}

TEST(github_client, keeps_the_window_full_and_never_past_it) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.on_send([&](const net::HttpRequest&) { clock.advance(milliseconds(50)); });
  transport.always("/r", http_response(200, "{}"));
  Client client(options(900), transport, clock);

  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(client.get("/r"));
  }
  auto starts = start_times(transport);
  ASSERT_EQ(starts.size(), 3000u);
  EXPECT_EQ(most_in_a_window(starts, seconds(60)), 900u);
  // As fast as the answers come until the window is full, then each start as soon as a
  // point leaves: one minute after the answer of the request 900 starts before.
  EXPECT_EQ(starts[899] - starts[0], milliseconds(899 * 50));
  for (std::size_t i = 900; i < starts.size(); ++i) {
    ASSERT_EQ(starts[i] - starts[i - 900], seconds(60) + milliseconds(50)) << "request " << i;
  }
}

TEST(github_client, a_run_below_the_window_goes_as_fast_as_the_answers) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.always("/r", http_response(200, "{}"));
  transport.always("/graphql", http_response(200, R"({"data":{}})"));
  Client client(options(900), transport, clock);

  for (int i = 0; i < 802; ++i) {
    ASSERT_TRUE(client.get("/r"));
  }
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(client.post_json(graphql_url(k_api), nlohmann::json{{"query", "{}"}}));
  }
  EXPECT_EQ(clock.slept(), milliseconds(0));
  EXPECT_EQ(transport.sent().size(), 822u);
}

TEST(github_client, a_write_costs_five_points_and_graphql_none_of_rest) {
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  transport.always("/app/installations/1/access_tokens", http_response(201, "{}"));
  transport.always("/graphql", http_response(200, R"({"data":{}})"));
  transport.always("/r", http_response(200, "{}"));
  Client client(options(10), transport, clock);

  ASSERT_TRUE(client.post_json("/app/installations/1/access_tokens", nlohmann::json::object()));
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(client.post_json(graphql_url(k_api), nlohmann::json{{"query", "{}"}}));
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.get("/r"));
  }
  EXPECT_EQ(clock.slept(), milliseconds(0));
  ASSERT_TRUE(client.get("/r"));  // 5 + 5 points are the window: the 11th point waits
  EXPECT_EQ(clock.slept(), seconds(60));
}

TEST(github_client, a_secondary_limit_shrinks_the_window_for_the_rest_of_the_run) {
  CapturedLog log;
  util::ManualClock clock(start_time());
  FakeTransport transport(&clock);
  for (int i = 0; i < 500; ++i) {
    transport.add("/r", http_response(200, "{}"));
  }
  transport.add("/r",
                http_response(403, R"({"message":"You have exceeded a secondary rate limit."})",
                              {{"retry-after", "1"}}));
  transport.always("/r", http_response(200, "{}"));
  Client client(options(900), transport, clock);

  for (int i = 0; i < 2500; ++i) {
    ASSERT_TRUE(client.get("/r"));
  }
  auto starts = start_times(transport);
  ASSERT_EQ(starts.size(), 2501u);  // one of them refused and sent again
  EXPECT_EQ(client.stats().secondary_limited, 1);
  EXPECT_EQ(client.stats().max_per_minute, 675);
  EXPECT_LE(most_in_a_window(starts, seconds(60)), 900u);
  // Every window that ends after the refusal holds no more than the smaller window.
  EXPECT_EQ(most_in_a_window(starts, seconds(60), 501), 675u);
  // retry-after was honoured: the request sent again waited a second.
  EXPECT_EQ(starts[501] - starts[500], seconds(1));
  EXPECT_THAT(CapturedLog::text(),
              ::testing::HasSubstr("pacing to 675 requests a minute (was 900)"));
}

TEST(github_client, several_threads_never_put_more_than_the_window_in_any_window) {
  FakeTransport transport(&util::system_clock());
  transport.on_send([](const net::HttpRequest&) { std::this_thread::sleep_for(milliseconds(2)); });
  transport.always("/r", http_response(200, "{}"));
  auto o = options(10);
  o.concurrency = 4;
  o.pace_window = milliseconds(150);
  Client client(o, transport, util::system_clock());

  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(client.get("/r"));
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  auto starts = start_times(transport);
  ASSERT_EQ(starts.size(), 30u);
  std::sort(starts.begin(), starts.end());
  EXPECT_EQ(most_in_a_window(starts, milliseconds(150)), 10u);
  EXPECT_GE(starts.back() - starts.front(), milliseconds(300));  // two windows went by
}

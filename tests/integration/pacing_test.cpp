// The client's windowed pacing over real HTTP (libcurl) against the mock enforcing a
// sliding window on its own clock, where requests arrive later than they start: with the
// windows shortened to a fraction of a second, a run several windows long draws no
// secondary limit, and one the mock refuses anyway is waited out and the window shrinks.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "ghtraffic/github/client.hpp"
#include "ghtraffic/mock/mock_github.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/util/log.hpp"

namespace ghtraffic {
namespace {

using namespace std::chrono_literals;

class pacing : public ::testing::Test {
 protected:
  void SetUp() override {
    mock::MockRepo repo;
    repo.owner = "octo";
    repo.name = "alpha";
    github.add_repo(repo);
    github.set_token("pacing-token");
    github.start();
  }

  github::ClientOptions options(int max_per_minute, std::chrono::milliseconds window) const {
    github::ClientOptions o;
    o.api_url = github.url();
    o.token = "pacing-token";
    o.max_per_minute = max_per_minute;
    o.pace_window = window;
    o.concurrency = 4;
    return o;
  }

  // `threads` threads sending `each` requests; returns how many failed.
  static int run(github::Client& client, int threads, int each) {
    std::atomic<int> failed{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        for (int i = 0; i < each; ++i) {
          if (!client.get("/repos/octo/alpha/traffic/views")) {
            ++failed;
          }
        }
      });
    }
    for (auto& worker : workers) {
      worker.join();
    }
    return failed.load();
  }

  mock::MockGitHub github;
};

TEST_F(pacing, a_run_several_windows_long_draws_no_secondary_limit) {
  github.set_secondary_window(300ms);
  github.set_max_per_minute(10);
  github.set_latency(20ms);
  auto transport = net::make_curl_transport();
  github::Client client(options(10, 300ms), *transport);

  const auto begin = std::chrono::steady_clock::now();
  EXPECT_EQ(run(client, 8, 4), 0);
  const auto took = std::chrono::steady_clock::now() - begin;
  auto stats = github.stats();
  EXPECT_EQ(stats.requests, 32);
  EXPECT_EQ(stats.secondary_limited, 0);
  EXPECT_LE(stats.max_in_flight, 4);
  EXPECT_GE(took, 900ms);  // 32 requests, 10 a window: the fourth window was reached
}

TEST_F(pacing, a_refusal_from_requests_it_cannot_see_is_waited_out_and_shrinks_the_window) {
  util::set_log_sink([](std::string_view) {});
  github.set_secondary_window(400ms);
  github.set_max_per_minute(8);
  github.set_retry_after(1);
  auto transport = net::make_curl_transport();
  // Another process on the same token has spent 6 of the mock's 8.
  {
    github::Client other(options(1000, 400ms), *transport);
    for (int i = 0; i < 6; ++i) {
      ASSERT_TRUE(other.get("/repos/octo/alpha"));
    }
  }
  github::Client client(options(8, 400ms), *transport);
  EXPECT_EQ(run(client, 2, 4), 0);
  util::reset_log_sink();
  EXPECT_GE(client.stats().secondary_limited, 1);
  EXPECT_EQ(client.stats().max_per_minute, 6);
}

}  // namespace
}  // namespace ghtraffic

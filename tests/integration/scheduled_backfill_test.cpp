// The star and fork backfill that `serve` runs after each scheduled collection, against the
// mock GitHub server: the history stored, the cap kept (counted at the mock), nothing asked
// when the collection's budget leaves nothing, and a later pass going on where one stopped.
#include <gmock/gmock.h>
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "fixture.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

namespace {

class scheduled_backfill : public ServeFixture {
 protected:
  // The /api/status answer once `passes` backfill passes have been reported.
  json wait_for_passes(int runs, std::chrono::milliseconds timeout = 30s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    json last;
    while (std::chrono::steady_clock::now() < deadline) {
      httplib::Client client("127.0.0.1", m_port);
      auto res = client.Get("/api/status");
      if (res && res->status == 200) {
        last = json::parse(res->body);
        if (q("SELECT count(*) FROM runs WHERE finished_at IS NOT NULL") >=
                std::vector<std::string>{std::to_string(runs)} &&
            last["scheduler"]["running"] == false && !last["backfill"].is_null() &&
            !last["backfill"]["last_pass"].is_null()) {
          return last;
        }
      }
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "no backfill pass reported; last: " << last.dump() << "\n" << read_file(m_err);
    return last;
  }

  std::int64_t history_requests() {
    auto stats = m_github.stats();
    return stats.by_route["stargazers/history"] + stats.by_route["stargazers"] +
           stats.by_route["forks"];
  }

  std::vector<std::string> counts(const std::string& kind) {
    return q("SELECT day, count FROM history_counts WHERE kind = '" + kind + "' ORDER BY day");
  }
};

}  // namespace

TEST_F(scheduled_backfill, serve_stores_the_star_and_fork_history_after_its_collection) {
  add_starred("octo/alpha", 101);
  auto child = serve({"--collect-every", "1h"});
  ASSERT_GT(m_port, 0);
  auto status = wait_for_passes(1);
  const auto& pass = status["backfill"]["last_pass"];
  EXPECT_EQ(status["backfill"]["enabled"], true);
  EXPECT_EQ(pass["ran"], true) << pass.dump();
  EXPECT_EQ(pass["failed"], 0) << pass.dump();
  EXPECT_TRUE(pass["stopped"].is_null()) << pass.dump();
  auto stars = counts("stars");
  ASSERT_FALSE(stars.empty()) << read_file(m_err);
  EXPECT_EQ(stars.front(), "2026-03-02|3");
  EXPECT_EQ(stars.back(), "2026-03-20|6");
  EXPECT_EQ(counts("forks").front(), "2026-03-05|1");
  EXPECT_THAT(read_file(m_err), HasSubstr("backfill: 1 of 1 repository advanced"));
  EXPECT_EQ(read_file(m_err).find(k_token), std::string::npos);
  child->signal(SIGTERM);
  EXPECT_EQ(child->wait_exit(20s), 0) << read_file(m_err);
}

TEST_F(scheduled_backfill, serve_keeps_to_the_cap_and_the_next_pass_goes_on_from_there) {
  auto& repo = add_starred("octo/alpha", 101);
  repo.star_history = false;  // the listing, one star a page: many requests
  m_github.set_listing_page_size(1);
  auto child = serve({"--collect-every", "3s", "--backfill-max-requests", "2"});
  ASSERT_GT(m_port, 0);
  auto first = wait_for_passes(1);
  EXPECT_EQ(first["backfill"]["last_pass"]["requests"], 2) << first.dump();
  EXPECT_EQ(first["backfill"]["last_pass"]["stopped"], "budget") << first.dump();
  EXPECT_LE(history_requests(), 2);
  auto after_first = q("SELECT kind, next_url, next_position FROM backfill_state ORDER BY kind");
  auto second = wait_for_passes(2);
  EXPECT_LE(second["backfill"]["requests_total"].get<int>(), 4) << second.dump();
  auto after_second = q("SELECT kind, next_url, next_position FROM backfill_state ORDER BY kind");
  EXPECT_NE(after_first, after_second) << "the second pass did not go on";
  child->signal(SIGTERM);
  EXPECT_EQ(child->wait_exit(20s), 0) << read_file(m_err);
  EXPECT_LE(history_requests(), m_github.stats().by_route["stargazers"] + 4);
}

TEST_F(scheduled_backfill, serve_asks_nothing_when_the_collections_budget_leaves_nothing) {
  add_starred("octo/alpha", 101);
  m_github.set_view("octo/alpha", day("2026-03-18"), 9, 4);
  // The collection may send 10 requests: what it leaves is less than the backfill's reserve.
  auto child = serve({"--collect-every", "1h", "--max-requests", "10"});
  ASSERT_GT(m_port, 0);
  auto status = wait_for_passes(1);
  const auto& pass = status["backfill"]["last_pass"];
  EXPECT_EQ(pass["ran"], false) << pass.dump();
  EXPECT_THAT(pass["skipped"].get<std::string>(), HasSubstr("kept in reserve"));
  EXPECT_EQ(history_requests(), 0);
  EXPECT_TRUE(counts("stars").empty());
  EXPECT_THAT(read_file(m_err), HasSubstr("backfill skipped"));
  EXPECT_EQ(q("SELECT count(*) FROM repos"), std::vector<std::string>{"1"});
  child->signal(SIGTERM);
  EXPECT_EQ(child->wait_exit(20s), 0) << read_file(m_err);
}

TEST_F(scheduled_backfill, serve_with_no_backfill_asks_nothing) {
  add_starred("octo/alpha", 101);
  auto child = serve({"--collect-every", "1h", "--no-backfill"});
  ASSERT_GT(m_port, 0);
  auto status = wait_for_passes(1);
  EXPECT_EQ(status["backfill"]["enabled"], false);
  EXPECT_EQ(status["backfill"]["last_pass"]["ran"], false);
  EXPECT_EQ(history_requests(), 0);
  child->signal(SIGTERM);
  EXPECT_EQ(child->wait_exit(20s), 0) << read_file(m_err);
}

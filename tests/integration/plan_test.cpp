// The collection plan end to end (collect/budget.hpp, docs/collection-plan.md): the
// ghtraffic binary against the mock GitHub server. A run takes the repositories with the
// fewest days left first, skips those collected today, stops within its budget and before
// the primary rate limit would make it wait, and the next run resumes with the rest.
#include <gmock/gmock.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "fixture.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class plan : public CollectFixture {
 protected:
  void add_repos(int count) {
    for (int i = 0; i < count; ++i) {
      add_repo(fmt::format("acme/r{:02}", i), 500 + i);
    }
  }

  nlohmann::json collect_json(std::vector<std::string> args, ProcessOptions options = {}) {
    args.push_back("--json");
    auto r = run_collect(args, options);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    auto parsed = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << r.out;
    return parsed;
  }

  static std::vector<std::string> collected(const nlohmann::json& summary) {
    std::vector<std::string> names;
    for (const auto& repo : summary["repos"]) {
      if (repo["ok"].get<bool>()) {
        names.push_back(repo["repo"]);
      }
    }
    return names;
  }

  static std::vector<std::string> deferred(const nlohmann::json& summary, const char* reason) {
    std::vector<std::string> names;
    for (const auto& item : summary["deferred"]) {
      if (item["reason"] == reason) {
        names.push_back(item["repo"]);
      }
    }
    return names;
  }

  std::int64_t rest_requests() const {
    auto stats = m_github.stats();
    return stats.requests - stats.graphql_requests;
  }
};

}  // namespace

TEST_F(plan, a_repository_collected_today_waits_for_another_day_unless_again_today) {
  add_repos(2);
  auto first = collect_json({"--owner", "acme", "--today", "2026-03-20"});
  EXPECT_EQ(first["collected"], 2);

  m_github.reset_stats();
  auto r = run_collect({"--owner", "acme", "--today", "2026-03-20"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;  // deferred is not failed
  EXPECT_THAT(r.out, HasSubstr("2 repositories deferred to a later run"));
  EXPECT_THAT(r.out, HasSubstr("2 collected today already (--again-today collects them)"));
  EXPECT_EQ(m_github.stats().by_route["traffic/views"], 0);

  auto again = collect_json({"--owner", "acme", "--today", "2026-03-20"});
  EXPECT_EQ(again["collected"], 0);
  EXPECT_EQ(deferred(again, "collected-today"), (std::vector<std::string>{"acme/r00", "acme/r01"}));
  EXPECT_EQ(again["deferred_counts"],
            (nlohmann::json{
                {"collected-today", 2}, {"max-requests", 0}, {"rate-limit", 0}, {"deadline", 0}}));

  auto forced = collect_json({"--owner", "acme", "--today", "2026-03-20", "--again-today"});
  EXPECT_EQ(forced["collected"], 2);
  EXPECT_TRUE(forced["deferred"].empty());

  // Another day, and they are due again.
  auto tomorrow = collect_json({"--owner", "acme", "--today", "2026-03-21"});
  EXPECT_EQ(tomorrow["collected"], 2);
}

TEST_F(plan, a_repository_named_on_the_command_line_is_always_collected) {
  add_repos(1);
  EXPECT_EQ(collect_json({"acme/r00", "--today", "2026-03-20"})["collected"], 1);
  auto again = collect_json({"acme/r00", "--today", "2026-03-20", "--max-requests", "1"});
  EXPECT_EQ(again["collected"], 1);
  EXPECT_TRUE(again["deferred"].empty());
}

TEST_F(plan, max_requests_defers_the_rest_and_the_next_runs_resume_with_them) {
  add_repos(10);
  // One listing page, one GraphQL downloads batch and four requests a repository: 14 is
  // three repositories.
  std::vector<std::vector<std::string>> runs;
  for (int run = 0; run < 4; ++run) {
    m_github.set_now(at("2026-03-20T12:00:00Z") + std::chrono::minutes(10 * run));
    m_github.reset_stats();
    ProcessOptions options;
    if (run % 2 == 1) {
      options.env["GHTRAFFIC_MAX_REQUESTS"] = "14";  // the environment's name for it
    }
    std::vector<std::string> args{"--owner", "acme"};
    if (run % 2 == 0) {
      args.insert(args.end(), {"--max-requests", "14"});
    }
    auto summary = collect_json(args, options);
    EXPECT_LE(m_github.stats().requests, 14) << "run " << run;
    EXPECT_EQ(summary["requests"].get<int>(), m_github.stats().requests);
    auto names = collected(summary);
    EXPECT_EQ(names.size(), 3u) << "run " << run;
    EXPECT_EQ(summary["deferred_counts"]["max-requests"].get<int>(), 7) << "run " << run;
    runs.push_back(names);
    ASSERT_FALSE(summary["requests_left"].is_null());
    EXPECT_EQ(summary["requests_left"].get<int>(), 14 - m_github.stats().requests);
  }
  // Each repository once, in the plan's order: never collected first, by name; then, as
  // the fourth run has one left of them, those collected longest ago (the mock's day is
  // not today, so none counts as collected today). A run's list is by name.
  using Names = std::vector<std::string>;
  EXPECT_EQ(runs, (std::vector<Names>{{"acme/r00", "acme/r01", "acme/r02"},
                                      {"acme/r03", "acme/r04", "acme/r05"},
                                      {"acme/r06", "acme/r07", "acme/r08"},
                                      {"acme/r00", "acme/r01", "acme/r09"}}));
  m_github.set_now(at("2026-03-20T12:40:00Z"));
  auto fifth = collect_json({"--owner", "acme", "--max-requests", "14"});
  EXPECT_EQ(collected(fifth), (std::vector<std::string>{"acme/r02", "acme/r03", "acme/r04"}));
}

TEST_F(plan, a_config_file_sets_max_requests) {
  add_repos(4);
  auto config = m_dir + "/ghtraffic.toml";
  std::ofstream(config) << "max_requests = 10\n";
  auto summary = collect_json({"--owner", "acme", "--config", config});
  EXPECT_EQ(collected(summary), (std::vector<std::string>{"acme/r00", "acme/r01"}));
  EXPECT_EQ(summary["deferred_counts"]["max-requests"], 2);
}

TEST_F(plan, a_bad_max_requests_names_where_it_came_from) {
  auto r = run_collect({"--owner", "acme"}, {.env = {{"GHTRAFFIC_MAX_REQUESTS", "many"}}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("GHTRAFFIC_MAX_REQUESTS"));
  auto flag = run_collect({"--owner", "acme", "--rate-share", "150"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_THAT(flag.err, HasSubstr("--rate-share"));
}

TEST_F(plan, stops_before_the_primary_limit_would_make_it_wait) {
  add_repos(20);
  m_github.set_rate_limit(5000, 40, at("2026-03-20T12:30:00Z"));
  auto summary = collect_json({"--owner", "acme"});
  auto stats = m_github.stats();
  EXPECT_EQ(stats.primary_limited, 0);
  auto names = collected(summary);
  auto waiting = deferred(summary, "rate-limit");
  EXPECT_GE(names.size(), 1u);
  EXPECT_GE(waiting.size(), 1u);
  EXPECT_EQ(names.size() + waiting.size(), 20u);
  EXPECT_EQ(names.front(), "acme/r00");
  // The client's reserve (the concurrency, 8) stays untouched: nothing waited.
  EXPECT_GT(40 - rest_requests(), 8);
  ASSERT_FALSE(summary["requests_left"].is_null());
  EXPECT_GE(summary["requests_left"].get<int>(), 0);
  EXPECT_LT(summary["requests_left"].get<int>(), 4);
}

TEST_F(plan, a_rate_share_spends_at_most_that_share_of_what_is_left) {
  add_repos(20);
  m_github.set_rate_limit(5000, 100, at("2026-03-20T12:30:00Z"));
  auto summary = collect_json({"--owner", "acme", "--rate-share", "50"});
  // The listing saw 99 left: 1 + 49 requests in all.
  EXPECT_LE(rest_requests(), 50);
  EXPECT_EQ(collected(summary).size(), 12u);
  EXPECT_EQ(deferred(summary, "rate-limit").size(), 8u);
  EXPECT_EQ(m_github.stats().primary_limited, 0);
}

TEST_F(plan, a_deferred_repository_at_risk_is_still_reported) {
  add_repos(2);
  m_github.set_now(at("2026-03-08T12:00:00Z"));
  ASSERT_EQ(collect_json({"--owner", "acme"})["collected"], 2);
  m_github.set_now(at("2026-03-20T12:00:00Z"));
  auto r = run_collect({"--owner", "acme", "--today", "2026-03-20", "--max-requests", "6"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_THAT(r.out, HasSubstr("1 repository deferred to a later run"));
  EXPECT_THAT(r.out, HasSubstr("1 over --max-requests"));
  EXPECT_THAT(r.err, HasSubstr("warning: 1 repository this run did not collect needs collecting"));
  EXPECT_THAT(r.err, HasSubstr("acme/r01 (2 days left)"));
}

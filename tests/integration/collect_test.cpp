// End-to-end: the ghtraffic binary, the real libcurl, the mock GitHub server on loopback
// and a real SQLite file. Each data rule is checked through what a user sees (exports).
#include <gmock/gmock.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "fixture.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class collect : public CollectFixture {
 protected:
  // daily.csv rows of one repository, without the repo column: "date,views,...".
  std::vector<std::string> daily(const std::string& repo) {
    auto out = m_dir + "/export-" + std::to_string(++m_exports);
    auto r = ghtraffic({"export", "--out", out});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> rows;
    std::istringstream in(read_file(out + "/daily.csv"));
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "repo,date,views,views_unique,clones,clones_unique,stars,forks");
    while (std::getline(in, line)) {
      if (line.starts_with(repo + ",")) {
        rows.push_back(line.substr(repo.size() + 1));
      }
    }
    return rows;
  }

  std::string exported(const std::string& file) {
    auto out = m_dir + "/export-" + std::to_string(++m_exports);
    auto r = ghtraffic({"export", "--out", out});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_file(out + "/" + file);
  }

  std::optional<std::string> row_for(const std::vector<std::string>& rows, const char* date) {
    for (const auto& r : rows) {
      if (r.starts_with(std::string(date) + ",")) {
        return r;
      }
    }
    return std::nullopt;
  }

  int m_exports = 0;
};

}  // namespace

TEST_F(collect, without_a_token_exits_2_and_says_how_to_provide_one) {
  auto r = run_ghtraffic({"collect", "--api-url", m_github.url(), "--store", m_store},
                         {.env = {{"GITHUB_TOKEN", ""}, {"GH_TOKEN", ""}}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("GITHUB_TOKEN"));
  EXPECT_THAT(r.err, HasSubstr("--token-file"));
  EXPECT_THAT(r.err, HasSubstr("push access"));
  EXPECT_EQ(m_github.stats().requests, 0);
}

TEST_F(collect, stores_views_clones_and_counters_of_named_repositories) {
  add_repo("octo/alpha", 101);
  m_github.set_view("octo/alpha", day("2026-03-18"), 9, 4);
  m_github.set_clone("octo/alpha", day("2026-03-19"), 3, 1);
  auto r = run_collect({"octo/alpha"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_THAT(r.out, HasSubstr("octo/alpha"));
  auto rows = daily("octo/alpha");
  EXPECT_EQ(rows.size(), 15u);  // R3: the whole covered window, zeros included
  EXPECT_EQ(row_for(rows, "2026-03-18"), "2026-03-18,9,4,0,0,,");
  EXPECT_EQ(row_for(rows, "2026-03-19"), "2026-03-19,0,0,3,1,,");
  EXPECT_EQ(row_for(rows, "2026-03-20"), "2026-03-20,0,0,0,0,10,2");
}

TEST_F(collect, r2_a_day_reported_9_then_12_then_7_keeps_12) {
  add_repo("octo/alpha", 101);
  for (int reported : {9, 12, 7}) {
    m_github.set_view("octo/alpha", day("2026-03-15"), reported, reported / 3);
    auto r = run_collect({"octo/alpha"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_EQ(row_for(daily("octo/alpha"), "2026-03-15"), "2026-03-15,12,4,0,0,,");
}

TEST_F(collect, r3_an_uncovered_day_is_a_gap_and_a_covered_day_without_traffic_is_zero) {
  add_repo("octo/alpha", 101);
  m_github.set_now(at("2026-01-20T08:00:00Z"));
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  // Thirty days later: the days from 2026-01-21 to 2026-02-04 were never covered.
  m_github.set_now(at("2026-02-19T08:00:00Z"));
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  auto rows = daily("octo/alpha");
  EXPECT_TRUE(row_for(rows, "2026-01-20"));
  EXPECT_FALSE(row_for(rows, "2026-01-21"));
  EXPECT_FALSE(row_for(rows, "2026-02-04"));
  EXPECT_EQ(row_for(rows, "2026-02-05").value_or("").substr(0, 18), "2026-02-05,0,0,0,0");
  EXPECT_EQ(rows.size(), 30u);
}

TEST_F(collect, r3_the_observation_day_comes_from_the_date_header_not_the_local_clock) {
  add_repo("octo/alpha", 101);
  // The server's clock says 2025-06-01 while this machine's says 2026 or later.
  m_github.set_now(at("2025-06-01T23:59:00Z"));
  m_github.set_view("octo/alpha", day("2025-05-20"), 4, 2);
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  auto rows = daily("octo/alpha");
  ASSERT_EQ(rows.size(), 15u);
  EXPECT_EQ(rows.front().substr(0, 10), "2025-05-18");
  EXPECT_EQ(rows.back().substr(0, 10), "2025-06-01");
  EXPECT_THAT(exported("windows.csv"), HasSubstr("octo/alpha,2025-06-01T23:59:00Z,views,4,"));
}

TEST_F(collect, r4_keeps_each_responses_window_totals) {
  add_repo("octo/alpha", 101);
  m_github.set_view("octo/alpha", day("2026-03-18"), 9, 4);
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  m_github.set_now(at("2026-03-21T12:00:00Z"));
  m_github.set_view("octo/alpha", day("2026-03-21"), 5, 5);
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  auto windows = exported("windows.csv");
  EXPECT_THAT(windows, HasSubstr("octo/alpha,2026-03-20T12:00:00Z,views,9,4"));
  EXPECT_THAT(windows, HasSubstr("octo/alpha,2026-03-21T12:00:00Z,views,14,"));
  EXPECT_THAT(windows, HasSubstr("octo/alpha,2026-03-21T12:00:00Z,clones,0,0"));
}

TEST_F(collect, r7_running_again_leaves_the_store_content_identical) {
  add_repo("octo/alpha", 101);
  add_repo("octo/beta", 102);
  m_github.set_view("octo/beta", day("2026-03-11"), 40, 7);
  ASSERT_EQ(run_collect({"octo/alpha", "octo/beta"}).exit_code, 0);
  auto first = dump_content(m_db);
  ASSERT_EQ(run_collect({"octo/alpha", "octo/beta"}).exit_code, 0);
  EXPECT_EQ(dump_content(m_db), first);
  EXPECT_THAT(first, HasSubstr("octo/beta"));
}

TEST_F(collect, r8_a_renamed_repository_keeps_one_history_and_both_names) {
  add_repo("octo/old-name", 555);
  m_github.set_view("octo/old-name", day("2026-03-10"), 7, 3);
  ASSERT_EQ(run_collect({"octo/old-name"}).exit_code, 0);
  m_github.rename_repo("octo/old-name", "octo/new-name");
  m_github.set_now(at("2026-03-25T12:00:00Z"));
  auto r = run_collect({"octo/old-name"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto repos = exported("repos.csv");
  EXPECT_THAT(repos,
              HasSubstr("octo/new-name,555,octo/old-name;octo/new-name,2026-03-06,2026-03-25"));
  EXPECT_THAT(repos, Not(HasSubstr("\nocto/old-name,")));
  EXPECT_EQ(row_for(daily("octo/new-name"), "2026-03-10"), "2026-03-10,7,3,0,0,,");
}

TEST_F(collect, r9_collecting_never_removes_a_stored_day) {
  add_repo("octo/alpha", 101);
  m_github.set_view("octo/alpha", day("2026-03-10"), 6, 2);
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  m_github.set_now(at("2026-06-01T12:00:00Z"));
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  EXPECT_EQ(row_for(daily("octo/alpha"), "2026-03-10"), "2026-03-10,6,2,0,0,,");
}

TEST_F(collect, a_repository_without_push_access_fails_alone_and_names_the_permission) {
  add_repo("octo/alpha", 101);
  add_repo("octo/locked", 102).push = false;
  auto r = run_collect({"octo/alpha", "octo/locked"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out + r.err, HasSubstr("Administration: read"));
  EXPECT_THAT(r.out + r.err, HasSubstr("octo/locked"));
  EXPECT_EQ(daily("octo/alpha").size(), 15u);
  EXPECT_TRUE(daily("octo/locked").empty());
}

TEST_F(collect, a_missing_repository_is_reported_as_not_found_or_invisible) {
  add_repo("octo/alpha", 101);
  auto r = run_collect({"octo/alpha", "octo/ghost"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("octo/ghost"));
  EXPECT_THAT(r.out + r.err, HasSubstr("does not exist or the token cannot see it"));
  EXPECT_EQ(daily("octo/alpha").size(), 15u);
}

TEST_F(collect, a_malformed_or_truncated_response_stores_the_rest_of_that_repository) {
  add_repo("octo/alpha", 101);
  add_repo("octo/broken", 102);
  add_repo("octo/cut", 103);
  m_github.set_view("octo/cut", day("2026-03-18"), 9, 4);
  m_github.inject("octo/broken/traffic/popular/paths", Fault::malformed, 100);
  m_github.inject("octo/cut/traffic/clones", Fault::truncated, 100);
  auto r = run_collect({"octo/alpha", "octo/broken", "octo/cut"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("stored in part; not stored: paths: malformed"));
  EXPECT_THAT(r.out, HasSubstr("stored in part; not stored: clones: "));
  EXPECT_EQ(daily("octo/alpha").size(), 15u);
  EXPECT_EQ(daily("octo/broken").size(), 15u);
  // The views of cut are stored; its clones days stay gaps, never zeros (R3).
  EXPECT_EQ(row_for(daily("octo/cut"), "2026-03-18"), "2026-03-18,9,4,,,,");
  EXPECT_THAT(exported("paths.csv"), Not(HasSubstr("octo/broken")));
  EXPECT_THAT(exported("referrers.csv"), HasSubstr("octo/broken"));
}

TEST_F(collect, a_bad_token_is_called_invalid_and_never_printed) {
  add_repo("octo/alpha", 101);
  const std::string wrong = "ghp_wrongtoken9876543210zyxwvuZYXWVU";
  auto r =
      run_collect({"octo/alpha", "--verbose", "--verbose"}, {.env = {{"GITHUB_TOKEN", wrong}}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out + r.err, HasSubstr("invalid"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(wrong)));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(k_token)));
}

TEST_F(collect, transient_server_errors_are_retried) {
  add_repo("octo/alpha", 101);
  m_github.inject("octo/alpha/traffic/views", Fault::server_error, 1);
  m_github.inject("octo/alpha/traffic/clones", Fault::reset, 1);
  auto r = run_collect({"octo/alpha"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(daily("octo/alpha").size(), 15u);
}

TEST_F(collect, a_secondary_limit_with_retry_after_is_waited_out_and_shrinks_the_window) {
  // Another process has left room for 10 requests in the server's window (1 s here):
  // the client, pacing to 900 a minute, runs into the limit once, waits, and goes on
  // with a window a quarter smaller.
  const std::vector<std::string> names{"octo/alpha", "octo/beta", "octo/gamma", "octo/delta"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    add_repo(names[i], 101 + static_cast<std::int64_t>(i));
  }
  m_github.set_retry_after(1);
  m_github.set_secondary_window(std::chrono::milliseconds(1000));
  m_github.set_max_per_minute(10);
  m_github.set_latency(std::chrono::milliseconds(20));
  std::vector<std::string> args = names;
  args.insert(args.end(), {"--concurrency", "4", "--json"});
  auto r = run_collect(args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& name : names) {
    EXPECT_EQ(daily(name).size(), 15u) << name;
  }
  auto summary = nlohmann::json::parse(r.out);
  EXPECT_GE(summary["secondary_limited"].get<int>(), 1);
  EXPECT_EQ(summary["max_per_minute"].get<int>(), 675);
  EXPECT_THAT(r.err, HasSubstr("secondary rate limit: pacing to 675 requests a minute (was 900)"));
}

TEST_F(collect, a_run_below_the_window_goes_at_the_speed_of_the_answers) {
  for (int i = 0; i < 6; ++i) {
    add_repo("octo/r" + std::to_string(i), 200 + i);
  }
  // GitHub's own limits: the run's 24 traffic requests are far below the window of 900,
  // so they go 3 at a time as fast as the 100 ms answers come.
  m_github.enforce_github_secondary_limits();
  m_github.set_max_per_minute(24);
  m_github.set_latency(std::chrono::milliseconds(100));
  std::vector<std::string> args;
  for (int i = 0; i < 6; ++i) {
    args.push_back("octo/r" + std::to_string(i));
  }
  args.insert(args.end(), {"--concurrency", "3", "--max-per-minute", "24", "--json"});
  auto r = run_collect(args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto stats = m_github.stats();
  EXPECT_EQ(stats.secondary_limited, 0);
  EXPECT_EQ(stats.by_route["graphql"], 1);  // paced apart: not one of the 24
  EXPECT_LE(stats.max_in_flight, 3);
  EXPECT_GE(stats.max_in_flight, 2);
  EXPECT_EQ(nlohmann::json::parse(r.out)["max_per_minute"], 24);
}

TEST_F(collect, an_owner_collects_only_what_the_token_can_push_to_with_filters) {
  add_repo("acme/site", 1);
  add_repo("acme/docs", 2);
  add_repo("acme/sandbox-1", 3);
  add_repo("acme/fork-of-x", 4).fork = true;
  add_repo("acme/readonly", 5).push = false;
  add_repo("other/thing", 6);
  auto r = run_collect({"--owner", "acme", "--exclude", "sandbox-*", "--no-forks", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto summary = nlohmann::json::parse(r.out);
  std::vector<std::string> names;
  for (const auto& repo : summary["repos"]) {
    names.push_back(repo["repo"]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"acme/docs", "acme/site"}));
  EXPECT_EQ(summary["skipped_no_push"], 1);
  EXPECT_EQ(m_github.stats().by_route["repos"], 0);  // the listing gave the metadata
  EXPECT_THAT(r.err, HasSubstr("skipped 1 repository the token cannot push to"));
}

TEST_F(collect, with_nothing_named_collects_every_repository_the_token_can_push_to) {
  add_repo("me/one", 1);
  add_repo("me/two", 2).push = false;
  auto r = run_collect({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto summary = nlohmann::json::parse(r.out);
  ASSERT_EQ(summary["repos"].size(), 1u);
  EXPECT_EQ(summary["repos"][0]["repo"], "me/one");
}

TEST_F(collect, uses_four_requests_per_repository_plus_one_metadata_batch) {
  for (int i = 0; i < 5; ++i) {
    add_repo("octo/r" + std::to_string(i), 300 + i);
  }
  auto r = run_collect({"octo/r0", "octo/r1", "octo/r2", "octo/r3", "octo/r4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto stats = m_github.stats();
  EXPECT_EQ(stats.requests, 21);
  EXPECT_EQ(stats.graphql_requests, 1);
}

TEST_F(collect, conditional_requests_reuse_cached_answers) {
  add_repo("octo/alpha", 101);
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  m_github.reset_stats();
  auto r = run_collect({"octo/alpha", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(m_github.stats().not_modified, 4);
  EXPECT_EQ(daily("octo/alpha").size(), 15u);
}

TEST_F(collect, falls_back_to_rest_metadata_without_graphql) {
  add_repo("octo/alpha", 101);
  m_github.set_graphql_enabled(false);
  auto r = run_collect({"octo/alpha"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(m_github.stats().by_route["repos"], 1);
}

TEST_F(collect, works_with_an_enterprise_style_api_url) {
  add_repo("octo/alpha", 101);
  auto r = run_ghtraffic(
      {"collect", "--api-url", m_github.url() + "/api/v3", "--store", m_store, "octo/alpha"},
      {.env = {{"GITHUB_TOKEN", k_token}}});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(daily("octo/alpha").size(), 15u);
}

TEST_F(collect, a_config_file_with_an_unknown_key_names_the_key_and_line) {
  auto config = m_dir + "/bad.toml";
  std::ofstream(config) << "store = \"sqlite:/tmp/x.db\"\nconcurrency = 4\nconcurency = 5\n";
  auto r = run_collect({"--config", config, "octo/alpha"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("bad.toml:3"));
  EXPECT_THAT(r.err, HasSubstr("concurency"));
}

TEST_F(collect, a_config_file_provides_sources_and_the_token_command) {
  add_repo("acme/site", 1);
  add_repo("acme/docs", 2);
  auto config = m_dir + "/ghtraffic.toml";
  std::ofstream(config) << "token_command = \"echo " << k_token << "\"\n"
                        << "[[sources]]\nowner = \"acme\"\ninclude = [\"si*\"]\n";
  auto r = run_ghtraffic(
      {"collect", "--api-url", m_github.url(), "--store", m_store, "--config", config, "--json"},
      {.env = {{"GITHUB_TOKEN", ""}, {"GH_TOKEN", ""}}});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto summary = nlohmann::json::parse(r.out);
  ASSERT_EQ(summary["repos"].size(), 1u);
  EXPECT_EQ(summary["repos"][0]["repo"], "acme/site");
}

TEST_F(collect, a_second_collection_on_the_same_store_is_refused_while_one_runs) {
  add_repo("octo/alpha", 101);
  m_github.set_latency(std::chrono::milliseconds(700));
  std::thread first([&] { run_collect({"octo/alpha", "--concurrency", "1"}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto second = run_collect({"octo/alpha"});
  first.join();
  EXPECT_EQ(second.exit_code, 3);
  EXPECT_THAT(second.err, HasSubstr("another ghtraffic collect"));
}

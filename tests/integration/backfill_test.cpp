// `ghtraffic backfill` against the mock GitHub server: star history from
// GET .../stargazers/history and, where it answers 404, from the stargazer listing; forks from
// the fork listing; the page-400 cut-off said to be approximate; --max-requests stopping a run
// that the next one finishes with the same result; incremental runs; release downloads
// carried by the metadata query; and the requests a 10,000-star repository costs.
#include <fmt/format.h>
#include <gmock/gmock.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "fixture.hpp"
#include "support/local_aws.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class backfill : public CollectFixture {
 protected:
  ProcessResult run_backfill(std::vector<std::string> args, const std::string& store = "") {
    std::vector<std::string> full{
        "backfill", "--api-url", m_github.url(), "--store", store.empty() ? m_store : store,
        "--today",  m_today};
    full.insert(full.end(), args.begin(), args.end());
    ProcessOptions options;
    options.env["GITHUB_TOKEN"] = k_token;
    return run_ghtraffic(full, options);
  }

  std::vector<std::string> counts(const std::string& kind, const std::string& db = "") {
    return query(db.empty() ? m_db : db,
                 "SELECT day, count FROM history_counts WHERE kind = '" + kind + "' ORDER BY day");
  }

  std::string m_today = "2026-03-20";  // the mock's day
};

std::vector<std::string> expected_stars() {
  std::vector<std::string> rows;
  for (int d = 2; d <= 20; ++d) {
    int count = d < 10 ? 3 : d < 19 ? 4 : 6;
    rows.push_back(fmt::format("2026-03-{:02}|{}", d, count));
  }
  return rows;
}

TEST_F(backfill, reads_stars_from_the_star_history_back_to_the_first_star) {
  add_starred("octo/alpha", 101);
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  m_github.reset_stats();
  auto r = run_backfill({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(counts("stars"), expected_stars());
  auto stats = m_github.stats();
  EXPECT_EQ(stats.by_route["stargazers/history"], 1);
  EXPECT_EQ(stats.by_route["stargazers"], 0);
  auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["repos"][0]["stars_source"], "stargazers/history");
  EXPECT_EQ(summary["repos"][0]["stars_complete"], true);
  EXPECT_EQ(summary["requests"], stats.requests);
}

TEST_F(backfill, falls_back_to_the_stargazer_listing_where_the_history_answers_404) {
  add_starred("octo/alpha", 101).star_history = false;
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  auto r = run_backfill({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(counts("stars"), expected_stars());  // the same curve from either source
  EXPECT_EQ(nlohmann::json::parse(r.out)["repos"][0]["stars_source"], "stargazers");
  EXPECT_GE(m_github.stats().by_route["stargazers"], 1);
}

TEST_F(backfill, reads_forks_oldest_first_up_to_today) {
  add_starred("octo/alpha", 101);
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  ASSERT_EQ(run_backfill({}).exit_code, 0);
  auto forks = counts("forks");
  ASSERT_EQ(forks.size(), 16u);  // 03-05 .. 03-20
  EXPECT_EQ(forks.front(), "2026-03-05|1");
  EXPECT_EQ(forks[6], "2026-03-11|1");
  EXPECT_EQ(forks[7], "2026-03-12|2");
  EXPECT_EQ(forks.back(), "2026-03-20|2");
}

TEST_F(backfill, says_where_the_listing_is_cut_off_at_page_400_and_stores_nothing_beyond) {
  auto& repo = add_repo("octo/big", 102);
  repo.star_history = false;
  for (int i = 0; i < 402; ++i) {
    repo.stargazers.emplace_back(util::Timestamp{day("2025-01-01") + std::chrono::days{i}},
                                 fmt::format("u{}", i));
  }
  repo.stars = 402;
  m_github.set_listing_page_size(1);
  ASSERT_EQ(run_collect({"octo/big"}).exit_code, 0);
  auto r = run_backfill({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto summary = nlohmann::json::parse(r.out);
  ASSERT_EQ(summary["repos"][0]["approximate"].size(), 1u);
  EXPECT_THAT(summary["repos"][0]["approximate"][0].get<std::string>(),
              HasSubstr("from 2026-02-04 on only the daily snapshots"));
  auto stars = counts("stars");
  ASSERT_FALSE(stars.empty());
  EXPECT_EQ(stars.back(), "2026-02-03|399");
  EXPECT_EQ(query(m_db, "SELECT approximate_from FROM backfill_state WHERE kind = 'stars'"),
            std::vector<std::string>{"2026-02-04"});
  // The next run knows the listing ends there and asks for none of it again.
  m_github.reset_stats();
  ASSERT_EQ(run_backfill({}).exit_code, 0);
  EXPECT_EQ(m_github.stats().by_route["stargazers"], 0);
}

TEST_F(backfill, a_run_stopped_by_max_requests_is_finished_by_the_next_with_the_same_result) {
  for (bool history : {true, false}) {
    SCOPED_TRACE(history ? "stargazers/history" : "stargazers");
    m_github.reset_stats();
    auto name = std::string(history ? "octo/h" : "octo/l");
    auto& repo = add_starred(name, history ? 201 : 202);
    repo.star_history = history;
    m_github.set_listing_page_size(1);
    auto whole_db = m_dir + "/whole-" + name.substr(5) + ".db";
    auto cut_db = m_dir + "/cut-" + name.substr(5) + ".db";
    for (const auto& db : {whole_db, cut_db}) {
      ProcessOptions options;
      options.env["GITHUB_TOKEN"] = k_token;
      ASSERT_EQ(
          run_ghtraffic({"collect", "--api-url", m_github.url(), "--store", "sqlite:" + db, name},
                        options)
              .exit_code,
          0);
    }
    ASSERT_EQ(run_backfill({}, "sqlite:" + whole_db).exit_code, 0);
    int runs = 0;
    while (true) {
      auto r = run_backfill({"--max-requests", "2", "--json"}, "sqlite:" + cut_db);
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      auto summary = nlohmann::json::parse(r.out);
      EXPECT_LE(summary["requests"].get<int>(), 2);
      ++runs;
      if (!summary["out_of_requests"].get<bool>() || runs > 20) {
        break;
      }
    }
    EXPECT_GT(runs, 2);
    EXPECT_EQ(counts("stars", cut_db), counts("stars", whole_db));
    EXPECT_EQ(counts("forks", cut_db), counts("forks", whole_db));
    EXPECT_EQ(counts("stars", whole_db), expected_stars());
  }
}

TEST_F(backfill, max_requests_counts_retries_and_is_never_passed) {
  add_starred("octo/alpha", 101);
  ProcessOptions options;
  options.env["GITHUB_TOKEN"] = k_token;
  ASSERT_EQ(run_ghtraffic(
                {"collect", "--api-url", m_github.url(), "--store", m_store, "octo/alpha"}, options)
                .exit_code,
            0);
  // Every answer of the star history fails at first: each attempt is retried, and the
  // retries count against --max-requests like any request.
  m_github.inject("/repos/octo/alpha/stargazers/history", Fault::server_error, 10);
  m_github.reset_stats();
  auto r = run_backfill({"--max-requests", "2", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(m_github.stats().requests, 2) << r.out << r.err;
  auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["requests"].get<int>(), 2);
  EXPECT_TRUE(summary["out_of_requests"].get<bool>());
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(k_token)));
}

TEST_F(backfill, a_later_run_reads_only_what_is_new) {
  auto& repo = add_starred("octo/alpha", 101);
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  ASSERT_EQ(run_backfill({}).exit_code, 0);
  m_github.reset_stats();
  ASSERT_EQ(run_backfill({}).exit_code, 0);
  EXPECT_EQ(m_github.stats().by_route["stargazers/history"], 0);  // yesterday is read already
  EXPECT_LE(m_github.stats().requests, 1);                        // the forks' last page

  repo.stargazers.emplace_back(at("2026-03-25T08:00:00Z"), "g");
  repo.stars = 7;
  m_github.set_now(at("2026-03-27T12:00:00Z"));
  m_today = "2026-03-27";
  m_github.reset_stats();
  ASSERT_EQ(run_backfill({}).exit_code, 0);
  EXPECT_EQ(m_github.stats().by_route["stargazers/history"], 1);
  EXPECT_EQ(m_github.stats().by_route["forks"], 1);  // its last page again
  EXPECT_EQ(m_github.stats().requests, 3);
  auto stars = counts("stars");
  ASSERT_EQ(stars.size(), 26u);  // 03-02 .. 03-27
  EXPECT_EQ(stars[22], "2026-03-24|6");
  EXPECT_EQ(stars[23], "2026-03-25|7");
  EXPECT_EQ(stars.back(), "2026-03-27|7");
}

TEST_F(backfill, one_failing_repository_does_not_stop_the_others) {
  add_starred("octo/alpha", 101);
  add_starred("octo/beta", 102);
  ASSERT_EQ(run_collect({"octo/alpha", "octo/beta"}).exit_code, 0);
  m_github.inject("/repos/octo/alpha/stargazers/history", Fault::forbidden_push);
  auto r = run_backfill({"--json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto summary = nlohmann::json::parse(r.out);
  ASSERT_EQ(summary["repos"].size(), 2u);
  EXPECT_EQ(summary["repos"][0]["ok"], false);
  EXPECT_EQ(summary["repos"][1]["ok"], true);
  EXPECT_EQ(query(m_db,
                  "SELECT count(*) FROM history_counts h JOIN repos r ON r.id = h.repo_id "
                  "WHERE r.full_name = 'octo/beta' AND kind = 'stars'"),
            std::vector<std::string>{"19"});
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr(k_token)));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr(k_token)));
}

TEST_F(backfill, help_names_the_flags_and_the_docs) {
  auto help = ghtraffic({"backfill", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("--max-requests"));
  EXPECT_THAT(help.out, HasSubstr("--deadline"));
  EXPECT_THAT(help.out, HasSubstr("docs/backfill.md"));
}

TEST_F(backfill, collect_keeps_a_daily_download_snapshot_per_release_asset) {
  auto& repo = add_repo("octo/alpha", 101);
  repo.releases = {{"v2.0", {{"tool.tar.gz", 12}, {"tool.zip", 3}}},
                   {"v1.0", {{"old.tar.gz", 90}}}};
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  EXPECT_EQ(m_github.stats().graphql_requests, 1);  // carried by the metadata query
  EXPECT_EQ(m_github.stats().by_route["releases"], 0);
  EXPECT_EQ(
      query(m_db, "SELECT day, release, asset, downloads FROM downloads ORDER BY 2, 3"),
      (std::vector<std::string>{"2026-03-20|v1.0|old.tar.gz|90", "2026-03-20|v2.0|tool.tar.gz|12",
                                "2026-03-20|v2.0|tool.zip|3"}));
  auto out = m_dir + "/export";
  ASSERT_EQ(ghtraffic({"export", "--out", out}).exit_code, 0);
  EXPECT_EQ(read_file(out + "/downloads.csv"),
            "repo,date,release,asset,downloads\n"
            "octo/alpha,2026-03-20,v1.0,old.tar.gz,90\n"
            "octo/alpha,2026-03-20,v2.0,tool.tar.gz,12\n"
            "octo/alpha,2026-03-20,v2.0,tool.zip,3\n");
}

TEST_F(backfill, without_graphql_downloads_cost_one_request_per_repository) {
  add_repo("octo/alpha", 101).releases = {{"v1", {{"a.zip", 5}}}};
  m_github.set_graphql_enabled(false);
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  EXPECT_EQ(m_github.stats().by_route["releases"], 1);
  EXPECT_EQ(query(m_db, "SELECT asset, downloads FROM downloads"),
            std::vector<std::string>{"a.zip|5"});
}

// The same runs through the binary into a DynamoDB store (dynalite) and an SQLite one: the
// history, the backfill's place and the download snapshots come out of both the same, and
// the DynamoDB store goes on from its place as SQLite does.
TEST_F(backfill, a_dynamodb_store_keeps_what_a_backfill_reads_as_sqlite_does) {
  auto dynalite = LocalAwsServer::dynalite();
  const auto dynamo = "dynamodb:backfill?region=us-east-1&endpoint=" + dynalite.endpoint();
  auto& repo = add_starred("octo/alpha", 101);
  repo.releases = {{"v1.0", {{"tool.tar.gz", 12}}}};
  add_starred("octo/beta", 102).star_history = false;
  ProcessOptions options;
  options.env = {{"GITHUB_TOKEN", k_token},
                 {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                 {"AWS_SECRET_ACCESS_KEY", "secret"},
                 {"AWS_REGION", "us-east-1"}};
  for (const auto& store : {m_store, dynamo}) {
    auto collected = run_ghtraffic(
        {"collect", "--api-url", m_github.url(), "--store", store, "octo/alpha", "octo/beta"},
        options);
    ASSERT_EQ(collected.exit_code, 0) << collected.err;
    EXPECT_THAT(collected.err, Not(HasSubstr("download")));
    // Stopped by --max-requests half way, then finished by the next run.
    auto first = run_ghtraffic({"backfill", "--api-url", m_github.url(), "--store", store,
                                "--today", m_today, "--max-requests", "3"},
                               options);
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_THAT(first.out, HasSubstr("stopped at --max-requests"));
    auto rest = run_ghtraffic(
        {"backfill", "--api-url", m_github.url(), "--store", store, "--today", m_today, "--json"},
        options);
    ASSERT_EQ(rest.exit_code, 0) << rest.err;
    auto summary = nlohmann::json::parse(rest.out);
    for (const auto& r : summary["repos"]) {
      EXPECT_TRUE(r["stars_complete"].get<bool>()) << r.dump();
      EXPECT_TRUE(r["forks_complete"].get<bool>()) << r.dump();
    }
  }
  m_github.reset_stats();
  auto again = run_ghtraffic(
      {"backfill", "--api-url", m_github.url(), "--store", dynamo, "--today", m_today}, options);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(m_github.stats().requests, 0);  // read up to yesterday already, on DynamoDB too
  for (const auto& [store, out] :
       {std::pair{m_store, m_dir + "/from-sqlite"}, std::pair{dynamo, m_dir + "/from-dynamodb"}}) {
    auto r = run_ghtraffic({"export", "--store", store, "--out", out}, options);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  for (const char* file : {"stars.csv", "forks.csv", "downloads.csv", "daily.csv", "repos.csv"}) {
    auto from_sqlite = read_file(m_dir + "/from-sqlite/" + file);
    EXPECT_FALSE(from_sqlite.empty()) << file;
    EXPECT_EQ(read_file(m_dir + "/from-dynamodb/" + file), from_sqlite) << file;
  }
  EXPECT_THAT(read_file(m_dir + "/from-dynamodb/stars.csv"),
              HasSubstr("octo/beta,2026-03-10,4,history"));
  EXPECT_THAT(read_file(m_dir + "/from-dynamodb/downloads.csv"),
              HasSubstr("octo/alpha,2026-03-20,v1.0,tool.tar.gz,12"));
}

// The note's figures: what a backfill of a 10,000-star repository, five years old, costs
// through each source (printed; the counts follow from the page sizes).
TEST_F(backfill, the_requests_a_10000_star_repository_costs_through_each_source) {
  const int stars = 10'000;
  const int span_days = 5 * 365;
  for (bool history : {true, false}) {
    auto name = std::string(history ? "octo/big-h" : "octo/big-l");
    auto& repo = add_repo(name, history ? 301 : 302);
    repo.star_history = history;
    for (int i = 0; i < stars; ++i) {
      repo.stargazers.emplace_back(
          util::Timestamp{day("2021-03-21")} +
              std::chrono::seconds{std::int64_t{i} * span_days * 86400 / stars},
          fmt::format("u{}", i));
    }
    repo.stars = stars;
    for (int i = 0; i < 1'000; ++i) {
      repo.fork_times.push_back(util::Timestamp{day("2021-03-21")} +
                                std::chrono::seconds{std::int64_t{i} * span_days * 86400 / 1000});
    }
    repo.forks = 1'000;
    ASSERT_EQ(run_collect({name}).exit_code, 0);
    m_github.reset_stats();
    auto r = run_backfill({name, "--max-requests", "10000", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto stats = m_github.stats();
    const int weeks = static_cast<int>(stats.by_route["stargazers/history"]);
    std::printf(
        "[figures] %s: %lld requests (stargazers/history %lld, stargazers %lld, forks "
        "%lld, repos %lld)\n",
        history ? "star history" : "stargazer listing", static_cast<long long>(stats.requests),
        static_cast<long long>(weeks), static_cast<long long>(stats.by_route["stargazers"]),
        static_cast<long long>(stats.by_route["forks"]),
        static_cast<long long>(stats.by_route["repos"]));
    EXPECT_EQ(stats.by_route["forks"], 10);  // 1,000 forks, 100 a page
    if (history) {
      EXPECT_EQ(stats.by_route["stargazers/history"], 3);  // 262 weeks, 100 a page
      EXPECT_EQ(stats.requests, 3 + 1 + 10);               // the pages, the count, the forks
    } else {
      EXPECT_EQ(stats.by_route["stargazers"], 100);  // 100 a page
      EXPECT_EQ(stats.requests, 1 + 100 + 10);       // the history's 404, the listing, the forks
    }
    m_github.reset_stats();
    ASSERT_EQ(run_backfill({name}).exit_code, 0);
    EXPECT_EQ(m_github.stats().requests, 0);
    // A week later, with a star a day.
    for (int d = 1; d <= 7; ++d) {
      repo.stargazers.emplace_back(at("2026-03-20T13:00:00Z") + std::chrono::days{d},
                                   fmt::format("new{}", d));
    }
    repo.stars = stars + 7;
    m_github.set_now(at("2026-03-27T14:00:00Z"));
    m_today = "2026-03-27";
    m_github.reset_stats();
    ASSERT_EQ(run_backfill({name}).exit_code, 0);
    std::printf("[figures] %s, a week later: %lld requests\n",
                history ? "star history" : "stargazer listing",
                static_cast<long long>(m_github.stats().requests));
    EXPECT_EQ(m_github.stats().requests, 3);  // history: a page and the count; listing: its
                                              // last two pages; and the forks' last page
    m_github.set_now(at("2026-03-20T12:00:00Z"));
    m_today = "2026-03-20";
  }
}

}  // namespace

// What was fetched is stored (DESIGN.md): a repository one of whose requests failed keeps
// everything else it fetched, in one commit (R7); only the missing part stays missing, its
// days gaps and never zeros (R3); the summary row names the part and why; the run exits 1.
#include <fmt/format.h>
#include <gmock/gmock.h>

#include <nlohmann/json.hpp>

#include "fixture.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class partial : public CollectFixture {
 protected:
  void SetUp() override {
    CollectFixture::SetUp();
    const std::vector<std::pair<std::string, core::RepoId>> repos{{"octo/alpha", 101},
                                                                  {"octo/beta", 102}};
    for (const auto& [name, id] : repos) {
      add_repo(name, id);
      m_github.set_view(name, day("2026-03-18"), 9, 4);
      m_github.set_clone(name, day("2026-03-19"), 3, 1);
    }
  }

  int count(const std::string& table, core::RepoId id, const std::string& where = "1") {
    return std::stoi(
        q(fmt::format("SELECT count(*) FROM {} WHERE repo_id = {} AND {}", table, id, where))
            .at(0));
  }

  // The figures alpha, which nothing went wrong with, must have.
  void expect_whole_alpha() {
    EXPECT_EQ(count("traffic_days", 101, "kind = 'views'"), 15);
    EXPECT_EQ(count("traffic_days", 101, "kind = 'clones'"), 15);
    EXPECT_EQ(count("windows", 101), 2);
    EXPECT_EQ(count("path_snapshots", 101), 1);
    EXPECT_EQ(count("referrer_snapshots", 101), 1);
    EXPECT_EQ(count("counters", 101), 1);
  }

  nlohmann::json json_row(const nlohmann::json& doc, const std::string& repo) {
    for (const auto& row : doc["repos"]) {
      if (row["repo"] == repo) {
        return row;
      }
    }
    ADD_FAILURE() << "no row for " << repo << " in " << doc.dump();
    return {};
  }
};

}  // namespace

TEST_F(partial, a_failed_views_answer_keeps_the_rest_and_leaves_the_views_days_gaps) {
  m_github.inject("octo/beta/traffic/views", Fault::malformed, 100);
  auto r = run_collect({"octo/alpha", "octo/beta"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("stored in part; not stored: views: malformed response from "
                               "GitHub for octo/beta traffic/views"));
  EXPECT_THAT(r.out, HasSubstr("2 repositories: 1 collected, 1 failed (1 stored in part)"));
  expect_whole_alpha();
  // Clones, paths, referrers and counters are stored; the views days stay gaps, never 0.
  EXPECT_EQ(count("traffic_days", 102, "kind = 'views'"), 0);
  EXPECT_EQ(count("traffic_days", 102, "kind = 'clones'"), 15);
  EXPECT_EQ(count("windows", 102, "kind = 'views'"), 0);
  EXPECT_EQ(count("windows", 102, "kind = 'clones'"), 1);
  EXPECT_EQ(count("path_snapshots", 102), 1);
  EXPECT_EQ(count("referrer_snapshots", 102), 1);
  EXPECT_EQ(count("counters", 102), 1);
  auto out = m_dir + "/export";
  ASSERT_EQ(ghtraffic({"export", "--out", out}).exit_code, 0);
  auto daily = read_file(out + "/daily.csv");
  EXPECT_THAT(daily, HasSubstr("octo/beta,2026-03-19,,,3,1,"));
  EXPECT_THAT(daily, Not(HasSubstr("octo/beta,2026-03-18,0,0")));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(k_token)));
}

TEST_F(partial, the_json_summary_names_each_part_that_was_not_stored) {
  m_github.inject("octo/beta/traffic/clones", Fault::wrong_shape, 100);
  m_github.inject("octo/beta/traffic/popular/referrers", Fault::missing_field, 100);
  auto r = run_collect({"octo/alpha", "octo/beta", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["collected"], 1);
  EXPECT_EQ(doc["failed"], 1);
  EXPECT_EQ(doc["partial"], 1);
  auto beta = json_row(doc, "octo/beta");
  EXPECT_EQ(beta["ok"], false);
  EXPECT_EQ(beta["stored"], true);
  EXPECT_EQ(beta["days_stored"], 15);
  ASSERT_EQ(beta["missing"].size(), 2u) << beta.dump();
  EXPECT_EQ(beta["missing"][0]["part"], "clones");
  EXPECT_THAT(beta["missing"][0]["error"].get<std::string>(), HasSubstr("is not an integer"));
  EXPECT_EQ(beta["missing"][1]["part"], "referrers");
  EXPECT_THAT(beta["missing"][1]["error"].get<std::string>(), HasSubstr("has no \"count\""));
  EXPECT_THAT(beta["error"].get<std::string>(), HasSubstr("clones: "));
  auto alpha = json_row(doc, "octo/alpha");
  EXPECT_EQ(alpha["ok"], true);
  EXPECT_EQ(alpha["stored"], true);
  EXPECT_FALSE(alpha.contains("missing"));
  expect_whole_alpha();
  EXPECT_EQ(count("traffic_days", 102, "kind = 'views'"), 15);
  EXPECT_EQ(count("traffic_days", 102, "kind = 'clones'"), 0);
  EXPECT_EQ(count("referrer_snapshots", 102), 0);
  EXPECT_EQ(count("path_snapshots", 102), 1);
  // `status` shows the latest attempt as failed, and why.
  auto status = ghtraffic({"status", "--json", "octo/beta"});
  auto repos = nlohmann::json::parse(status.out)["repositories"];
  ASSERT_EQ(repos.size(), 1u) << status.out << status.err;
  EXPECT_THAT(repos[0]["last_error"].get<std::string>(), HasSubstr("stored in part"));
}

TEST_F(partial, a_metadata_answer_without_a_field_is_read_over_rest_and_nothing_is_lost) {
  m_github.inject_graphql("octo/beta", Fault::missing_field, 1);
  auto r = run_collect({"octo/alpha", "octo/beta"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("GitHub's GraphQL API could not read 1 repository"));
  EXPECT_THAT(r.err, HasSubstr("has no \"pullRequests\""));
  EXPECT_THAT(r.err, HasSubstr("read it over REST instead"));
  EXPECT_EQ(m_github.stats().by_route["repos"], 1);
  expect_whole_alpha();
  EXPECT_EQ(count("traffic_days", 102, "kind = 'views'"), 15);
  EXPECT_EQ(count("counters", 102), 1);
}

TEST_F(partial, metadata_that_cannot_be_read_at_all_still_stores_the_traffic_without_counters) {
  m_github.inject_graphql("octo/beta", Fault::missing_field, 1);
  m_github.inject("/repos/octo/beta", Fault::missing_field, 1);  // the REST metadata answer
  auto r = run_collect({"octo/alpha", "octo/beta"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("stored in part; not stored: metadata: malformed response from "
                               "GitHub for octo/beta metadata: octo/beta has no \"pullRequests\"; "
                               "over REST: "));
  expect_whole_alpha();
  for (const char* kind : {"views", "clones"}) {
    EXPECT_EQ(count("traffic_days", 102, fmt::format("kind = '{}'", kind)), 15) << kind;
  }
  EXPECT_EQ(count("path_snapshots", 102), 1);
  EXPECT_EQ(count("referrer_snapshots", 102), 1);
  // The counters are unknown for this run: no snapshot, never zeros (R6).
  EXPECT_EQ(count("counters", 102), 0);
  EXPECT_EQ(q("SELECT full_name FROM repos WHERE id = 102"), std::vector<std::string>{"octo/beta"});
}

TEST_F(partial, a_graphql_errors_array_for_one_repository_is_read_over_rest) {
  m_github.inject_graphql("octo/beta", Fault::graphql_errors, 1);
  auto r = run_collect({"octo/alpha", "octo/beta", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("Something went wrong while executing your query"));
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["collected"], 2);
  EXPECT_EQ(count("counters", 102), 1);
  EXPECT_EQ(m_github.stats().by_route["repos"], 1);  // alpha was not asked again
}

TEST_F(partial, a_refused_request_leaves_the_later_parts_unasked_and_stores_nothing_alone) {
  m_github.inject("octo/beta/traffic/views", Fault::forbidden_push, 100);
  auto r = run_collect({"octo/alpha", "octo/beta", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  auto beta = json_row(nlohmann::json::parse(r.out), "octo/beta");
  EXPECT_EQ(beta["stored"], false);
  EXPECT_THAT(beta["error"].get<std::string>(), HasSubstr("push access"));
  // The other three requests would be refused the same way: they are not sent.
  EXPECT_EQ(m_github.stats().by_route["traffic/clones"], 1);
  EXPECT_TRUE(q("SELECT id FROM repos WHERE id = 102").empty());
}

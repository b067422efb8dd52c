// What the killed-collection tests share (kill_test.cpp on SQLite, kill_dynamodb_test.cpp
// on DynamoDB): twelve repositories on the mock and the arguments that collect them, the
// knobs the benchmarks turn through the environment, the uninterrupted reference run and
// the export two stores are compared by.
#pragma once

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace ghtraffic::testing {

class KilledCollectFixture : public CollectFixture {
 protected:
  void SetUp() override {
    CollectFixture::SetUp();
    add_synthetic_repos(m_github, "octo-org", k_repos, day("2025-12-01"), day("2026-03-20"), 7);
    for (int i = 0; i < k_repos; ++i) {
      m_args.push_back("octo-org/repo-" + std::to_string(i));
    }
    m_args.insert(m_args.end(), {"--concurrency", "4"});
  }

  // GHTRAFFIC_KILL_ROUNDS, GHTRAFFIC_KILL_MAX_MS: set by bench/kill-collect*.
  static int from_env(const char* name, int fallback) {
    const char* text = std::getenv(name);
    return text != nullptr && std::atoi(text) > 0 ? std::atoi(text) : fallback;
  }

  // One uninterrupted collection of the repositories into store_url.
  void collect_reference(const std::string& store_url) {
    std::vector<std::string> args{"collect", "--api-url", m_github.url(), "--store", store_url};
    args.insert(args.end(), m_args.begin(), m_args.end());
    auto r = run_ghtraffic(args, {.env = {{"GITHUB_TOKEN", k_token}}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ((r.out + r.err).find(k_token), std::string::npos);
  }

  // The daily, paths, referrers and repositories files of an export of store_url.
  static std::string export_of(const std::string& store_url,
                               const std::map<std::string, std::string>& env = {}) {
    auto out = scratch_dir("kill-export");
    auto r = run_ghtraffic({"export", "--store", store_url, "--out", out}, {.env = env});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_file(out + "/daily.csv") + read_file(out + "/paths.csv") +
           read_file(out + "/referrers.csv") + read_file(out + "/repos.csv");
  }

  static constexpr int k_repos = 12;
  std::vector<std::string> m_args;
};

}  // namespace ghtraffic::testing

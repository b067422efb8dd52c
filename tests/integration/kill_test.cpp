// A collection killed with SIGKILL at any moment leaves a store that opens cleanly, has
// lost nothing committed, and the next run completes (R7). ctest kills 8 runs;
// GHTRAFFIC_KILL_ROUNDS=100 (bench/kill-collect) kills more and prints the figures that
// docs/reliability.md quotes.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>

#include "kill_fixture.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class killed_collect : public KilledCollectFixture {};

// Every repository in the store has all of what one run learns about it, or nothing.
void expect_whole_repositories(const std::string& db) {
  ASSERT_EQ(query(db, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  auto incomplete = query(db,
                          "SELECT r.full_name FROM repos r WHERE "
                          "(SELECT count(*) FROM traffic_days d WHERE d.repo_id = r.id AND "
                          "d.kind = 'views') <> 15 OR "
                          "(SELECT count(*) FROM traffic_days d WHERE d.repo_id = r.id AND "
                          "d.kind = 'clones') <> 15 OR "
                          "(SELECT count(*) FROM windows w WHERE w.repo_id = r.id) <> 2 OR "
                          "(SELECT count(*) FROM path_snapshots p WHERE p.repo_id = r.id) = 0 OR "
                          "(SELECT count(*) FROM referrer_snapshots p WHERE p.repo_id = r.id) = 0 "
                          "OR (SELECT count(*) FROM counters c WHERE c.repo_id = r.id) <> 1");
  EXPECT_TRUE(incomplete.empty()) << incomplete.front();
}

}  // namespace

TEST_F(killed_collect, at_random_moments_loses_nothing_committed_and_the_next_run_completes) {
  // The reference: one uninterrupted run into another store.
  const auto reference = "sqlite:" + m_dir + "/reference.db";
  collect_reference(reference);

  m_github.set_latency(std::chrono::milliseconds(15));
  std::mt19937 random(20261128);
  std::uniform_int_distribution<int> delay_ms(5, from_env("GHTRAFFIC_KILL_MAX_MS", 400));
  int killed = 0;
  int killed_between_commits = 0;  // after this run had committed some repositories
  int checked = 0;
  size_t max_committed = 0;
  const int total = from_env("GHTRAFFIC_KILL_ROUNDS", 8);
  std::string outputs;
  for (int round = 0; round < total; ++round) {
    auto r = run_collect(m_args, {.kill_after = std::chrono::milliseconds(delay_ms(random))});
    outputs += r.out + r.err;
    killed += r.signal == SIGKILL ? 1 : 0;
    if (std::filesystem::exists(m_db) &&
        query(m_db, "SELECT count(*) FROM sqlite_master WHERE name = 'repos'") ==
            std::vector<std::string>{"0"}) {
      // Killed after the file was made and before its schema was committed: it opens, and
      // nothing was committed, so nothing can have been lost.
      EXPECT_EQ(query(m_db, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
      EXPECT_EQ(max_committed, 0U) << "a store that had repositories has lost its schema";
      ++checked;
    } else if (std::filesystem::exists(m_db)) {
      expect_whole_repositories(m_db);
      ++checked;
      auto committed = query(m_db, "SELECT count(*) FROM repos");
      // Nothing committed earlier is lost by a later killed run.
      EXPECT_GE(std::stoul(committed.at(0)), max_committed);
      killed_between_commits +=
          r.signal == SIGKILL && std::stoul(committed.at(0)) > max_committed ? 1 : 0;
      max_committed = std::max<size_t>(max_committed, std::stoul(committed.at(0)));
    }
  }
  EXPECT_GT(killed, 0) << "no run was killed; the delays are too long for this machine";
  std::cout << fmt::format(
      "kill figures: {} runs, {} killed by SIGKILL ({} of them after committing some "
      "repositories), {} finished first; {} integrity and whole-repository checks passed; at "
      "most {} of {} repositories committed before the final run\n",
      total, killed, killed_between_commits, total - killed, checked, max_committed, k_repos);

  m_github.set_latency(std::chrono::milliseconds(0));
  auto final_run = run_collect(m_args);
  outputs += final_run.out + final_run.err;
  ASSERT_EQ(final_run.exit_code, 0) << final_run.err;
  expect_whole_repositories(m_db);
  EXPECT_EQ(query(m_db, "SELECT count(*) FROM repos"), std::vector<std::string>{"12"});

  EXPECT_EQ(export_of(m_store), export_of(reference));
  EXPECT_THAT(outputs, Not(HasSubstr(k_token)));
}

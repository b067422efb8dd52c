// A collection into DynamoDB (dynalite on loopback) killed with SIGKILL at any moment
// leaves a store that opens, shows every repository it holds whole, has lost nothing
// committed, and the next run completes with the data of a run never killed (R7, and the
// commit protocol of docs/aws.md). A killed run cannot release its collection lease,
// which blocks other runs until it runs out (10 minutes); the test lets it run out at
// once by moving its expiry into the past, as time would. ctest kills 6 runs;
// GHTRAFFIC_KILL_ROUNDS=100 (bench/kill-collect-dynamodb) kills more and prints the
// figures docs/reliability.md quotes.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <random>

#include "ghtraffic/store/dynamodb/dynamodb_store.hpp"
#include "ghtraffic/store/dynamodb/table_api.hpp"
#include "ghtraffic/store/store.hpp"
#include "kill_fixture.hpp"
#include "support/local_aws.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

constexpr const char* k_aws_secret = "dynamo-kill-secret-6b1f40c2e9";
class killed_collect_dynamodb : public KilledCollectFixture {
 protected:
  void SetUp() override {
    KilledCollectFixture::SetUp();
    // The in-process reads and the children use the same credentials.
    for (const auto& [name, value] : aws_env()) {
      ::setenv(name.c_str(), value.c_str(), 1);
    }
    ::unsetenv("AWS_SESSION_TOKEN");
    ::unsetenv("AWS_ENDPOINT_URL");
    ::unsetenv("AWS_ENDPOINT_URL_DYNAMODB");
  }

  std::map<std::string, std::string> aws_env() const {
    return {{"AWS_ACCESS_KEY_ID", "AKIDKILLTEST"},
            {"AWS_SECRET_ACCESS_KEY", k_aws_secret},
            {"AWS_REGION", "us-east-1"},
            {"GITHUB_TOKEN", k_token}};
  }

  std::string location() const { return "killed?region=us-east-1&endpoint=" + m_aws.endpoint(); }
  std::string url() const { return "dynamodb:" + location(); }

  ProcessResult collect(ProcessOptions options) {
    std::vector<std::string> args{"collect", "--api-url", m_github.url(), "--store", url()};
    args.insert(args.end(), m_args.begin(), m_args.end());
    options.env = aws_env();
    return run_ghtraffic(args, options);
  }

  // What a killed holder's lease does after 10 minutes: it runs out.
  void let_the_lease_run_out() {
    auto api =
        store::dynamodb::open_table_api(store::dynamodb::parse_location(location()), nullptr);
    auto result = api->try_call(
        "UpdateItem", {{"TableName", "killed-data"},
                       {"Key", store::dynamodb::key("LOCK", "collect")},
                       {"UpdateExpression", "SET expires = :past"},
                       {"ConditionExpression", "attribute_exists(pk)"},
                       {"ExpressionAttributeValues", {{":past", store::dynamodb::attr_n(0)}}}});
    if (!result) {
      // No lease: the run was killed before taking it (or before creating the tables), or
      // after releasing it.
      EXPECT_TRUE(store::dynamodb::is_condition_failure(result.error()) ||
                  result.error().code == "ResourceNotFoundException")
          << result.error().message;
    }
  }

  LocalAwsServer m_aws = LocalAwsServer::dynalite();
};

// Opens the store as a reader does and checks that every repository it shows has all of
// what one run learns about it; the number of repositories, or -1 when the store has no
// tables yet (the run was killed before creating them).
int whole_repositories(const std::string& url) {
  std::unique_ptr<store::Store> store;
  try {
    store = store::make_store(url, {.read_only = true});
  } catch (const util::Error& e) {
    if (std::string(e.what()).find("does not exist") != std::string::npos ||
        std::string(e.what()).find("no store") != std::string::npos) {
      return -1;
    }
    ADD_FAILURE() << "the store does not open: " << e.what();
    return -1;
  }
  auto repos = store->repositories();
  for (const auto& repo : repos) {
    EXPECT_EQ(store->days(repo.id, core::TrafficKind::views).size(), 15u) << repo.full_name;
    EXPECT_EQ(store->days(repo.id, core::TrafficKind::clones).size(), 15u) << repo.full_name;
    EXPECT_EQ(store->windows(repo.id).size(), 2u) << repo.full_name;
    EXPECT_FALSE(store->path_snapshots(repo.id).empty()) << repo.full_name;
    EXPECT_FALSE(store->referrer_snapshots(repo.id).empty()) << repo.full_name;
    EXPECT_EQ(store->counters(repo.id).size(), 1u) << repo.full_name;
  }
  return static_cast<int>(repos.size());
}

}  // namespace

TEST_F(killed_collect_dynamodb,
       at_random_moments_loses_nothing_committed_and_the_next_run_completes) {
  // The reference: one uninterrupted run into SQLite; the backends export the same bytes.
  const auto reference = "sqlite:" + m_dir + "/reference.db";
  collect_reference(reference);

  m_github.set_latency(std::chrono::milliseconds(15));
  std::mt19937 random(20261202);
  std::uniform_int_distribution<int> delay_ms(5, from_env("GHTRAFFIC_KILL_MAX_MS", 400));
  const int total = from_env("GHTRAFFIC_KILL_ROUNDS", 6);
  int killed = 0;
  int killed_between_commits = 0;
  int checked = 0;
  int most = 0;
  std::string outputs;
  for (int round = 0; round < total; ++round) {
    auto r = collect({.kill_after = std::chrono::milliseconds(delay_ms(random))});
    outputs += r.out + r.err;
    killed += r.signal == SIGKILL ? 1 : 0;
    EXPECT_TRUE(r.signal == SIGKILL || r.exit_code == 0) << r.out << r.err;
    int held = whole_repositories(url());
    if (held >= 0) {
      ++checked;
      // Nothing committed earlier is lost by a later killed run.
      EXPECT_GE(held, most) << "round " << round;
      killed_between_commits += r.signal == SIGKILL && held > most ? 1 : 0;
      most = std::max(most, held);
    }
    let_the_lease_run_out();
  }
  EXPECT_GT(killed, 0) << "no run was killed; the delays are too long for this machine";
  std::cout << fmt::format(
      "dynamodb kill figures: {} runs, {} killed by SIGKILL ({} of them after committing new "
      "repositories), {} finished first; {} open-and-whole checks passed; at most {} of {} "
      "repositories committed before the final run\n",
      total, killed, killed_between_commits, total - killed, checked, most, k_repos);

  m_github.set_latency(std::chrono::milliseconds(0));
  auto final_run = collect({});
  outputs += final_run.out + final_run.err;
  ASSERT_EQ(final_run.exit_code, 0) << final_run.out << final_run.err;
  EXPECT_EQ(whole_repositories(url()), k_repos);
  EXPECT_EQ(export_of(url(), aws_env()), export_of(reference, {}));
  EXPECT_THAT(outputs, Not(HasSubstr(k_token)));
  EXPECT_THAT(outputs, Not(HasSubstr(k_aws_secret)));
}

// The fault suite: every fault the mock GitHub server can inject, on one endpoint of one
// repository among three, once and on every attempt. Each run goes through the collection
// job, the real libcurl and a real SQLite store; the client's waits run on a manual clock,
// so minute-long backoffs take no time. Each outcome (what was stored of the repository,
// whether the others are whole, the exit code, the message) is checked against what the
// design says, and the whole table is written to fault-outcomes.md in the working folder
// (build/tests/ under ctest) for docs/reliability.md.
#include <fmt/format.h>
#include <gmock/gmock.h>

#include <algorithm>
#include <filesystem>
#include <mutex>

#include "fixture.hpp"
#include "ghtraffic/collect/github_transport.hpp"
#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/log.hpp"
#include "support/captured_log.hpp"
#include "support/outcome_table.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;

namespace {

enum class Where { graphql_batch, graphql_repo, views, clones, paths, referrers };

const char* name_of(Where where) {
  switch (where) {
    case Where::graphql_batch:
      return "GraphQL (every repository)";
    case Where::graphql_repo:
      return "GraphQL (this repository)";
    case Where::views:
      return "views";
    case Where::clones:
      return "clones";
    case Where::paths:
      return "paths";
    case Where::referrers:
      return "referrers";
  }
  return "?";
}

constexpr const char* k_victim = "octo/b";
const std::vector<std::string> k_repos{"octo/a", "octo/b", "octo/c"};
const std::vector<std::string> k_parts{"views", "clones", "paths", "referrers"};

struct Case {
  Fault fault;
  Where where;
  bool always;  // on every attempt, or once
};

struct Outcome {
  std::string stored;  // what of octo/b is in the store: "everything", "nothing", "all but ..."
  bool others_whole = true;
  int exit_code = 0;
  std::string message;  // octo/b's problem, empty when it was collected whole
};

bool one_of(Fault fault, std::initializer_list<Fault> faults) {
  return std::find(faults.begin(), faults.end(), fault) != faults.end();
}

bool transient(Fault f) {
  return one_of(
      f, {Fault::server_error, Fault::bad_gateway, Fault::reset, Fault::truncated, Fault::slow});
}
bool rate_limit(Fault f) {
  return one_of(
      f, {Fault::too_many_requests, Fault::too_many_requests_no_retry_after, Fault::secondary_limit,
          Fault::secondary_limit_no_retry_after, Fault::primary_exhausted});
}
bool bad_body(Fault f) {
  return one_of(f, {Fault::malformed, Fault::wrong_shape, Fault::missing_field});
}
bool refusal(Fault f) {
  return one_of(f, {Fault::forbidden_push, Fault::not_found, Fault::unauthorized});
}

// What the design says: a fault that a retry or a wait gets past costs nothing; one that
// outlasts them, or a broken answer, costs its part only; a refusal costs its part and the
// parts after it (they would be refused the same way), and nothing is stored when no traffic
// was read. GraphQL failures are read over REST instead. The message is a substring.
Outcome expected(const Case& c) {
  if (c.where == Where::graphql_batch || c.where == Where::graphql_repo) {
    if (c.fault == Fault::unauthorized) {  // a token GitHub refuses refuses REST as well
      return {"nothing", false, 1, "rejected the token"};
    }
    return {"everything", true, 0, ""};
  }
  const std::string part = name_of(c.where);
  auto index =
      static_cast<std::size_t>(std::find(k_parts.begin(), k_parts.end(), part) - k_parts.begin());
  if (c.fault == Fault::moved || ((transient(c.fault) || rate_limit(c.fault)) && !c.always)) {
    return {"everything", true, 0, ""};
  }
  if (refusal(c.fault)) {
    std::vector<std::string> missing(k_parts.begin() + static_cast<std::ptrdiff_t>(index),
                                     k_parts.end());
    if (index == 0) {
      missing.push_back("counters");
    }
    const char* message = c.fault == Fault::forbidden_push ? "lacks push access"
                          : c.fault == Fault::not_found    ? "does not exist or the token cannot"
                                                           : "rejected the token";
    return {all_but(missing), true, 1, message};
  }
  std::string message = bad_body(c.fault)     ? "malformed response from GitHub for octo/b"
                        : rate_limit(c.fault) ? "gave up on /repos/octo/b/"
                        : one_of(c.fault, {Fault::server_error, Fault::bad_gateway})
                            ? "GitHub answered 5"
                            : "cannot reach GitHub";
  return {all_but({part}), true, 1, part + ": " + message};
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (auto fault :
       {Fault::server_error, Fault::bad_gateway, Fault::reset, Fault::truncated, Fault::slow,
        Fault::malformed, Fault::wrong_shape, Fault::missing_field, Fault::unauthorized,
        Fault::forbidden_push, Fault::not_found, Fault::moved, Fault::too_many_requests,
        Fault::too_many_requests_no_retry_after, Fault::secondary_limit,
        Fault::secondary_limit_no_retry_after, Fault::primary_exhausted, Fault::graphql_errors}) {
    if (fault != Fault::graphql_errors) {
      // On every attempt: a broken answer or a refusal on every traffic endpoint (what is
      // lost depends on which), a fault that retries or waits get past on the first and
      // last (slow answers cost real time: views only).
      const bool per_endpoint = bad_body(fault) || refusal(fault);
      for (auto where : {Where::views, Where::clones, Where::paths, Where::referrers}) {
        if (per_endpoint || where == Where::views ||
            (where == Where::referrers && fault != Fault::slow)) {
          cases.push_back({fault, where, true});
        }
      }
      if (!per_endpoint) {  // a broken answer or a refusal is not retried: once is the same
        cases.push_back({fault, Where::views, false});
      }
    }
    if (fault != Fault::slow) {
      cases.push_back({fault, Where::graphql_batch, true});
    }
  }
  cases.push_back({Fault::graphql_errors, Where::graphql_repo, true});
  cases.push_back({Fault::missing_field, Where::graphql_repo, true});
  return cases;
}

class fault_suite : public ::testing::Test {
 protected:
  void SetUp() override {
    m_github.set_now(at("2026-03-20T12:00:00Z"));
    m_github.set_token(k_token);
    m_github.set_retry_after(60);
    m_github.set_slow_delay(std::chrono::milliseconds(300));
    m_github.start();
    std::int64_t id = 501;
    for (const auto& name : k_repos) {
      auto ref = *core::RepoRef::parse(name);
      MockRepo repo;
      repo.id = id++;
      repo.owner = ref.owner;
      repo.name = ref.name;
      repo.stars = 7;
      repo.paths = {{"/" + name, "Readme", 5, 3}};
      repo.referrers = {{"github.com", 4, 2}};
      m_github.add_repo(repo);
      m_github.set_view(name, day("2026-03-18"), 9, 4);
      m_github.set_clone(name, day("2026-03-19"), 3, 1);
    }
    m_dir = scratch_dir("fault-suite");
  }

  void inject(const Case& c) {
    m_github.clear_faults();
    const int times = c.always ? 1000 : 1;
    switch (c.where) {
      case Where::graphql_batch:
        return m_github.inject("/graphql", c.fault, times);
      case Where::graphql_repo:
        return m_github.inject_graphql(k_victim, c.fault, times);
      case Where::views:
      case Where::clones:
        return m_github.inject(std::string("/repos/") + k_victim + "/traffic/" + name_of(c.where),
                               c.fault, times);
      case Where::paths:
      case Where::referrers:
        return m_github.inject(
            std::string("/repos/") + k_victim + "/traffic/popular/" + name_of(c.where), c.fault,
            times);
    }
  }

  Outcome run(const Case& c) {
    inject(c);
    auto store = store::make_store("sqlite:" + m_dir + "/case-" + std::to_string(++m_runs) + ".db");
    util::ManualClock clock(m_github.now());
    github::ClientOptions options;
    options.api_url = m_github.url();
    options.token = k_token;
    options.concurrency = 3;
    options.max_per_minute = github::k_max_per_minute;
    options.retry_base = std::chrono::milliseconds(10);
    options.max_wait = std::chrono::seconds(600);
    options.request_timeout = std::chrono::milliseconds(100);
    auto transport = collect::make_github_transport();
    github::Client client(options, *transport, clock);
    collect::Plan plan;
    for (const auto& name : k_repos) {
      plan.repos.push_back(*core::RepoRef::parse(name));
    }
    auto summary = collect::run_collection(client, *store, plan, nullptr, clock);

    Outcome out;
    out.exit_code = summary.all_ok() ? 0 : 1;
    for (const auto& repo : summary.repos) {
      if (repo.full_name == k_victim) {
        out.message = repo.problem();
      }
    }
    for (std::int64_t id = 501; id < 504; ++id) {
      auto missing = missing_parts(*store, id);
      if (id == 502) {
        out.stored = all_but(missing);
      } else if (!missing.empty()) {
        out.others_whole = false;
      }
    }
    return out;
  }

  MockGitHub m_github;
  std::string m_dir;
  int m_runs = 0;
};

}  // namespace

TEST_F(fault_suite, every_fault_costs_only_its_part_and_the_other_repositories_stay_whole) {
  // The outcomes are checked, not printed; what was logged is searched for the token.
  CapturedLog log;
  OutcomeTable table({"fault", "on", "injected", "stored of octo/b", "octo/a and octo/c", "exit",
                      "message for octo/b"});
  int checked = 0;
  for (const auto& c : all_cases()) {
    const auto want = expected(c);
    const auto got = run(c);
    const std::string label = fmt::format("{} on {} ({})", mock::to_string(c.fault),
                                          name_of(c.where), c.always ? "always" : "once");
    EXPECT_EQ(got.stored, want.stored) << label << ": " << got.message;
    EXPECT_EQ(got.others_whole, want.others_whole) << label;
    EXPECT_EQ(got.exit_code, want.exit_code) << label << ": " << got.message;
    if (want.message.empty()) {
      EXPECT_EQ(got.message, "") << label;
    } else {
      EXPECT_THAT(got.message, HasSubstr(want.message)) << label;
    }
    EXPECT_THAT(got.message, ::testing::Not(HasSubstr(k_token))) << label;
    // The mock's address and port replaced, cut short.
    table.add({fmt::format("`{}`", mock::to_string(c.fault)), name_of(c.where),
               c.always ? "every attempt" : "once", got.stored,
               got.others_whole ? "whole" : "**not whole**", std::to_string(got.exit_code),
               table_cell(got.message, {{"http://127\\.0\\.0\\.1:[0-9]+", "MOCK"}}, 150)});
    ++checked;
  }
  EXPECT_GT(checked, 60);
  const std::string logged = CapturedLog::text();
  EXPECT_THAT(logged, HasSubstr("octo/b"));  // the sink saw the run's lines
  EXPECT_THAT(logged, ::testing::Not(HasSubstr(k_token)));
  table.write("fault-outcomes.md");
}

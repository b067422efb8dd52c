// The collection job: choose the repositories, fetch their traffic, merge it into the
// store one repository at a time. One failing repository never stops the others.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/collect/budget.hpp"
#include "ghtraffic/core/types.hpp"
#include "ghtraffic/github/client.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"

namespace ghtraffic::collect {

// Repository filters: globs match the repository name or OWNER/NAME, case-insensitively.
struct Filters {
  std::vector<std::string> include;  // empty = everything
  std::vector<std::string> exclude;
  bool no_forks = false;
  bool no_archived = false;

  bool accepts(const core::RepoMeta& meta) const;
};

// Where the repositories come from: explicit names, owners, or (when both are empty)
// every repository the token can push to.
struct OwnerSource {
  std::string owner;
  Filters filters;
};

struct Plan {
  std::vector<core::RepoRef> repos;
  std::vector<OwnerSource> owners;
  Filters filters;  // applied to the token's own repositories when nothing else is given
  // When set and it turns true, no further repository is started; the ones in progress
  // finish and commit (R7) and the rest are reported as not collected.
  const std::atomic<bool>* cancel = nullptr;
  // With a deadline (on the clock's steady time), a repository is started only when it
  // can be expected to finish in time: steady_now + estimate + deadline_margin <= deadline.
  // The estimate is the longest time one repository of this run took so far, and
  // repo_estimate until the first one finishes. Repositories not started for that reason
  // are reported in Summary::left_for_next_run, not as failures.
  std::optional<util::Clock::SteadyTime> deadline;
  std::chrono::milliseconds repo_estimate{2000};
  std::chrono::milliseconds deadline_margin{0};
  // Repositories (OWNER/REPO, any case) to start before all others, in this order: the
  // ones an earlier run left for the next.
  std::vector<std::string> first;
  // What the run may spend; the repositories it cannot reach within it are deferred
  // (Summary::deferred), those with the fewest days left taken first (collect/budget.hpp).
  Budget budget;
  // The repositories of `repos` are collected whatever the budget says and however
  // recently they were (`collect OWNER/REPO`); the others follow the plan.
  bool named_always = false;
  // The UTC day that "collected today" means; the clock's day when unset.
  std::optional<util::Day> today;
};

// A part of what a run learns about a repository that it could not learn, and why.
struct MissingPart {
  std::string part;   // "metadata", "views", "clones", "paths" or "referrers"
  std::string error;  // for a person, scrubbed
};

// What was fetched is stored (DESIGN.md): a repository one of whose requests failed is
// committed with the rest; only the missing parts stay missing, and the outcome names them.
struct RepoOutcome {
  std::string full_name;
  core::RepoId id = 0;
  bool ok = false;      // every part fetched and committed
  bool stored = false;  // something was committed (`commit` says what); ok implies stored
  std::string error;    // why it is not ok, for a person, scrubbed
  std::vector<MissingPart> missing;  // when stored but not ok: the parts not stored
  store::CommitResult commit;

  bool partial() const { return stored && !ok; }
  // For a person: empty when ok, else the error, which a partial one starts with
  // "stored in part; not stored: ".
  std::string problem() const;
};

// A repository the plan left for a later run (not a failure).
struct Deferred {
  std::string full_name;
  DeferReason reason = DeferReason::deadline;
};

struct Summary {
  std::vector<RepoOutcome> repos;   // sorted by full_name
  std::vector<std::string> errors;  // failures outside any one repository (a listing)
  int skipped_no_push = 0;          // listed but the token cannot push to them
  int skipped_filtered = 0;
  std::vector<std::string> left_for_next_run;  // sorted; not started before the deadline
  std::vector<Deferred> deferred;              // sorted by full_name; the deadline's too
  // What the run's budget leaves once it has ended (--max-requests, --rate-share, and the
  // primary limit less the client's reserve), for whatever else spends the same token;
  // none when nothing bounds it.
  std::optional<std::int64_t> requests_left;
  std::chrono::milliseconds longest_repo{0};  // the longest one repository took
  github::ClientStats client;
  util::Timestamp started_at;
  util::Timestamp finished_at;

  // Repositories not wholly collected, the partial ones included: each makes the run fail.
  int failed() const;
  int partial() const;  // of those, the ones stored in part
  // Lists of repositories (the token's, an owner's) that could not be read: each makes the
  // run a failed one, since what it would have collected is unknown.
  int failed_listings() const { return static_cast<int>(errors.size()); }
  bool all_ok() const { return failed() == 0 && errors.empty(); }
  int deferred_count(DeferReason reason) const;
};

// Progress, for the terminal line. Called from worker threads.
struct Progress {
  std::atomic<int> total{0};
  std::atomic<int> done{0};
  std::atomic<int> failed{0};
};

// An identity a run collects through, with a client (and so a rate budget) of its own: the
// token, or one installation of a GitHub App.
struct Account {
  github::Client* client = nullptr;
  std::string installation;  // "installation 42 on my-org"; empty for a token
  std::string login;         // the account an installation is on
  std::string unusable;      // why its repositories cannot be collected; empty when they can
};

struct Accounts {
  std::vector<Account> list;
  bool app = false;  // a GitHub App's installations: listings and names go through them
  std::string app_id;
  std::vector<std::string> errors;  // installations that could not be had, for the summary
};

Summary run_collection(github::Client& client, store::Store& store, const Plan& plan,
                       Progress* progress = nullptr, util::Clock& clock = util::system_clock());
// Through every account: with a GitHub App, a repository is collected through the
// installation on its owner, and nothing named means every repository each installation
// sees. Each account's requests are paced on its own budget.
Summary run_collection(const Accounts& accounts, store::Store& store, const Plan& plan,
                       Progress* progress = nullptr, util::Clock& clock = util::system_clock());

// The figures of every account's client, added up; the rate limit shown is the one of the
// account closest to running out.
github::ClientStats combined_stats(const Accounts& accounts);

}  // namespace ghtraffic::collect

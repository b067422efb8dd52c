// The repositories a collection run is asked for (collect/job.hpp's Plan): those named,
// listed for an owner or an installation, filtered, with the account each is collected
// through, their metadata and their release downloads. Internal to run_collection.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/github/api.hpp"

namespace ghtraffic::collect {

struct Target {
  core::RepoRef requested;       // the name we were given or listed
  github::RepoListing listing;   // id, current name and counters
  std::size_t account = 0;       // Accounts::list index: the client it is collected through
  bool named = false;            // named in Plan::repos (not only listed)
  bool collected_today = false;  // its last collection was on the plan's day
};

struct Resolved {
  std::vector<Target> targets;
  std::map<std::size_t, bool> graphql_available;  // per account; absent: not asked
};

// The account whose installation is on `owner` (case-insensitive), if any.
std::optional<std::size_t> account_for(const Accounts& accounts, const std::string& owner);

// Collects the targets the plan names. Listing failures are recorded in the summary.
Resolved resolve_targets(const Accounts& accounts, const Plan& plan, Summary& summary);

// Downloads ride on the GraphQL metadata; listed repositories (and those read over REST)
// are asked for them in batches through their account, or with one request each where
// GraphQL is unavailable. Only the repositories a run collects are asked.
void add_downloads(const Accounts& accounts, const std::map<std::size_t, bool>& graphql_available,
                   std::vector<Target>& targets);

}  // namespace ghtraffic::collect

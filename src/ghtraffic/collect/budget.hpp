// The collection plan's rules (DESIGN.md "Days left"): which repositories a run takes first,
// and whether one more fits in what the run may spend. GitHub keeps a day for 14 days, so a
// repository need not be collected every day; a run that cannot reach every repository
// spends its requests on those with the fewest days left and leaves the rest, deferred, for
// the next run, which then starts with them. Pure functions, tested on their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/util/date.hpp"

namespace ghtraffic::collect {

// One repository's traffic: views, clones, paths, referrers.
inline constexpr int k_requests_per_repo = 4;
// GraphQL reads the metadata and downloads of this many repositories in one request.
inline constexpr int k_repos_per_graphql_request = 100;

// Why a repository was left for a later run. Not a failure: the run exits as if it had not
// been listed, and the next run starts with it.
enum class DeferReason {
  collected_today,  // already collected this UTC day (--again-today collects it again)
  max_requests,     // --max-requests would be exceeded
  rate_limit,       // the primary rate limit would make the run wait (or --rate-share)
  deadline,         // it could not finish before the run's deadline (the Lambda's timeout)
};
inline constexpr DeferReason k_defer_reasons[] = {DeferReason::collected_today,
                                                  DeferReason::max_requests,
                                                  DeferReason::rate_limit, DeferReason::deadline};
// "collected-today", "max-requests", "rate-limit", "deadline": stable, for scripts.
std::string_view to_string(DeferReason reason);

// The accepted range of --max-requests, in the flag, the environment and the config file.
inline constexpr int k_max_requests_ceiling = 1'000'000'000;

// What a run may spend. With neither limit set, it still stops before the primary rate
// limit would make it wait for the hour to end.
struct Budget {
  std::optional<std::int64_t> max_requests;  // every request of the run, retries included
  std::optional<int> rate_share;             // percent of the primary limit left at its start
  bool again_today = false;                  // collect those collected today as well
};

// The order of the plan: the fewest days left first (never collected before any), then the
// longest since the last collection, then by name. Returns the positions of `last`, sorted.
std::vector<std::size_t> plan_order(const std::vector<std::optional<util::Timestamp>>& last,
                                    const std::vector<std::string>& names, util::Day today);

// What one account (one rate budget) has spent and may still spend, at one moment.
struct AccountSpend {
  std::int64_t spent = 0;       // requests sent through it so far
  std::int64_t expected = 0;    // requests the repositories started so far will have sent in all
  std::int64_t remaining = -1;  // primary requests left in this hour, -1 unknown
  std::int64_t reserve = 0;     // at this many left the client waits for the hour's end
  std::int64_t share_cap = -1;  // --rate-share: the `spent` it may reach; -1 none

  // Requests it will have sent once the started repositories finish: at least what it
  // sent, more when they have requests still to send.
  std::int64_t projected() const { return spent > expected ? spent : expected; }
};

// Why one more repository costing `cost` requests through `account` must wait for a later
// run; none when it fits. `total_projected` is the projected spend of every account.
std::optional<DeferReason> over_budget(const AccountSpend& account, std::int64_t total_projected,
                                       int cost, std::optional<std::int64_t> max_requests);

// The requests a run may still spend without going over its budget or making the client
// wait for the rate limit: the least of what --max-requests, --rate-share and the primary
// limit leave. None when nothing bounds it (no limit set and none seen).
std::optional<std::int64_t> requests_left(const std::vector<AccountSpend>& accounts,
                                          std::optional<std::int64_t> max_requests);

}  // namespace ghtraffic::collect

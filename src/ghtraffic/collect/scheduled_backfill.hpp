// The star and fork backfill that `serve` and `lambda` run after each scheduled collection,
// in the rate budget the collection left unused (docs/backfill.md, "In serve and the
// Lambda"): never more than its own cap, never into the reserve the client keeps before it
// would wait for the hourly limit, never past a deadline. Each pass goes on where the last
// one stopped (collect/backfill.hpp keeps each source's place in the store). A pass that
// fails is logged and never makes the collection fail.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "ghtraffic/collect/backfill.hpp"
#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/date.hpp"

namespace ghtraffic::collect {

// A pass spends at most this many requests unless told otherwise: a tenth of a token's
// hour, and as much as the GitHub Actions home's backfill-requests.
inline constexpr int k_default_backfill_max_requests = 500;
// Kept back from what the collection's budget left: the retries of the pass's last requests
// and the count a star history's first page asks for after it may go past the allowance.
inline constexpr std::int64_t k_backfill_reserve = 20;

// `backfill` / `backfill_max_requests` in the config file, GHTRAFFIC_BACKFILL /
// GHTRAFFIC_BACKFILL_MAX_REQUESTS, serve's --backfill / --no-backfill /
// --backfill-max-requests.
struct BackfillSettings {
  bool enabled = true;
  std::int64_t max_requests = k_default_backfill_max_requests;
};

// The requests a pass may spend: the cap, or what the collection's budget left less the
// reserve when that is fewer; never below 0. Nothing left known (no limit seen): the cap.
std::int64_t backfill_allowance(std::optional<std::int64_t> requests_left, std::int64_t cap);

struct ScheduledBackfill {
  bool ran = false;
  std::string skipped;  // why no pass ran, for a person; empty when one ran
  std::string error;    // what stopped the pass outside any one repository; scrubbed
  std::int64_t allowance = 0;
  BackfillSummary summary;

  // Repositories whose history moved on in this pass (requests spent, nothing failed).
  int advanced() const;
  // The pass's one log line: what it advanced and spent, and why it stopped.
  std::string describe() const;
};

// After a collection whose summary is `collection`: a pass over the store's repositories
// when `settings` turn it on and the budget leaves anything, through the collection's own
// accounts (with a GitHub App, each repository through the installation on its owner;
// those on no installation are left alone). Logs its line; never throws for what it meets.
ScheduledBackfill run_scheduled_backfill(const Accounts& accounts, store::Store& store,
                                         const Summary& collection,
                                         const BackfillSettings& settings,
                                         std::optional<util::Timestamp> deadline,
                                         const std::atomic<bool>* cancel = nullptr);

}  // namespace ghtraffic::collect

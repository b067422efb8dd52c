// The backfill: each repository's star and fork history back to its first day, read from
// GitHub and kept current with the fewest requests (docs/backfill.md). Stars come from
// GET .../stargazers/history, or the stargazer listing where that answers 404 (Enterprise
// Server); forks from the fork listing, oldest first. Each source remembers where it stopped
// (Store::backfill_state), so that a run cut short by --max-requests, a deadline or a kill
// goes on from there, and a later run reads only what is new.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/github/client.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::collect {

struct BackfillOptions {
  std::int64_t max_requests = 1000;  // across the run, retries included
  std::optional<util::Timestamp> deadline;
  // The day a source read up to yesterday is not asked again (none: the local clock's UTC
  // day). The days stored always come from the responses' Date headers.
  std::optional<util::Day> today;
  // When set and it turns true, no further request is started (serve's SIGTERM); what was
  // read so far is committed and the next run goes on from there.
  const std::atomic<bool>* cancel = nullptr;
};

struct BackfillOutcome {
  std::string full_name;
  bool ok = true;
  std::string error;            // for a person; scrubbed
  std::int64_t requests = 0;    // spent on this repository
  std::string stars_source;     // "stargazers/history", "stargazers" or "" (not reached)
  bool stars_complete = false;  // its history is read up to today
  bool forks_complete = false;
  int new_days = 0;
  int grown_days = 0;
  std::vector<std::string> notes;  // what is approximate, and where
};

struct BackfillSummary {
  std::vector<BackfillOutcome> repos;
  std::int64_t requests = 0;
  bool out_of_requests = false;  // stopped by --max-requests; the next run goes on
  bool out_of_time = false;      // stopped by the deadline
  bool cancelled = false;        // stopped by BackfillOptions::cancel
  int failed() const;
};

// Backfills each repository of `repos` (stored ones) in turn; a repository that fails is
// reported and the others go on. Each repository's run is committed in one transaction.
BackfillSummary run_backfill(github::Client& client, store::Store& store,
                             const std::vector<store::RepoRecord>& repos,
                             const BackfillOptions& options);

}  // namespace ghtraffic::collect

// Days left after a collection run, as `collect` and `lambda` tell them: the stored
// repositories the run did not collect that are at risk (DESIGN.md "Days left"), and the
// repositories it did collect that had lost days since their previous collection.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/read/freshness.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/date.hpp"

namespace ghtraffic::cli {

// The last successful collection of every stored repository, by id: read before a run so
// that what the run overwrites can still be compared.
using LastSuccesses = std::map<core::RepoId, util::Timestamp>;
LastSuccesses last_successes(store::Store& store);

struct LostBeforeRun {
  std::string full_name;
  util::Timestamp previous;   // the collection before this run
  read::Freshness freshness;  // counted from the day this run collected it
};

struct RunFreshness {
  // Stored repositories (ever collected) that the run did not collect and that need
  // attention, most urgent first.
  std::vector<read::RepoFreshness> at_risk;
  // Repositories the run collected whose previous collection was too long ago, by name.
  std::vector<LostBeforeRun> lost_before_run;
};

RunFreshness run_freshness(store::Store& store, const collect::Summary& summary,
                           const LastSuccesses& before, util::Day today, int warn_days);

// At most two lines for a person, without "warning: ": one about the repositories at risk,
// one about the days lost before the run. None when all is well.
std::vector<std::string> warning_lines(const RunFreshness& freshness);

// {"at_risk": [...as `status --json`...], "lost_before_run": [{"repo", "previous_success",
// "lost_days", "lost_from", "lost_to"}]}.
nlohmann::json to_json(const RunFreshness& freshness);

}  // namespace ghtraffic::cli

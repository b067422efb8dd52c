// The JSON API of `ghtraffic serve` (docs/api.md) as functions from the store, or from a
// snapshot of it, to JSON: no HTTP here, so each answer can be tested on its own and the
// static report can precompute them. Bad parameters and unknown repositories are
// RequestError (400, 404). Gaps are null, never 0 (R3); uniques are never added up
// and called unique visitors (R4); top-10 snapshots are never summed (R5).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ghtraffic/read/freshness.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/web/request_error.hpp"
#include "ghtraffic/web/snapshot.hpp"

namespace ghtraffic::web {

// Longest range one request may ask for, and most snapshots (last=N): a century of days.
inline constexpr int k_max_range_days = 36'600;
// Most days /api/daily?split=1 answers in all, days × repositories: each is a JSON object
// (about 100 bytes), so a century of every repository in a large store would be gigabytes.
inline constexpr std::int64_t k_max_split_days = 100'000;

// A request's query parameters; a repeated one ("repo") appears once per value, in order.
using Params = std::multimap<std::string, std::string>;

// One collection run as /api/status shows it.
struct RunReport {
  util::Timestamp started_at;
  std::optional<util::Timestamp> finished_at;
  bool ok = false;
  int repos_ok = 0;
  int repos_failed = 0;
  // (repository, message); the repository is empty for a failure outside any one
  // repository, such as a listing.
  std::vector<std::pair<std::string, std::string>> errors;
};

// A run known only from the store's log (collected by another process): no error texts.
RunReport run_report_from(const store::RunRecord& run);

struct RateLimit {
  std::optional<std::int64_t> remaining;
  std::optional<std::int64_t> limit;
  std::optional<util::Timestamp> reset;
};

// The scheduler's last star and fork backfill pass (collect/scheduled_backfill.hpp).
struct BackfillReport {
  util::Timestamp at;
  bool ran = false;
  std::string skipped;  // why no pass ran; empty when one ran
  std::string error;    // what stopped it outside any one repository
  std::int64_t allowed = 0;
  std::int64_t requests = 0;
  int repos = 0;
  int advanced = 0;
  int failed = 0;
  std::string stopped;  // "budget", "deadline", "shutdown" or empty
};

struct SchedulerState {
  bool enabled = false;
  std::chrono::seconds interval{0};
  bool running = false;
  std::optional<util::Timestamp> next_run_at;
  std::optional<std::string> disabled_reason;
  std::optional<RunReport> last_run;  // the scheduler's own last run, with its errors
  RateLimit rate_limit;
  bool backfill_enabled = false;
  std::optional<BackfillReport> backfill;    // the last pass, or why none ran
  std::int64_t backfill_requests_total = 0;  // since the server started
};

struct StatusInfo {
  std::string store;  // redacted description
  util::Day today;
  SchedulerState scheduler;
  std::optional<RunReport> last_run;  // the scheduler's, else the store's
  // The repositories at risk, with lost days or never collected, most urgent first (the
  // dashboard's banner); at risk means warn_days days left or fewer.
  int warn_days = read::k_default_warn_days;
  std::vector<read::RepoFreshness> attention;
};

nlohmann::json status_json(const StatusInfo& status);

// One repository's days left, lost days and latest error, as `status --json`, /api/status
// and the Lambda's answer give it: repo, id, last_success, days_left, lost_days,
// lost_from, lost_to, urgency, needs_attention, last_attempt, last_error.
nlohmann::json freshness_json(const read::RepoFreshness& repo);

// The repositories among all that need attention, in their order.
std::vector<read::RepoFreshness> needing_attention(const std::vector<read::RepoFreshness>& all);

// GET /api/repos. errors: each repository's error in the last run, by full name.
nlohmann::json repos_json(const Snapshot& snapshot, util::Day today,
                          const std::map<std::string, std::string>& errors = {});

// GET /api/daily: repo (repeatable), from, to, split.
nlohmann::json daily_json(const Snapshot& snapshot, const Params& params);

// GET /api/paths, /api/referrers, /api/counters, /api/windows: repo (one), from, to.
nlohmann::json paths_json(store::Store& store, const Snapshot& snapshot, const Params& params);
nlohmann::json referrers_json(store::Store& store, const Snapshot& snapshot, const Params& params);
nlohmann::json counters_json(store::Store& store, const Snapshot& snapshot, const Params& params);
nlohmann::json windows_json(store::Store& store, const Snapshot& snapshot, const Params& params);

// GET /metrics: the Prometheus text exposition format, version 0.0.4. Days left per
// repository are counted from today.
std::string metrics_text(const Snapshot& snapshot, const std::optional<RunReport>& last_run,
                         util::Day today);

}  // namespace ghtraffic::web

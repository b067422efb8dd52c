#include "ghtraffic/collect/scheduled_backfill.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <map>
#include <vector>

#include "ghtraffic/collect/targets.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::collect {
namespace {

// What one account's primary limit leaves before its client would wait for the hour's end,
// as the collection plan counts it; none when no limit of the current hour is known.
std::optional<std::int64_t> account_left(const github::Client& client) {
  const auto remaining = client.stats().core_remaining_at(client.clock().steady_now());
  if (remaining < 0) {
    return std::nullopt;
  }
  return remaining - client.options().reserve() - 1;
}

// The stored repositories of each usable account, in the store's order: with a GitHub App
// the installation on each repository's owner, else the one account.
std::map<std::size_t, std::vector<store::RepoRecord>> by_account(
    const Accounts& accounts, std::vector<store::RepoRecord> repos) {
  std::map<std::size_t, std::vector<store::RepoRecord>> out;
  for (auto& repo : repos) {
    const std::optional<std::size_t> account =
        accounts.app ? account_for(accounts, repo.full_name.substr(0, repo.full_name.find('/')))
                     : std::optional<std::size_t>(0);
    if (account && *account < accounts.list.size() && accounts.list[*account].client &&
        accounts.list[*account].unusable.empty()) {
      out[*account].push_back(std::move(repo));
    }
  }
  return out;
}

void add(BackfillSummary& total, BackfillSummary part) {
  for (auto& repo : part.repos) {
    total.repos.push_back(std::move(repo));
  }
  total.requests += part.requests;
  total.out_of_requests = total.out_of_requests || part.out_of_requests;
  total.out_of_time = total.out_of_time || part.out_of_time;
  total.cancelled = total.cancelled || part.cancelled;
}

}  // namespace

std::int64_t backfill_allowance(std::optional<std::int64_t> requests_left, std::int64_t cap) {
  auto allowance = cap;
  if (requests_left) {
    allowance = std::min(allowance, *requests_left - k_backfill_reserve);
  }
  return std::max<std::int64_t>(allowance, 0);
}

int ScheduledBackfill::advanced() const {
  return static_cast<int>(std::count_if(summary.repos.begin(), summary.repos.end(),
                                        [](const auto& r) { return r.ok && r.requests > 0; }));
}

std::string ScheduledBackfill::describe() const {
  if (!skipped.empty()) {
    return "backfill skipped: " + skipped;
  }
  std::string stop;
  if (!error.empty()) {
    stop = fmt::format("; it failed: {} (the collection is kept; the next pass goes on)", error);
  } else if (summary.cancelled) {
    stop = "; stopped for the shutdown, the next pass goes on from there";
  } else if (summary.out_of_time) {
    stop = "; stopped by the deadline, the next pass goes on from there";
  } else if (summary.out_of_requests) {
    stop = "; stopped by the budget, the next pass goes on from there";
  } else if (std::all_of(summary.repos.begin(), summary.repos.end(), [](const auto& r) {
               return r.ok && r.stars_complete && r.forks_complete;
             })) {
    stop = "; every repository's history is up to date";
  }
  const int failed = summary.failed();
  return fmt::format("backfill: {} of {} advanced, {} of {} allowed{}{}", advanced(),
                     util::counted(summary.repos.size(), "repository", "repositories"),
                     summary.requests, util::counted(allowance, "request", "requests"),
                     failed > 0 ? fmt::format(", {} failed", failed) : std::string(), stop);
}

ScheduledBackfill run_scheduled_backfill(const Accounts& accounts, store::Store& store,
                                         const Summary& collection,
                                         const BackfillSettings& settings,
                                         std::optional<util::Timestamp> deadline,
                                         const std::atomic<bool>* cancel) {
  ScheduledBackfill result;
  if (!settings.enabled) {
    result.skipped = "turned off (--no-backfill, GHTRAFFIC_BACKFILL=false or backfill = false)";
    util::log_verbose("{}", result.describe());
    return result;
  }
  result.allowance = backfill_allowance(collection.requests_left, settings.max_requests);
  if (result.allowance <= 0) {
    result.skipped = fmt::format(
        "the collection's budget left {}, no more than the {} kept in reserve; the next "
        "pass goes on",
        util::counted(collection.requests_left.value_or(0), "request", "requests"),
        k_backfill_reserve);
    util::log_info("{}", result.describe());
    return result;
  }
  if (cancel && cancel->load()) {
    result.skipped = "shutting down";
    util::log_info("{}", result.describe());
    return result;
  }
  try {
    std::int64_t left = result.allowance;
    for (auto& [account, repos] : by_account(accounts, store.repositories())) {
      auto& client = *accounts.list[account].client;
      auto cap = left;
      if (auto own = account_left(client)) {
        cap = std::min(cap, *own - k_backfill_reserve);
      }
      if (cap <= 0) {
        result.summary.out_of_requests = true;
        continue;
      }
      BackfillOptions options;
      options.max_requests = cap;
      options.deadline = deadline;
      options.cancel = cancel;
      auto part = run_backfill(client, store, repos, options);
      left -= part.requests;
      add(result.summary, std::move(part));
      if (result.summary.out_of_time || result.summary.cancelled || left <= 0) {
        break;
      }
    }
    result.ran = true;
  } catch (const std::exception& e) {
    result.error = util::scrub(e.what());
  }
  for (const auto& repo : result.summary.repos) {
    if (!repo.ok) {
      util::log_warn("backfill of {}: {}", repo.full_name, repo.error);
    }
  }
  if (result.error.empty()) {
    util::log_info("{}", util::scrub(result.describe()));
  } else {
    util::log_error("{}", util::scrub(result.describe()));
  }
  return result;
}

}  // namespace ghtraffic::collect

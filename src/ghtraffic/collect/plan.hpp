// The plan of one collection run (DESIGN.md "Days left"): which of the resolved repositories
// it collects, in which order, and what each account has spent and may spend while it runs.
// The rules themselves are collect/budget.hpp's. Internal to run_collection.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "ghtraffic/collect/budget.hpp"
#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/collect/targets.hpp"
#include "ghtraffic/util/clock.hpp"

namespace ghtraffic::collect {

// The plan's view of what each account has spent and may spend, kept up to date as the
// run's repositories start and finish. Thread-safe.
class Spending {
 public:
  Spending(const Accounts& accounts, const Budget& budget, util::Clock& clock)
      : m_accounts(accounts), m_budget(budget), m_clock(clock), m_state(accounts.list.size()) {
    for (std::size_t i = 0; i < m_state.size(); ++i) {
      m_state[i].reserve = accounts.list[i].client->options().reserve();
    }
    refresh_all();
  }

  // Takes the requests the client has sent since as the new baseline: what was expected
  // of the repositories so far is spent.
  void settle() {
    std::lock_guard lock(m_mutex);
    refresh_locked();
    for (auto& state : m_state) {
      state.expected = state.spent;
    }
  }

  // Starts a repository of `cost` requests through `account` when the budget allows it
  // (always when `forced`); else the reason it must wait for a later run.
  std::optional<DeferReason> start(std::size_t account, int cost, bool forced) {
    std::lock_guard lock(m_mutex);
    refresh_locked();
    if (!forced) {
      if (auto reason =
              over_budget(m_state[account], total_projected(), cost, m_budget.max_requests)) {
        return reason;
      }
    }
    m_state[account].expected = m_state[account].projected() + cost;
    return std::nullopt;
  }

  // A repository started with `cost` sent only `asked` of its requests (a failure every
  // later one would share stops it early).
  void finish(std::size_t account, int cost, int asked) {
    std::lock_guard lock(m_mutex);
    m_state[account].expected -= std::max(cost - asked, 0);
  }

  std::optional<std::int64_t> left() {
    std::lock_guard lock(m_mutex);
    refresh_locked();
    return requests_left(m_state, m_budget.max_requests);
  }

 private:
  void refresh_all() {
    std::lock_guard lock(m_mutex);
    refresh_locked();
    for (auto& state : m_state) {
      state.expected = state.spent;
    }
  }

  void refresh_locked() {
    const auto now = m_clock.steady_now();
    for (std::size_t i = 0; i < m_state.size(); ++i) {
      auto stats = m_accounts.list[i].client->stats();
      auto& state = m_state[i];
      state.spent = stats.requests;
      state.remaining = stats.core_remaining_at(now);
      if (m_budget.rate_share && state.share_cap < 0 && state.remaining >= 0) {
        state.share_cap = state.spent + state.remaining * *m_budget.rate_share / 100;
      }
    }
  }

  std::int64_t total_projected() const {
    std::int64_t total = 0;
    for (const auto& state : m_state) {
      total += state.projected();
    }
    return total;
  }

  const Accounts& m_accounts;
  const Budget& m_budget;
  util::Clock& m_clock;
  std::mutex m_mutex;
  std::vector<AccountSpend> m_state;
};

// The plan of one run: the repositories in the order they are to be collected, the ones
// collected today and those beyond the budget left out (deferred in the summary). Reads
// each repository's last collection from the store.
std::vector<Target> plan_targets(store::Store& store, const Plan& plan, util::Clock& clock,
                                 const Resolved& resolved, Spending& spending, Summary& summary);

}  // namespace ghtraffic::collect

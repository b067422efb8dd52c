#include "ghtraffic/collect/plan.hpp"

#include <algorithm>

#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::collect {
namespace {

// Moves the targets named in `first` to the front, in the order of `first`; the others
// keep their order.
void put_first(std::vector<Target>& targets, const std::vector<std::string>& first) {
  if (first.empty()) {
    return;
  }
  std::map<std::string, size_t> rank;
  for (size_t i = 0; i < first.size(); ++i) {
    rank.try_emplace(util::to_lower(first[i]), i);
  }
  auto rank_of = [&](const Target& t) {
    for (const auto& name : {t.listing.meta.full_name, t.requested.full_name()}) {
      if (auto found = rank.find(util::to_lower(name)); found != rank.end()) {
        return found->second;
      }
    }
    return first.size();
  };
  std::stable_sort(targets.begin(), targets.end(),
                   [&](const Target& a, const Target& b) { return rank_of(a) < rank_of(b); });
}

// The requests a repository's downloads add when they are asked for: one GraphQL request
// per batch, or one REST request each where GraphQL is unavailable.
int downloads_cost(const Target& target, const std::map<std::size_t, bool>& graphql_available,
                   std::int64_t without_downloads_so_far) {
  if (target.listing.downloads) {
    return 0;
  }
  auto graphql = graphql_available.find(target.account);
  if (graphql != graphql_available.end() && !graphql->second) {
    return 1;
  }
  return without_downloads_so_far % k_repos_per_graphql_request == 0 ? 1 : 0;
}

}  // namespace

std::vector<Target> plan_targets(store::Store& store, const Plan& plan, util::Clock& clock,
                                 const Resolved& resolved, Spending& spending, Summary& summary) {
  const auto today = plan.today.value_or(util::day_of(clock.now()));
  std::map<core::RepoId, util::Timestamp> last_collected;
  for (const auto& record : store.repositories()) {
    if (record.last_collected) {
      last_collected.emplace(record.id, *record.last_collected);
    }
  }
  const auto& all = resolved.targets;
  std::vector<std::optional<util::Timestamp>> last(all.size());
  std::vector<std::string> names(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (auto it = last_collected.find(all[i].listing.meta.id); it != last_collected.end()) {
      last[i] = it->second;
    }
    names[i] = all[i].listing.meta.full_name;
  }
  std::vector<Target> ordered;
  ordered.reserve(all.size());
  for (auto i : plan_order(last, names, today)) {
    ordered.push_back(all[i]);
    ordered.back().collected_today = last[i] && util::day_of(*last[i]) == today;
  }
  put_first(ordered, plan.first);
  if (plan.named_always) {
    // Named on the command line: before the plan's, in the order given.
    std::map<std::string, std::size_t> given;
    for (std::size_t i = 0; i < plan.repos.size(); ++i) {
      given.try_emplace(util::to_lower(plan.repos[i].full_name()), i);
    }
    auto rank = [&](const Target& t) {
      if (!t.named) {
        return plan.repos.size();
      }
      auto it = given.find(util::to_lower(t.requested.full_name()));
      return it == given.end() ? plan.repos.size() : it->second;
    };
    std::stable_sort(ordered.begin(), ordered.end(),
                     [&](const Target& a, const Target& b) { return rank(a) < rank(b); });
  }

  // What fits is decided before the downloads are asked for, so that only the repositories
  // this run collects cost a downloads request; each is checked again as it starts.
  std::vector<Target> chosen;
  std::map<std::size_t, std::int64_t> without_downloads;  // per account, chosen so far
  for (auto& target : ordered) {
    const bool forced = plan.named_always && target.named;
    if (!forced && target.collected_today && !plan.budget.again_today) {
      summary.deferred.push_back({target.listing.meta.full_name, DeferReason::collected_today});
      continue;
    }
    const int cost = k_requests_per_repo + downloads_cost(target, resolved.graphql_available,
                                                          without_downloads[target.account]);
    if (auto reason = spending.start(target.account, cost, forced)) {
      summary.deferred.push_back({target.listing.meta.full_name, *reason});
      continue;
    }
    if (!target.listing.downloads) {
      ++without_downloads[target.account];
    }
    chosen.push_back(std::move(target));
  }
  return chosen;
}

}  // namespace ghtraffic::collect

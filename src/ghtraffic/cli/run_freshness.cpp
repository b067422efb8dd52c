#include "ghtraffic/cli/run_freshness.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/strings.hpp"
#include "ghtraffic/web/api.hpp"

namespace ghtraffic::cli {
namespace {

// Named in one warning line; the rest are counted.
constexpr std::size_t k_max_named = 10;

std::string day_text(util::Timestamp at) {
  return util::format_day(util::day_of(at));
}

template <typename T, typename Describe>
std::string named_list(const std::vector<T>& items, Describe describe) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < k_max_named; ++i) {
    out += (i > 0 ? "; " : "") + describe(items[i]);
  }
  if (items.size() > k_max_named) {
    out += fmt::format("; and {} more", items.size() - k_max_named);
  }
  return out;
}

}  // namespace

LastSuccesses last_successes(store::Store& store) {
  LastSuccesses out;
  for (const auto& record : store.repositories()) {
    if (record.last_collected) {
      out.emplace(record.id, *record.last_collected);
    }
  }
  return out;
}

RunFreshness run_freshness(store::Store& store, const collect::Summary& summary,
                           const LastSuccesses& before, util::Day today, int warn_days) {
  std::set<core::RepoId> collected_ids;
  std::set<std::string> collected_names;
  for (const auto& repo : summary.repos) {
    if (repo.ok) {
      collected_ids.insert(repo.id);
      collected_names.insert(util::to_lower(repo.full_name));
    }
  }
  auto collected = [&](core::RepoId id, const std::string& name) {
    return (id != 0 && collected_ids.contains(id)) ||
           collected_names.contains(util::to_lower(name));
  };

  RunFreshness out;
  for (auto& repo : read::store_freshness(store, today, warn_days)) {
    if (!collected(repo.id, repo.full_name)) {
      // A name that was never collected has nothing stored to keep whole; its error is in
      // the run's table already.
      if (repo.freshness.needs_attention() && repo.last_success) {
        out.at_risk.push_back(std::move(repo));
      }
      continue;
    }
    auto previous = before.find(repo.id);
    if (previous == before.end() || !repo.last_success) {
      continue;
    }
    auto lost = read::freshness(previous->second, util::day_of(*repo.last_success), warn_days);
    if (lost.lost_days > 0) {
      out.lost_before_run.push_back({repo.full_name, previous->second, lost});
    }
  }
  std::sort(out.lost_before_run.begin(), out.lost_before_run.end(),
            [](const LostBeforeRun& a, const LostBeforeRun& b) {
              return util::to_lower(a.full_name) < util::to_lower(b.full_name);
            });
  return out;
}

std::vector<std::string> warning_lines(const RunFreshness& freshness) {
  std::vector<std::string> lines;
  if (!freshness.at_risk.empty()) {
    const auto& repos = freshness.at_risk;
    lines.push_back(fmt::format(
        "{} this run did not collect {} collecting before GitHub forgets {} traffic: {}. "
        "Collect {} soon; `ghtraffic status` shows why {} not collected",
        util::counted(repos.size(), "repository", "repositories"),
        repos.size() == 1 ? "needs" : "need", repos.size() == 1 ? "its" : "their",
        named_list(repos,
                   [](const read::RepoFreshness& r) {
                     return r.full_name + " (" + read::describe(r.freshness) + ")";
                   }),
        repos.size() == 1 ? "it" : "them", repos.size() == 1 ? "it was" : "they were"));
  }
  if (!freshness.lost_before_run.empty()) {
    lines.push_back(fmt::format(
        "days were lost before this run, and GitHub no longer shows them: {}. Collect at "
        "least every 13 days so that none is lost (`ghtraffic status` warns in time)",
        named_list(freshness.lost_before_run, [](const LostBeforeRun& r) {
          const auto& f = r.freshness;
          return fmt::format(
              "{} was last collected on {}, {} days before, so {} ({}) went "
              "uncollected",
              r.full_name, day_text(r.previous), read::k_window_days + f.lost_days,
              util::counted(f.lost_days, "day", "days"), read::lost_range_text(f));
        })));
  }
  return lines;
}

nlohmann::json to_json(const RunFreshness& freshness) {
  auto at_risk = nlohmann::json::array();
  for (const auto& repo : freshness.at_risk) {
    at_risk.push_back(web::freshness_json(repo));
  }
  auto lost = nlohmann::json::array();
  for (const auto& repo : freshness.lost_before_run) {
    lost.push_back({{"repo", repo.full_name},
                    {"previous_success", util::format_iso8601(repo.previous)},
                    {"lost_days", repo.freshness.lost_days},
                    {"lost_from", util::format_day(*repo.freshness.lost_from)},
                    {"lost_to", util::format_day(*repo.freshness.lost_to)}});
  }
  return {{"at_risk", at_risk}, {"lost_before_run", lost}};
}

}  // namespace ghtraffic::cli

#include "ghtraffic/mock/demo_year.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "ghtraffic/mock/random.hpp"

namespace ghtraffic::mock {
namespace {

using std::chrono::days;

enum Index { k_busy, k_quiet, k_steady, k_outage, k_renamed, k_repo_count };

constexpr const char* k_names[k_repo_count] = {"busy", "quiet", "steady", "outage", "old-name"};
constexpr std::int64_t k_first_id = 710001;

// Days from `from` to `to`, negative before it.
double days_between(util::Day from, util::Day to) {
  return static_cast<double>((to - from).count());
}

// Saturday and Sunday see about half the traffic of a working day.
bool weekend(util::Day day) {
  auto weekday = std::chrono::weekday(day);
  return weekday == std::chrono::Saturday || weekday == std::chrono::Sunday;
}

// A spike that starts on `start` at `height` and halves about every `half_life` days.
double spike(util::Day start, util::Day day, double height, double half_life) {
  auto t = days_between(start, day);
  return t < 0 ? 0.0 : height * std::exp2(-t / half_life);
}

core::DayCount day_count(util::Day day, double count, Random& random, int unique_percent) {
  auto c = static_cast<std::int64_t>(std::llround(std::max(0.0, count)));
  auto spread = unique_percent / 4;
  auto percent = unique_percent - spread + random.below(2 * spread + 1);
  auto uniques = c == 0 ? 0 : std::clamp<std::int64_t>(c * percent / 100, 1, c);
  return core::DayCount{day, c, uniques};
}

// A factor around 1 with ±`percent`% of noise.
double noise(Random& random, int percent) {
  return 1.0 + static_cast<double>(random.below(2 * percent + 1) - percent) / 100.0;
}

struct Weighted {
  std::string key;    // a path suffix or a referrer
  std::string title;  // paths only
  double weight = 0;
};

// Popular paths of one repository on `day`, as weights of its views.
std::vector<Weighted> path_weights(int index, const DemoYear& year, util::Day day) {
  auto name = std::string(k_names[index]);
  if (index == k_renamed && day >= year.rename_day()) {
    name = "new-name";
  }
  std::vector<Weighted> out = {
      {"", fmt::format("{}/{}: a demo repository", k_demo_owner, name), 40},
      {"/blob/main/README.md", "README.md", 25},
      {"/issues", "Issues", 8},
      {"/pulls", "Pull requests", 5},
  };
  if (index == k_busy) {
    auto since_launch = days_between(year.launch_day(), day);
    out.push_back({"/releases", "Releases", since_launch < 0 ? 4.0 : 12.0});
    out.push_back({"/blob/main/docs/launch.md", "Launch post: why we built busy",
                   spike(year.launch_day(), day, 90, 10)});
    out.push_back({"/discussions", "Discussions", since_launch < 0 ? 0.0 : 6.0});
    out.push_back({"/wiki", "Wiki", 3});
    out.push_back({"/blob/main/docs/install.md", "Install", since_launch < 0 ? 6.0 : 14.0});
    out.push_back({"/actions", "Actions", 2});
  } else if (index == k_renamed && day >= year.rename_day()) {
    out.push_back({"/blob/main/MIGRATING.md", "Migrating from old-name",
                   spike(year.rename_day(), day, 30, 20)});
  }
  return out;
}

std::vector<Weighted> referrer_weights(int index, const DemoYear& year, util::Day day) {
  std::vector<Weighted> out = {{"github.com", "", 30}, {"Google", "", 22}};
  if (index == k_busy) {
    out.push_back({"news.ycombinator.com", "", spike(year.launch_day(), day, 160, 3)});
    out.push_back({"reddit.com", "", spike(year.launch_day() + days{3}, day, 45, 6)});
    out.push_back({"t.co", "", 8});
    out.push_back({"dev.to", "", day < year.launch_day() ? 1.0 : 6.0});
    out.push_back({"duckduckgo.com", "", 3});
    out.push_back({"Bing", "", 4});
    out.push_back({"stackoverflow.com", "",
                   2 + 6 * std::max(0.0, days_between(year.launch_day(), day)) /
                           std::max(1.0, days_between(year.launch_day(), year.last_day()))});
  } else if (index == k_steady) {
    out.push_back({"stackoverflow.com", "", 6});
  }
  return out;
}

std::int64_t views_until(const MockRepo& repo, util::Day first, util::Day last) {
  std::int64_t sum = 0;
  for (auto it = repo.views.lower_bound(first); it != repo.views.end() && it->first <= last; ++it) {
    sum += it->second.count;
  }
  return sum;
}

}  // namespace

DemoYear::DemoYear(util::Day last_day, int period_days, std::uint64_t seed)
    : m_first(last_day - days{std::max(1, period_days) - 1}), m_last(last_day), m_seed(seed) {
  auto n = std::max(1, period_days);
  m_launch = m_first + days{n / 4};
  m_rename = m_first + days{n / 2};
  if (n >= 30) {
    m_outage_first = m_first + days{n * 6 / 10};
    m_outage_last = m_outage_first + days{k_outage_days - 1};
  } else {
    m_outage_first = m_last + days{1};
    m_outage_last = m_last;
  }

  auto history_first = m_first - days{14};
  for (int index = 0; index < k_repo_count; ++index) {
    Random random(m_seed * 0x2545f4914f6cdd1dULL + static_cast<std::uint64_t>(index) * 7919 + 1);
    MockRepo repo;
    repo.id = k_first_id + index;
    repo.owner = k_demo_owner;
    repo.name = k_names[index];
    repo.open_issues = 3 + random.below(20);
    for (auto day = history_first; day <= m_last; day += days{1}) {
      double progress =
          days_between(history_first, day) / std::max(1.0, days_between(history_first, m_last));
      double views = 0;
      double clones = 0;
      switch (index) {
        case k_busy:
          views = (220 + 90 * progress) * (weekend(day) ? 0.55 : 1.0) * noise(random, 15) +
                  spike(m_launch, day, 2600, 4);
          clones = (28 + 10 * progress) * (weekend(day) ? 0.5 : 1.0) * noise(random, 30) +
                   spike(m_launch, day, 180, 5);
          break;
        case k_quiet:
          views = random.chance(35) ? static_cast<double>(1 + random.below(6)) : 0;
          clones = random.chance(8) ? 1 : 0;
          break;
        case k_steady:
          views = (28 + 25 * progress) * (weekend(day) ? 0.6 : 1.0) * noise(random, 30);
          clones = random.chance(60) ? static_cast<double>(1 + random.below(5)) : 0;
          break;
        case k_outage:
          views = 75 * (weekend(day) ? 0.6 : 1.0) * noise(random, 25);
          clones = static_cast<double>(2 + random.below(6));
          break;
        case k_renamed:
          views =
              50 * (weekend(day) ? 0.6 : 1.0) * noise(random, 25) + spike(m_rename, day, 120, 5);
          clones = static_cast<double>(1 + random.below(4)) + spike(m_rename, day, 20, 5);
          break;
        default:
          break;
      }
      // GitHub leaves days without traffic out of its answers; the mock does the same
      // for a count of 0, so they need not be stored.
      if (auto v = day_count(day, views, random, 40); v.count > 0) {
        repo.views[day] = v;
      }
      if (auto c = day_count(day, clones, random, 55); c.count > 0) {
        repo.clones[day] = c;
      }
    }
    m_repos.push_back(std::move(repo));
  }
}

std::vector<std::string> DemoYear::repo_names() {
  std::vector<std::string> out;
  for (const char* name : k_names) {
    out.push_back(fmt::format("{}/{}", k_demo_owner, name));
  }
  return out;
}

void DemoYear::install(MockGitHub& github) const {
  for (const auto& repo : m_repos) {
    github.add_repo(repo);
  }
  advance(github, m_first);
}

void DemoYear::advance(MockGitHub& github, util::Day day) const {
  if (day >= m_rename && github.repo(renamed_from()) != nullptr) {
    github.rename_repo(renamed_from(), renamed_to());
  }
  auto window_first = day - days{13};
  for (int index = 0; index < k_repo_count; ++index) {
    const auto& source = m_repos[static_cast<std::size_t>(index)];
    auto name = index == k_renamed && day >= m_rename ? renamed_to() : source.full_name();
    auto* repo = github.repo(name);
    if (repo == nullptr) {
      throw std::logic_error("the demo's mock has no repository " + name);
    }

    // Counters follow the traffic: about one star per 150 views so far.
    auto seen = views_until(source, m_first - days{14}, day);
    static constexpr std::int64_t k_base_stars[k_repo_count] = {1200, 3, 85, 140, 60};
    repo->stars = k_base_stars[index] + seen / 150;
    repo->forks = repo->stars / 9;
    repo->watchers = 2 + repo->stars / 25;

    // Popular paths and referrers share out the window's views by weight, as GitHub's
    // top-10 lists over the same 14 days.
    auto window = views_until(source, window_first, day);
    auto share = [window](const std::vector<Weighted>& weights, double part) {
      double total = 0;
      for (const auto& w : weights) {
        total += w.weight;
      }
      std::vector<std::pair<std::int64_t, const Weighted*>> out;
      for (const auto& w : weights) {
        auto count =
            total <= 0
                ? 0
                : static_cast<std::int64_t>(static_cast<double>(window) * part * w.weight / total);
        if (count > 0) {
          out.emplace_back(count, &w);
        }
      }
      std::stable_sort(out.begin(), out.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      if (out.size() > 10) {
        out.resize(10);
      }
      return out;
    };
    auto paths = path_weights(index, *this, day);
    repo->paths.clear();
    for (const auto& [count, w] : share(paths, 0.9)) {
      repo->paths.push_back(core::PopularPath{"/" + name + w->key, w->title, count,
                                              std::max<std::int64_t>(1, count * 2 / 5)});
    }
    auto referrers = referrer_weights(index, *this, day);
    repo->referrers.clear();
    for (const auto& [count, w] : share(referrers, 0.45)) {
      repo->referrers.push_back(
          core::Referrer{w->key, count, std::max<std::int64_t>(1, count / 2)});
    }
  }
  github.set_now(util::Timestamp{day} + std::chrono::hours{6});
}

std::vector<core::RepoRef> DemoYear::schedule(util::Day day) const {
  std::vector<core::RepoRef> out;
  for (const auto& repo : m_repos) {
    if (repo.full_name() == outage_repo() && in_outage(day)) {
      continue;
    }
    out.push_back(core::RepoRef{repo.owner, repo.name});
  }
  return out;
}

}  // namespace ghtraffic::mock

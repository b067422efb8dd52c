#include "fill.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "ghtraffic/core/rules.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::bench {
namespace {

using std::chrono::days;

// Collections run at 03:10 UTC and see about this much of the day in progress; the next
// day's collection reports the whole day, so stored days grow once (R2) as in real use.
constexpr double k_partial_share = 0.13;
constexpr int k_first_collection_hour = 3;
constexpr int k_first_collection_minute = 10;

constexpr std::array k_paths = {
    "",
    "/blob/main/README.md",
    "/issues",
    "/pulls",
    "/releases",
    "/tree/main/src",
    "/blob/main/docs/guide.md",
    "/actions",
    "/wiki",
    "/discussions",
    "/blob/main/CHANGELOG.md",
    "/tree/main/examples",
};
constexpr std::array k_path_titles = {
    "",
    "README.md at main",
    "Issues",
    "Pull requests",
    "Releases",
    "src at main",
    "docs/guide.md at main",
    "Actions",
    "Home · Wiki",
    "Discussions",
    "CHANGELOG.md at main",
    "examples at main",
};
constexpr std::array k_referrers = {
    "github.com", "google.com",     "news.ycombinator.com", "reddit.com",
    "bing.com",   "duckduckgo.com", "stackoverflow.com",    "t.co",
    "dev.to",     "linkedin.com",   "medium.com",           "lobste.rs",
};

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A uniform number in [0, 1) that depends only on its arguments, so every collection
// reports the same figures for a day.
double unit(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t salt) {
  auto h = mix(seed ^ mix(a ^ mix(b ^ mix(salt))));
  return static_cast<double>(h >> 11) / static_cast<double>(1ULL << 53);
}

// Roughly normal, mean 0, standard deviation 1.
double normal(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t salt) {
  double sum = 0;
  for (std::uint64_t k = 0; k < 4; ++k) {
    sum += unit(seed, a, b, salt * 8 + k);
  }
  return (sum - 2.0) * std::sqrt(3.0);
}

struct Outage {
  int from = 0;  // first collection day missed (index from the first day of history)
  int to = 0;    // first collection day after it
};

struct Profile {
  int index = 0;
  std::string name;
  core::RepoId id = 0;
  double scale = 0;         // typical views a day
  double growth = 0;        // relative growth over the whole history
  double unique_share = 0;  // daily uniques / views
  double clone_share = 0;   // clones / views
  int born = 0;             // first day with traffic (index)
  std::vector<Outage> outages;
  std::int64_t base_stars = 0;
  std::string visibility;
  bool archived = false;
  bool fork = false;
};

Profile make_profile(const FillOptions& o, int index) {
  const auto r = static_cast<std::uint64_t>(index);
  Profile p;
  p.index = index;
  p.name = bench_repo_name(index);
  p.id = 7'000'000 + index;
  // Most repositories see a few views a day; a few see thousands.
  p.scale = std::exp(2.2 + 1.6 * normal(o.seed, r, 0, 1));
  p.growth = -0.3 + 1.5 * unit(o.seed, r, 0, 2);
  p.unique_share = 0.25 + 0.25 * unit(o.seed, r, 0, 3);
  p.clone_share = 0.03 + 0.2 * unit(o.seed, r, 0, 4);
  // Four in five are older than the history; the rest appear during it.
  p.born =
      unit(o.seed, r, 0, 5) < 0.8 ? 0 : static_cast<int>(unit(o.seed, r, 0, 6) * (o.days - 60));
  // Everyone's collector was down for three weeks once; some repositories failed longer.
  if (o.days > 500) {
    p.outages.push_back({o.days * 4 / 10, o.days * 4 / 10 + 21});
  }
  if (unit(o.seed, r, 0, 7) < 0.06) {
    int from =
        p.born + 20 + static_cast<int>(unit(o.seed, r, 0, 8) * std::max(o.days - p.born - 80, 1));
    p.outages.push_back({from, from + 16 + static_cast<int>(unit(o.seed, r, 0, 9) * 40)});
  }
  p.base_stars = static_cast<std::int64_t>(p.scale * (2 + 20 * unit(o.seed, r, 0, 10)));
  auto v = unit(o.seed, r, 0, 11);
  p.visibility = v < 0.9 ? "public" : v < 0.98 ? "private" : "internal";
  p.archived = unit(o.seed, r, 0, 12) < 0.03;
  p.fork = unit(o.seed, r, 0, 13) < 0.05;
  return p;
}

class History {
 public:
  History(const FillOptions& options, util::Day first) : m_o(options), m_first(first) {}

  util::Day day(int index) const { return m_first + days{index}; }

  std::int64_t views(const Profile& p, int d) const {
    if (d < p.born) {
      return 0;
    }
    const auto r = static_cast<std::uint64_t>(p.index);
    const auto du = static_cast<std::uint64_t>(d);
    auto weekday = std::chrono::weekday(day(d)).c_encoding();
    double weekly = weekday == 0 || weekday == 6 ? 0.6 : 1.0;
    double trend = 1.0 + p.growth * static_cast<double>(d) / m_o.days;
    double noise = std::exp(0.35 * normal(m_o.seed, r, du, 20));
    double spike = unit(m_o.seed, r, du, 21) < 0.004 ? 4 + 16 * unit(m_o.seed, r, du, 22) : 1;
    return std::llround(std::max(p.scale * weekly * trend * noise * spike, 0.0));
  }

  core::DayCount views_day(const Profile& p, int d) const {
    auto count = views(p, d);
    return {day(d), count, unique_of(p, d, count, p.unique_share, 23)};
  }

  core::DayCount clones_day(const Profile& p, int d) const {
    if (d < p.born) {
      return {day(d), 0, 0};
    }
    const auto r = static_cast<std::uint64_t>(p.index);
    double noise = std::exp(0.6 * normal(m_o.seed, r, static_cast<std::uint64_t>(d), 24));
    auto count = std::llround(static_cast<double>(views(p, d)) * p.clone_share * noise);
    return {day(d), count, unique_of(p, d, count, 0.5, 25)};
  }

  // The views or clones window a collection on day c sees: c-14 .. c, day c in progress.
  core::TrafficWindow window(const Profile& p, int c, core::TrafficKind kind,
                             util::Timestamp observed_at) const {
    core::TrafficWindow w;
    w.kind = kind;
    w.observed_at = observed_at;
    for (int d = c - (core::k_window_days - 1); d <= c; ++d) {
      if (d < 0) {
        continue;
      }
      auto figures = kind == core::TrafficKind::views ? views_day(p, d) : clones_day(p, d);
      if (d == c) {
        figures.count = std::llround(static_cast<double>(figures.count) * k_partial_share);
        figures.uniques = std::min(figures.uniques.value_or(0), figures.count);
      }
      w.count += figures.count;
      w.uniques += figures.uniques.value_or(0);
      if (figures.count > 0) {
        w.days.push_back(figures);  // GitHub leaves out days without traffic
      }
    }
    // Uniques over 14 days are de-duplicated: fewer than the daily ones added up.
    w.uniques = std::llround(static_cast<double>(w.uniques) * 0.8);
    return w;
  }

  core::PathSnapshot paths(const Profile& p, int c, std::int64_t window_views,
                           util::Timestamp observed_at) const {
    core::PathSnapshot s{observed_at, {}};
    for (std::size_t k = 0; k < k_paths.size(); ++k) {
      auto count = share_of(p, c, k, window_views, 30);
      if (count > 0) {
        s.entries.push_back({"/" + p.name + k_paths[k],
                             k == 0 ? "GitHub - " + p.name + ": a synthetic repository"
                                    : std::string(k_path_titles[k]) + " · " + p.name,
                             count, std::max<std::int64_t>(1, count * 2 / 5)});
      }
    }
    top10(s.entries);
    return s;
  }

  core::ReferrerSnapshot referrers(const Profile& p, int c, std::int64_t window_views,
                                   util::Timestamp observed_at) const {
    core::ReferrerSnapshot s{observed_at, {}};
    for (std::size_t k = 0; k < k_referrers.size(); ++k) {
      auto count = share_of(p, c, k, window_views / 3, 31);
      if (count > 0) {
        s.entries.push_back({k_referrers[k], count, std::max<std::int64_t>(1, count / 3)});
      }
    }
    top10(s.entries);
    return s;
  }

  core::RepoMeta meta(const Profile& p, int c) const {
    core::RepoMeta m;
    m.id = p.id;
    m.full_name = p.name;
    auto age = static_cast<double>(std::max(c - p.born, 0));
    m.stars = p.base_stars + std::llround(p.scale * 0.02 * age);
    m.forks = m.stars / 8;
    m.watchers = m.stars / 25 + 1;
    m.open_issues = std::llround(5 + 20 * unit(m_o.seed, static_cast<std::uint64_t>(p.index),
                                               static_cast<std::uint64_t>(c / 7), 32));
    m.visibility = p.visibility;
    m.archived = p.archived;
    m.fork = p.fork;
    return m;
  }

 private:
  std::int64_t unique_of(const Profile& p, int d, std::int64_t count, double share,
                         std::uint64_t salt) const {
    if (count == 0) {
      return 0;
    }
    double u = share * (0.8 + 0.4 * unit(m_o.seed, static_cast<std::uint64_t>(p.index),
                                         static_cast<std::uint64_t>(d), salt));
    return std::clamp<std::int64_t>(std::llround(static_cast<double>(count) * u), 1, count);
  }

  // Entry k's part of a 14-day total: Zipf-like, drifting week by week.
  std::int64_t share_of(const Profile& p, int c, std::size_t k, std::int64_t total,
                        std::uint64_t salt) const {
    double weight = 1.0 / std::pow(static_cast<double>(k) + 1.0, 1.2);
    double drift = 0.5 + unit(m_o.seed, static_cast<std::uint64_t>(p.index),
                              static_cast<std::uint64_t>(c / 7) * 16 + k, salt);
    return std::llround(static_cast<double>(total) * 0.45 * weight * drift);
  }

  template <typename Entry>
  static void top10(std::vector<Entry>& entries) {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.count > b.count; });
    if (entries.size() > 10) {
      entries.resize(10);
    }
  }

  const FillOptions& m_o;
  util::Day m_first;
};

bool collected_on(const FillOptions& o, const Profile& p, int c) {
  if (c < p.born + core::k_window_days - 1) {
    return false;  // first collected when its first 15 days are in GitHub's window
  }
  if ((o.days - 1 - c) % o.every_days != 0) {
    return false;
  }
  return std::none_of(p.outages.begin(), p.outages.end(),
                      [c](const Outage& out) { return c >= out.from && c < out.to; });
}

}  // namespace

std::string bench_repo_name(int index) {
  return fmt::format("bench/repo-{:04}", index);
}

FillStats fill_store(const FillOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  auto store = store::make_store(o.store_url);
  const auto first = o.last_day - days{o.days - 1};
  History history(o, first);
  std::vector<Profile> profiles;
  profiles.reserve(static_cast<std::size_t>(o.repos));
  for (int i = 0; i < o.repos; ++i) {
    profiles.push_back(make_profile(o, i));
  }

  FillStats stats;
  const auto collection_time =
      std::chrono::hours(k_first_collection_hour) + std::chrono::minutes(k_first_collection_minute);
  for (int c = core::k_window_days - 1; c < o.days; ++c) {
    const util::Timestamp run_start{history.day(c) + collection_time};
    std::int64_t run_id = 0;
    int ok = 0;
    for (const auto& p : profiles) {
      if (!collected_on(o, p, c)) {
        continue;
      }
      if (ok == 0) {
        run_id = store->begin_run(run_start);
        ++stats.runs;
      }
      // A collection takes a while: about 50 repositories a second.
      const util::Timestamp at = run_start + std::chrono::seconds(p.index / 50);
      core::RepoObservation obs;
      obs.meta = history.meta(p, c);
      obs.observed_at = at;
      obs.names = {p.name};
      obs.views = history.window(p, c, core::TrafficKind::views, at);
      obs.clones = history.window(p, c, core::TrafficKind::clones, at);
      obs.paths = history.paths(p, c, obs.views->count, at);
      obs.referrers = history.referrers(p, c, obs.views->count, at);
      store->commit(obs);
      ++stats.commits;
      ++ok;
    }
    if (ok > 0) {
      store->finish_run(run_id, run_start + std::chrono::seconds(o.repos / 50 + 1), ok, 0);
    }
    if ((c + 1) % 60 == 0 || c + 1 == o.days) {
      auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
      fmt::print(stderr, "  fill: day {}/{}, {} commits, {:.0f} s\n", c + 1, o.days, stats.commits,
                 elapsed.count());
    }
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return stats;
}

}  // namespace ghtraffic::bench

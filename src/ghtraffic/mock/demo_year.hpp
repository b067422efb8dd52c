// The simulated history `ghtraffic demo` collects: a handful of repositories of one
// owner over a period of days (a year by default), the same for the same seed. The mock
// answers for any simulated day; the demo moves it through the period one day at a time
// and collects each day as a daily schedule would.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/mock/mock_github.hpp"
#include "ghtraffic/util/date.hpp"

namespace ghtraffic::mock {

inline constexpr std::uint64_t k_demo_seed = 20240501;
inline constexpr const char* k_demo_owner = "octo-demo";

// The repositories and what happens to them:
// - octo-demo/busy: hundreds of views a day with a weekly rhythm, a launch spike a quarter
//   into the period, referrers and popular paths that change with it;
// - octo-demo/quiet: a few views, many days without any;
// - octo-demo/steady: a modest, slowly growing project;
// - octo-demo/outage: left out of the schedule for k_outage_days days (from 60% of the
//   period, when it is at least 30 days long), longer than GitHub's 14-day window, so
//   days remain that no collection covered: a gap, never a 0;
// - octo-demo/old-name: renamed to octo-demo/new-name halfway through the period; the
//   schedule keeps asking for the old name, which the mock answers with a 301 (R8: one
//   history under the new name, both names recorded).
// Stars, forks and watchers grow over the period.
class DemoYear {
 public:
  static constexpr int k_outage_days = 20;

  // The period: `days` days ending on `last_day`. History starts 14 days earlier, so the
  // first collection finds a full window.
  DemoYear(util::Day last_day, int days, std::uint64_t seed = k_demo_seed);

  util::Day first_day() const { return m_first; }
  util::Day last_day() const { return m_last; }
  util::Day launch_day() const { return m_launch; }
  util::Day rename_day() const { return m_rename; }
  // [first, last] of the days the outage repository is not collected; first > last when
  // the period is too short for one.
  util::Day outage_first() const { return m_outage_first; }
  util::Day outage_last() const { return m_outage_last; }
  bool in_outage(util::Day day) const { return day >= m_outage_first && day <= m_outage_last; }

  // Adds every repository with its whole daily history to the mock, under the names it
  // has on the first day.
  void install(MockGitHub& github) const;
  // Moves the mock to `day` (the simulated time is that day at 06:00 UTC, the time of the
  // schedule): counters, popular paths and referrers as of that day, and the rename once
  // its day has come. Days must be visited in order; call it between collections only.
  void advance(MockGitHub& github, util::Day day) const;
  // The repositories the schedule collects on `day`, as they are configured: by the names
  // they had on the first day, without the outage repository on its outage days.
  std::vector<core::RepoRef> schedule(util::Day day) const;

  // The names, for the demo's messages and the tests.
  static std::vector<std::string> repo_names();
  static std::string renamed_from() { return std::string(k_demo_owner) + "/old-name"; }
  static std::string renamed_to() { return std::string(k_demo_owner) + "/new-name"; }
  static std::string outage_repo() { return std::string(k_demo_owner) + "/outage"; }

 private:
  util::Day m_first;
  util::Day m_last;
  util::Day m_launch;
  util::Day m_rename;
  util::Day m_outage_first;
  util::Day m_outage_last;
  std::uint64_t m_seed;
  std::vector<MockRepo> m_repos;  // the full history, as generated
};

}  // namespace ghtraffic::mock

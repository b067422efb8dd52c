// Shared by the export and show tests: an in-memory Store that applies the data rules
// through core/rules (a stand-in where no real backend is wanted), the fixed scenario the
// golden files were made from, a temporary folder, and a golden-file comparison that
// prints a unified diff (GHTRAFFIC_UPDATE_GOLDEN=1 rewrites the golden files instead).
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "ghtraffic/core/rules.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/strings.hpp"

namespace export_test {

using namespace ghtraffic;
namespace fs = std::filesystem;

inline util::Day day(const char* text) {
  return *util::parse_day(text);
}
inline util::Timestamp at(const char* text) {
  return *util::parse_iso8601(text);
}

class FakeStore final : public store::Store {
 public:
  std::string describe() const override { return "fake:memory"; }

  store::CommitResult commit(const core::RepoObservation& observation) override {
    auto& repo = m_repos[observation.meta.id];
    auto& record = repo.record;
    record.id = observation.meta.id;
    record.full_name = observation.meta.full_name;
    record.visibility = observation.meta.visibility;
    record.archived = observation.meta.archived;
    record.fork = observation.meta.fork;
    record.last_collected = observation.observed_at;
    auto names = observation.names;
    names.push_back(observation.meta.full_name);
    for (const auto& name : names) {
      if (std::find(record.names.begin(), record.names.end(), name) == record.names.end()) {
        record.names.push_back(name);
      }
    }
    store::CommitResult result;
    result.repo_id = record.id;
    for (const auto* window : {&observation.views, &observation.clones}) {
      if (!*window) {
        continue;
      }
      auto& stored = (*window)->kind == core::TrafficKind::views ? repo.views : repo.clones;
      auto outcome = core::merge_days(stored, core::covered_days(**window));
      for (const auto& d : outcome.to_write) {
        stored[d.day] = d;
      }
      result.new_days += outcome.new_days;
      result.grown_days += outcome.grown_days;
      repo.windows.push_back(
          {(*window)->kind, (*window)->observed_at, (*window)->count, (*window)->uniques});
    }
    if (observation.paths) {
      keep_latest(repo.paths, *observation.paths);
    }
    if (observation.referrers) {
      keep_latest(repo.referrers, *observation.referrers);
    }
    core::CounterSnapshot counters{observation.observed_at, observation.meta.stars,
                                   observation.meta.forks, observation.meta.watchers,
                                   observation.meta.open_issues};
    keep_latest(repo.counters, counters);
    if (observation.downloads) {
      auto& day = repo.downloads[util::day_of(observation.downloads->observed_at)];
      if (day.observed_at <= observation.downloads->observed_at) {
        day = *observation.downloads;
      }
    }
    record.first_day.reset();
    record.last_day.reset();
    for (const auto* days : {&repo.views, &repo.clones}) {
      if (!days->empty()) {
        auto first = days->begin()->first;
        auto last = days->rbegin()->first;
        record.first_day = record.first_day ? std::min(*record.first_day, first) : first;
        record.last_day = record.last_day ? std::max(*record.last_day, last) : last;
      }
    }
    std::set<util::Day> days_stored;
    for (const auto* days : {&repo.views, &repo.clones}) {
      for (const auto& [day, count] : *days) {
        days_stored.insert(day);
      }
    }
    result.days_stored = static_cast<int>(days_stored.size());
    return result;
  }

  std::optional<core::CachedResponse> cached_response(const std::string&) override { return {}; }

  std::int64_t begin_run(util::Timestamp) override { return 1; }
  void finish_run(std::int64_t, util::Timestamp, int, int) override {}
  void record_attempt(const store::RepoAttempt&) override {}

  std::vector<store::RepoRecord> repositories() override {
    std::vector<store::RepoRecord> out;
    for (const auto& [id, repo] : m_repos) {
      out.push_back(repo.record);
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.full_name < b.full_name; });
    return out;
  }

  std::vector<store::DayRecord> days(core::RepoId id, core::TrafficKind kind,
                                     const store::DayRange& range = {}) override {
    std::vector<store::DayRecord> out;
    auto& repo = m_repos.at(id);
    for (const auto& [d, value] : kind == core::TrafficKind::views ? repo.views : repo.clones) {
      if (in(range, d)) {
        out.push_back(value);
      }
    }
    return out;
  }

  std::vector<store::WindowRecord> windows(core::RepoId id) override {
    auto out = m_repos.at(id).windows;
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.observed_at != b.observed_at ? a.observed_at < b.observed_at : a.kind < b.kind;
    });
    return out;  // by time, then kind, as Store::windows promises
  }

  std::vector<core::PathSnapshot> path_snapshots(core::RepoId id,
                                                 const store::DayRange& range = {}) override {
    return values(m_repos.at(id).paths, range);
  }

  std::vector<core::ReferrerSnapshot> referrer_snapshots(
      core::RepoId id, const store::DayRange& range = {}) override {
    return values(m_repos.at(id).referrers, range);
  }

  std::vector<core::CounterSnapshot> counters(core::RepoId id,
                                              const store::DayRange& range = {}) override {
    return values(m_repos.at(id).counters, range);
  }

  std::vector<core::RepoEvent> events(core::RepoId) override { return {}; }

  store::BackfillResult commit_backfill(const core::Backfill& backfill) override {
    store::BackfillResult result;
    auto& repo = m_repos.at(backfill.id);
    for (auto [stored, counts] : {std::pair{&repo.star_history, &backfill.stars},
                                  std::pair{&repo.fork_history, &backfill.forks}}) {
      for (const auto& count : *counts) {
        auto [it, inserted] = stored->try_emplace(count.day, count.count);
        result.new_days += inserted ? 1 : 0;
        if (!inserted && it->second < count.count) {
          it->second = count.count;
          ++result.grown_days;
        }
      }
    }
    for (const auto& state : backfill.states) {
      repo.backfill[state.kind] = state;
    }
    return result;
  }

  std::optional<core::BackfillState> backfill_state(core::RepoId id,
                                                    core::CountKind kind) override {
    const auto& states = m_repos.at(id).backfill;
    auto it = states.find(kind);
    return it == states.end() ? std::nullopt : std::optional(it->second);
  }

  std::vector<core::HistoryCount> history_counts(core::RepoId id, core::CountKind kind,
                                                 const store::DayRange& range = {}) override {
    std::vector<core::HistoryCount> out;
    const auto& repo = m_repos.at(id);
    for (const auto& [d, count] :
         kind == core::CountKind::stars ? repo.star_history : repo.fork_history) {
      if (in(range, d)) {
        out.push_back({d, count});
      }
    }
    return out;
  }

  std::vector<core::DownloadSnapshot> downloads(core::RepoId id,
                                                const store::DayRange& range = {}) override {
    auto out = values(m_repos.at(id).downloads, range);
    for (auto& snapshot : out) {
      std::sort(snapshot.assets.begin(), snapshot.assets.end(), [](const auto& a, const auto& b) {
        return std::tie(a.release, a.asset) < std::tie(b.release, b.asset);
      });
    }
    return out;
  }
  std::optional<store::RunRecord> last_run() override { return std::nullopt; }
  std::vector<store::RepoAttempt> attempts() override { return {}; }

 private:
  struct Repo {
    store::RepoRecord record;
    std::map<util::Day, core::DayCount> views;
    std::map<util::Day, core::DayCount> clones;
    std::vector<store::WindowRecord> windows;
    std::map<util::Day, core::PathSnapshot> paths;
    std::map<util::Day, core::ReferrerSnapshot> referrers;
    std::map<util::Day, core::CounterSnapshot> counters;
    std::map<util::Day, std::int64_t> star_history;
    std::map<util::Day, std::int64_t> fork_history;
    std::map<util::Day, core::DownloadSnapshot> downloads;
    std::map<core::CountKind, core::BackfillState> backfill;
  };

  static bool in(const store::DayRange& range, util::Day d) {
    return (!range.from || d >= *range.from) && (!range.to || d <= *range.to);
  }

  template <typename Snapshot>
  static void keep_latest(std::map<util::Day, Snapshot>& by_day, const Snapshot& snapshot) {
    auto [it, inserted] = by_day.emplace(util::day_of(snapshot.observed_at), snapshot);
    if (!inserted && it->second.observed_at <= snapshot.observed_at) {
      it->second = snapshot;
    }
  }

  template <typename Snapshot>
  static std::vector<Snapshot> values(const std::map<util::Day, Snapshot>& by_day,
                                      const store::DayRange& range) {
    std::vector<Snapshot> out;
    for (const auto& [d, snapshot] : by_day) {
      if (in(range, d)) {
        out.push_back(snapshot);
      }
    }
    return out;
  }

  std::map<core::RepoId, Repo> m_repos;
};

// --- the scenario ---
//
// octo-org/alpha (id 1001), called octo-org/alpha-old until it was renamed:
//   2026-02-20 views and clones cover 02-06..02-20; 02-10 had no traffic (a covered zero)
//   2026-02-21 clones only (views failed that day): 02-21 is covered for clones only
//   gap 2026-02-21..03-05 for views, 2026-02-22..03-05 for clones
//   2026-03-20 views and clones cover 03-06..03-20, under the new name
//   path and referrer snapshots on 02-20 and 03-20; counters on 02-20, 02-21, 03-20
//   star history 02-17..02-21 (the snapshots of 02-20 and 02-21 are the truth on their
//   days), fork history 02-18..02-19; download snapshots on 02-20 and 03-20, one asset name
//   with a comma and quotes; the star backfill cut off at page 400 (a note with commas), the
//   fork backfill in progress
// octo-org/beta (id 2002): one observation on 2026-03-01 covering 02-15..03-01, with
//   hostile titles and referrers (HTML, a comma and quotes, a formula, a line break).
// Views on day d of a month are 10+d (uniques 2 + d%5); clones d%4+1 (uniques 1).

inline unsigned dom(util::Day d) {
  return static_cast<unsigned>(std::chrono::year_month_day{d}.day());
}

inline core::TrafficWindow scenario_window(core::TrafficKind kind, const char* observed_at,
                                           std::int64_t uniques,
                                           const std::vector<const char*>& skip = {},
                                           const std::vector<const char*>& only = {}) {
  core::TrafficWindow window;
  window.kind = kind;
  window.observed_at = at(observed_at);
  window.uniques = uniques;
  auto last = core::last_covered_day(window.observed_at);
  for (auto d = core::first_covered_day(window.observed_at); d <= last; d += std::chrono::days{1}) {
    auto text = util::format_day(d);
    auto listed = [&](const std::vector<const char*>& list) {
      return std::any_of(list.begin(), list.end(), [&](const char* s) { return text == s; });
    };
    if (listed(skip) || (!only.empty() && !listed(only))) {
      continue;
    }
    auto n = static_cast<std::int64_t>(dom(d));
    core::DayCount bucket = kind == core::TrafficKind::views ? core::DayCount{d, 10 + n, 2 + n % 5}
                                                             : core::DayCount{d, n % 4 + 1, 1};
    window.days.push_back(bucket);
    window.count += bucket.count;
  }
  return window;
}

inline core::RepoObservation scenario_observation(core::RepoId id, const char* full_name,
                                                  const char* observed_at, std::int64_t stars,
                                                  std::int64_t forks) {
  core::RepoObservation o;
  o.meta.id = id;
  o.meta.full_name = full_name;
  o.meta.stars = stars;
  o.meta.forks = forks;
  o.meta.visibility = "public";
  o.observed_at = at(observed_at);
  o.names = {full_name};
  return o;
}

inline void fill_scenario(store::Store& store) {
  using core::TrafficKind;
  {
    auto o = scenario_observation(1001, "octo-org/alpha-old", "2026-02-20T10:00:00Z", 10, 2);
    o.views = scenario_window(TrafficKind::views, "2026-02-20T10:00:00Z", 75, {"2026-02-10"});
    o.clones = scenario_window(TrafficKind::clones, "2026-02-20T10:00:05Z", 9, {"2026-02-10"});
    o.paths = core::PathSnapshot{at("2026-02-20T10:00:10Z"),
                                 {{"/octo-org/alpha-old", "Alpha (old)", 50, 20},
                                  {"/octo-org/alpha-old/issues", "Issues", 10, 5}}};
    o.referrers = core::ReferrerSnapshot{at("2026-02-20T10:00:12Z"),
                                         {{"github.com", 30, 12}, {"news.ycombinator.com", 12, 9}}};
    o.downloads =
        core::DownloadSnapshot{at("2026-02-20T10:00:00Z"), {{"v1.0", "alpha.tar.gz", 100}}};
    store.commit(o);
  }
  {
    auto o = scenario_observation(1001, "octo-org/alpha-old", "2026-02-21T08:00:00Z", 11, 2);
    o.clones = scenario_window(TrafficKind::clones, "2026-02-21T08:00:00Z", 8, {"2026-02-10"});
    store.commit(o);
  }
  {
    auto o = scenario_observation(1001, "octo-org/alpha", "2026-03-20T09:30:00Z", 1234, 3);
    o.names = {"octo-org/alpha-old", "octo-org/alpha"};
    o.views = scenario_window(TrafficKind::views, "2026-03-20T09:30:00Z", 61);
    o.clones = scenario_window(TrafficKind::clones, "2026-03-20T09:30:02Z", 7);
    o.paths = core::PathSnapshot{
        at("2026-03-20T09:30:04Z"),
        {{"/octo-org/alpha", "GitHub - octo-org/alpha", 120, 44},
         {"/octo-org/alpha/blob/main/README.md", "alpha/README.md at main", 30, 18},
         {"/octo-org/alpha/issues", "Issues · octo-org/alpha", 22, 10},
         {"/octo-org/alpha/pulls", "Pull requests · octo-org/alpha", 15, 8},
         {"/octo-org/alpha/releases", "Releases · octo-org/alpha", 9, 7},
         {"/octo-org/alpha/wiki", "Home · octo-org/alpha Wiki", 4, 3}}};
    o.referrers = core::ReferrerSnapshot{at("2026-03-20T09:30:06Z"),
                                         {{"github.com", 80, 30}, {"google.com", 20, 11}}};
    o.downloads =
        core::DownloadSnapshot{at("2026-03-20T09:30:00Z"),
                               {{"v1.0", "alpha.tar.gz", 180}, {"v1.1", "alpha, \"full\".zip", 7}}};
    store.commit(o);
    core::Backfill backfill{1001, "octo-org/alpha", {}, {}, {}};
    for (auto [text, count] :
         {std::pair{"2026-02-17", 7}, std::pair{"2026-02-18", 8}, std::pair{"2026-02-19", 9},
          std::pair{"2026-02-20", 9}, std::pair{"2026-02-21", 10}}) {
      backfill.stars.push_back({day(text), count});
    }
    backfill.forks = {{day("2026-02-18"), 1}, {day("2026-02-19"), 2}};
    core::BackfillState stars;
    stars.kind = core::CountKind::stars;
    stars.source = "stargazers";
    stars.next_url = "https://api.github.com/repositories/1001/stargazers?per_page=100&page=400";
    stars.next_position = 39900;
    stars.through_day = day("2026-02-19");
    stars.complete = true;
    stars.approximate_from = day("2026-02-20");
    stars.note =
        "stars of octo-org/alpha: GitHub lists only the first 400 pages, so the stars history "
        "ends on 2026-02-19; from 2026-02-20 on only the daily snapshots of collections are "
        "known";
    stars.updated_at = at("2026-03-20T09:31:00Z");
    core::BackfillState forks;
    forks.kind = core::CountKind::forks;
    forks.source = "forks";
    forks.next_url = "https://api.github.com/repositories/1001/forks?sort=oldest&page=2";
    forks.next_position = 100;
    forks.through_day = day("2026-02-18");
    forks.updated_at = at("2026-03-20T09:31:05Z");
    backfill.states = {stars, forks};
    store.commit_backfill(backfill);
  }
  {
    auto o = scenario_observation(2002, "octo-org/beta", "2026-03-01T12:00:00Z", 3, 0);
    o.views = scenario_window(TrafficKind::views, "2026-03-01T12:00:00Z", 6, {},
                              {"2026-02-20", "2026-02-25", "2026-03-01"});
    o.clones = scenario_window(TrafficKind::clones, "2026-03-01T12:00:01Z", 1, {}, {"2026-02-25"});
    o.paths = core::PathSnapshot{
        at("2026-03-01T12:00:02Z"),
        {{"/octo-org/beta", "<img src=x onerror=alert(1)>", 9, 4},
         {"/octo-org/beta/wiki", "Say \"hi\", world", 5, 3},
         {"/octo-org/beta/issues/1", "=HYPERLINK(\"http://evil.example\",\"click\")", 3, 2},
         {"/octo-org/beta/pull/2", "line one\nline two", 1, 1}}};
    o.referrers = core::ReferrerSnapshot{at("2026-03-01T12:00:03Z"),
                                         {{"github.com", 7, 3}, {"@evil.example", 2, 1}}};
    store.commit(o);
  }
}

// --- files ---

class TempDir {
 public:
  TempDir() {
    static std::atomic<unsigned> counter{0};
    m_path = fs::temp_directory_path() /
             fmt::format("ghtraffic-export-test-{}-{}", ::getpid(), counter++);
    fs::remove_all(m_path);
    fs::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
}

// Every regular file under root, by relative path with '/' separators.
inline std::map<std::string, std::string> read_tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  if (!fs::exists(root)) {
    return files;
  }
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) {
      files[fs::relative(entry.path(), root).generic_string()] = read_file(entry.path());
    }
  }
  return files;
}

inline std::string run_diff(const fs::path& expected, const fs::path& actual) {
  auto command = fmt::format("diff -u '{}' '{}' 2>&1", expected.string(), actual.string());
  std::string output;
  if (auto* pipe = ::popen(command.c_str(), "r")) {
    std::array<char, 4096> buffer{};
    size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
      output.append(buffer.data(), n);
    }
    ::pclose(pipe);
  }
  return output;
}

inline fs::path golden_root() {
  return fs::path(GHTRAFFIC_SOURCE_DIR) / "tests/golden/export";
}

inline bool updating_golden() {
  const char* update = std::getenv("GHTRAFFIC_UPDATE_GOLDEN");
  return update != nullptr && std::string(update) == "1";
}

// Compares the tree under actual_root with tests/golden/export/<name>, file by file.
inline void expect_golden_tree(const fs::path& actual_root, const std::string& name) {
  auto golden = golden_root() / name;
  auto actual = read_tree(actual_root);
  if (updating_golden()) {
    fs::remove_all(golden);
    for (const auto& [path, content] : actual) {
      write_file(golden / path, content);
    }
    return;
  }
  auto expected = read_tree(golden);
  ASSERT_FALSE(expected.empty()) << "no golden files in " << golden
                                 << "; run with GHTRAFFIC_UPDATE_GOLDEN=1 to create them";
  for (const auto& [path, content] : expected) {
    auto it = actual.find(path);
    if (it == actual.end()) {
      ADD_FAILURE() << "export did not write " << path;
      continue;
    }
    if (it->second != content) {
      ADD_FAILURE() << "golden mismatch in " << name << "/" << path << ":\n"
                    << run_diff(golden / path, actual_root / path);
    }
  }
  for (const auto& [path, content] : actual) {
    if (!expected.contains(path)) {
      ADD_FAILURE() << "export wrote " << path << ", which has no golden file in " << golden;
    }
  }
}

// Compares one text with tests/golden/export/<name>.
inline void expect_golden_text(const std::string& text, const std::string& name) {
  auto golden = golden_root() / name;
  if (updating_golden()) {
    write_file(golden, text);
    return;
  }
  ASSERT_TRUE(fs::exists(golden)) << "no golden file " << golden
                                  << "; run with GHTRAFFIC_UPDATE_GOLDEN=1 to create it";
  auto expected = read_file(golden);
  if (expected != text) {
    TempDir temp;
    write_file(temp.path() / "actual", text);
    ADD_FAILURE() << "golden mismatch in " << name << ":\n"
                  << run_diff(golden, temp.path() / "actual");
  }
}

}  // namespace export_test

namespace export_test {

// The backends the golden tests run on; each must give the same files.
inline std::vector<std::string> backends() {
  return {"sqlite", "fake"};
}

inline std::unique_ptr<store::Store> make_test_store(const std::string& backend,
                                                     const fs::path& folder) {
  if (backend == "fake") {
    return std::make_unique<FakeStore>();
  }
  if (backend == "sqlite") {
    return store::make_store("sqlite:" + (folder / "ghtraffic.db").string());
  }
  throw std::invalid_argument("unknown test backend " + backend);
}

inline std::unique_ptr<store::Store> make_scenario_store(const std::string& backend,
                                                         const fs::path& folder) {
  auto store = make_test_store(backend, folder);
  fill_scenario(*store);
  return store;
}

}  // namespace export_test

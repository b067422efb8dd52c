#include "scenario.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "child.hpp"

namespace ghtraffic::bench {
namespace {

using namespace std::chrono_literals;

constexpr const char* k_owner = "bench";
constexpr std::uint64_t k_seed = 20261128;
// Days of synthetic history per repository: the 15-bucket window plus a few days before.
constexpr int k_history_days = 20;

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}
double seconds(std::chrono::microseconds d) {
  return std::chrono::duration<double>(d).count();
}

double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

// A mock GitHub server loaded with the scenario's repositories, and the folder of the
// store that collections against it write.
struct Environment {
  std::unique_ptr<mock::MockGitHub> github;
  std::filesystem::path dir;
  // A warm run keeps the server of the run before it: the URLs, and so the cached
  // responses' keys, stay the same.
  bool started = false;
};

Environment make_environment(const Scenario& s, const RunOptions& options) {
  Environment env;
  auto pattern =
      (std::filesystem::path(options.scratch_root) / ("ghtraffic-bench-" + s.name + "-XXXXXX"))
          .string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(
        fmt::format("could not create a scratch folder under {}", options.scratch_root));
  }
  env.dir = pattern;
  env.github = std::make_unique<mock::MockGitHub>();
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  mock::add_synthetic_repos(*env.github, k_owner, s.repos,
                            today - std::chrono::days(k_history_days - 1), today, k_seed);
  return env;
}

void configure(mock::MockGitHub& github, const Scenario& s) {
  github.set_token("bench");
  github.set_latency(s.latency);
  github.set_max_per_minute(s.mock_max_per_minute);
  github.set_max_graphql_per_minute(0);
  github.set_max_in_flight(0);
  if (s.github_limits) {
    github.enforce_github_secondary_limits();
  }
  github.set_threads(s.effective_concurrency() + 8);
}

std::vector<std::string> collect_argv(const Scenario& s, const RunOptions& options,
                                      const std::string& api_url,
                                      const std::filesystem::path& dir) {
  std::vector<std::string> argv{
      s.before ? options.before_binary : options.binary, "collect", "--api-url", api_url, "--store",
      "sqlite:" + (dir / "bench.db").string(),           "--quiet", "--json"};
  if (s.concurrency) {
    argv.insert(argv.end(), {"--concurrency", std::to_string(*s.concurrency)});
  }
  if (s.max_per_minute) {
    argv.insert(argv.end(), {"--max-per-minute", std::to_string(*s.max_per_minute)});
  }
  if (s.by_owner) {
    argv.insert(argv.end(), {"--owner", k_owner});
  } else {
    for (int i = 0; i < s.repos; ++i) {
      argv.push_back(fmt::format("{}/repo-{}", k_owner, i));
    }
  }
  return argv;
}

std::vector<std::string> child_env(const std::filesystem::path& dir) {
  const char* path = std::getenv("PATH");
  return {
      "PATH=" + std::string(path != nullptr ? path : "/usr/bin:/bin"),
      "HOME=" + dir.string(),
      "XDG_CONFIG_HOME=" + (dir / "config").string(),
      "XDG_DATA_HOME=" + (dir / "data").string(),
      "GITHUB_TOKEN=bench",
  };
}

void read_summary(Measurement& m, const ChildRun& run) {
  auto first_line = [](const std::string& text) {
    auto end = text.find('\n');
    return text.substr(0, end);
  };
  if (!run.err.empty()) {
    m.child_error = first_line(run.err);
  }
  auto doc = nlohmann::json::parse(run.out, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    if (m.child_error.empty()) {
      m.child_error = "the child printed no JSON summary";
    }
    return;
  }
  m.collected = doc.value("collected", 0);
  m.failed = doc.value("failed", 0);
  m.client_requests = doc.value("requests", std::int64_t{0});
  m.client_not_modified = doc.value("not_modified", std::int64_t{0});
  m.client_secondary_limited = doc.value("secondary_limited", std::int64_t{0});
  if (m.child_error.empty() && doc.contains("errors") && doc["errors"].is_array() &&
      !doc["errors"].empty()) {
    m.child_error = doc["errors"][0].get<std::string>();
  }
  if (m.child_error.empty() && doc.contains("repos") && doc["repos"].is_array()) {
    for (const auto& r : doc["repos"]) {
      if (!r.value("ok", true)) {
        m.child_error = r.value("repo", std::string()) + ": " + r.value("error", std::string());
        break;
      }
    }
  }
}

std::int64_t store_size(const std::filesystem::path& dir) {
  std::int64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec) && entry.path().filename().string().starts_with("bench.db")) {
      total += static_cast<std::int64_t>(entry.file_size(ec));
    }
  }
  return total;
}

void add_goal(Measurement& m, std::string what, double measured, bool met) {
  m.goals.push_back(Goal{std::move(what), measured, met});
}

void judge(Measurement& m) {
  const auto& s = m.scenario;
  add_goal(m, fmt::format("every repository collected ({})", s.repos), m.collected,
           m.collected == s.repos && m.failed == 0 && m.exit_code == 0);
  if (!s.check_goals) {
    return;
  }
  if (s.ideal == Ideal::latency) {
    add_goal(m, "API requests per repository <= 4.01", m.requests_per_repo(),
             m.requests_per_repo() <= 4.01);
    add_goal(m, "wall time / ideal <= 1.15", m.wall_over_ideal(), m.wall_over_ideal() <= 1.15);
    add_goal(m, "CPU ms per repository < 1", m.cpu_ms_per_repo(), m.cpu_ms_per_repo() < 1.0);
    add_goal(m, "peak RSS MB < 64", m.peak_rss_mb, m.peak_rss_mb < 64.0);
  } else if (s.ideal == Ideal::window) {
    add_goal(m, "API requests per repository <= 4.01", m.requests_per_repo(),
             m.requests_per_repo() <= 4.01);
    add_goal(m, "wall time / ideal <= 1.15", m.wall_over_ideal(), m.wall_over_ideal() <= 1.15);
    add_goal(m, "secondary-limit responses = 0", static_cast<double>(m.mock.secondary_limited),
             m.mock.secondary_limited == 0);
  }
}

double ideal_seconds(const Scenario& s, const mock::MockStats& stats) {
  const auto requests = static_cast<double>(stats.requests);
  switch (s.ideal) {
    case Ideal::latency:
      return requests * std::chrono::duration<double>(s.latency).count() /
             s.effective_concurrency();
    case Ideal::window: {
      const double by_latency =
          requests * std::chrono::duration<double>(s.latency).count() / s.effective_concurrency();
      const auto whole_windows =
          stats.requests > 0 ? (stats.requests - 1) / s.effective_max_per_minute() : 0;
      return std::max(by_latency, 60.0 * static_cast<double>(whole_windows));
    }
    case Ideal::none:
      break;
  }
  return 0;
}

Measurement measure(const Scenario& s, Environment& env, const RunOptions& options) {
  configure(*env.github, s);
  if (!env.started) {
    env.github->start();
    env.started = true;
  }
  env.github->reset_stats();
  auto argv = collect_argv(s, options, env.github->url(), env.dir);

  Measurement m;
  m.scenario = s;
  const double cpu_before = process_cpu_seconds();
  auto run = run_child(argv, child_env(env.dir), env.dir.string(), options.timeout);
  m.mock_cpu_s = process_cpu_seconds() - cpu_before;
  m.mock = env.github->stats();

  m.exit_code = run.exit_code;
  m.signal = run.signal;
  m.timed_out = run.timed_out;
  m.wall_s = seconds(run.wall);
  m.child_user_s = seconds(run.user_cpu);
  m.child_system_s = seconds(run.system_cpu);
  m.peak_rss_mb = static_cast<double>(run.max_rss_kib) / 1024.0;
  read_summary(m, run);
  if (run.timed_out) {
    m.child_error = fmt::format("killed after {} s", options.timeout.count());
  }
  m.ideal_s = ideal_seconds(s, m.mock);
  m.store_bytes = store_size(env.dir);
  judge(m);
  return m;
}

const Scenario* find_scenario(const std::string& name) {
  const auto& all = all_scenarios();
  auto it = std::find_if(all.begin(), all.end(), [&](const Scenario& s) { return s.name == name; });
  return it == all.end() ? nullptr : &*it;
}

}  // namespace

double Measurement::requests_per_repo() const {
  return scenario.repos > 0 ? static_cast<double>(mock.requests) / scenario.repos : 0;
}

double Measurement::wall_over_ideal() const {
  return ideal_s > 0 ? wall_s / ideal_s : 0;
}

double Measurement::cpu_ms_per_repo() const {
  return scenario.repos > 0 ? (child_user_s + child_system_s) * 1000.0 / scenario.repos : 0;
}

const std::vector<Scenario>& all_scenarios() {
  static const std::vector<Scenario> scenarios = [] {
    auto make = [](std::string name, std::string summary, int repos) {
      Scenario s;
      s.name = std::move(name);
      s.summary = std::move(summary);
      s.repos = repos;
      return s;
    };
    std::vector<Scenario> list;

    auto latency = make("latency",
                        "1,000 repositories named on the command line, 50 ms per request, no "
                        "per-minute ceiling, 16 in flight, empty store",
                        1000);
    latency.latency = 50ms;
    latency.concurrency = 16;
    latency.max_per_minute = 1'000'000;
    latency.ideal = Ideal::latency;
    list.push_back(latency);

    auto warm = latency;
    warm.name = "latency-warm";
    warm.summary =
        "the latency run again on its store and server: traffic requests are conditional and "
        "unchanged bodies are answered 304";
    warm.needs = "latency";
    warm.warm = true;
    list.push_back(warm);

    auto listing = latency;
    listing.name = "listing";
    listing.summary =
        "as latency, but the repositories come from listing the owner (--owner) instead of "
        "the command line";
    listing.by_owner = true;
    list.push_back(listing);

    // At GitHub's limits: below one window (most users) and four windows long.
    for (int repos : {200, 1000}) {
      auto window = make(repos == 200 ? "window-200" : "window-1k",
                         fmt::format("{} repositories, the server enforcing GitHub's secondary "
                                     "limits (900 REST and 2,000 GraphQL points in any 60 s, "
                                     "100 in flight), 50 ms per request, the client's defaults "
                                     "(900 a minute, 8 in flight)",
                                     repos == 200 ? "200" : "1,000"),
                         repos);
      window.latency = 50ms;
      window.github_limits = true;
      window.ideal = Ideal::window;
      list.push_back(window);
      auto before = window;
      before.name += "-before";
      before.summary = "as " + window.name + ", collected by the --before-binary";
      before.before = true;
      list.push_back(before);
    }

    auto scale_1k = make("scale-1k",
                         "1,000 repositories, no latency, no ceiling, 16 in flight: the "
                         "baseline of scale",
                         1000);
    scale_1k.concurrency = 16;
    scale_1k.max_per_minute = 1'000'000;
    scale_1k.check_goals = false;
    list.push_back(scale_1k);

    auto scale = scale_1k;
    scale.name = "scale";
    scale.summary = "10,000 repositories, no latency, no ceiling, 16 in flight";
    scale.repos = 10000;
    scale.needs = "scale-1k";
    list.push_back(scale);
    return list;
  }();
  return scenarios;
}

std::vector<Measurement> run_scenarios(const std::vector<std::string>& names,
                                       const RunOptions& options, bool names_given) {
  std::vector<std::string> wanted;
  for (const auto& name : names) {
    const auto* s = find_scenario(name);
    if (s == nullptr) {
      std::string known;
      for (const auto& k : all_scenarios()) {
        known += (known.empty() ? "" : ", ") + k.name;
      }
      throw std::runtime_error(
          fmt::format("there is no scenario \"{}\"; the scenarios are {}", name, known));
    }
    if (s->before && options.before_binary.empty()) {
      if (names_given) {
        throw std::runtime_error(fmt::format(
            "scenario \"{}\" needs --before-binary, the collector to compare with", s->name));
      }
      continue;
    }
    wanted.push_back(s->name);
    if (!s->needs.empty()) {
      wanted.push_back(s->needs);
    }
  }

  std::vector<Measurement> results;
  std::map<std::string, Environment> kept;  // environments a later scenario reuses
  for (const auto& s : all_scenarios()) {
    if (std::find(wanted.begin(), wanted.end(), s.name) == wanted.end()) {
      continue;
    }
    Environment env;
    if (s.warm) {
      env = std::move(kept.at(s.needs));
      kept.erase(s.needs);
    } else {
      fmt::print(stderr, "{}: preparing {} repositories\n", s.name, s.repos);
      env = make_environment(s, options);
    }
    fmt::print(stderr, "{}: collecting\n", s.name);
    auto m = measure(s, env, options);
    fmt::print(stderr, "{}: {:.2f} s, {} requests, exit {}{}\n", s.name, m.wall_s, m.mock.requests,
               m.exit_code, m.child_error.empty() ? "" : " (" + m.child_error + ")");
    results.push_back(std::move(m));

    const bool reused =
        std::any_of(all_scenarios().begin(), all_scenarios().end(), [&](const Scenario& later) {
          return later.warm && later.needs == s.name &&
                 std::find(wanted.begin(), wanted.end(), later.name) != wanted.end();
        });
    if (reused) {
      kept.emplace(s.name, std::move(env));
    } else if (!options.keep) {
      std::error_code ec;
      std::filesystem::remove_all(env.dir, ec);
    } else {
      fmt::print(stderr, "{}: kept {}\n", s.name, env.dir.string());
    }
  }
  return results;
}

}  // namespace ghtraffic::bench

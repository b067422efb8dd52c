#include "report.hpp"

#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "ghtraffic/util/date.hpp"

namespace ghtraffic::bench {
namespace {

const Measurement* find(const std::vector<Measurement>& results, const std::string& name) {
  auto it = std::find_if(results.begin(), results.end(),
                         [&](const Measurement& m) { return m.scenario.name == name; });
  return it == results.end() ? nullptr : &*it;
}

std::string ceiling_text(const Scenario& s) {
  auto client = s.max_per_minute ? fmt::format("{}", *s.max_per_minute)
                                 : fmt::format("{} (default)", k_client_default_max_per_minute);
  auto server = s.github_limits             ? std::string("900 (GitHub's limits)")
                : s.mock_max_per_minute > 0 ? fmt::format("{}", s.mock_max_per_minute)
                                            : std::string("off");
  return client + " / " + server;
}

std::string concurrency_text(const Scenario& s) {
  return s.concurrency ? std::to_string(*s.concurrency)
                       : fmt::format("{} (default)", k_client_default_concurrency);
}

std::string or_dash(double value, const char* format_spec) {
  return value > 0 ? fmt::format(fmt::runtime(format_spec), value) : "-";
}

std::string routes_text(const mock::MockStats& stats) {
  std::string out;
  for (const auto& [route, n] : stats.by_route) {
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", route, n);
  }
  return out;
}

std::string machine_text() {
  utsname name{};
  ::uname(&name);
  return fmt::format("{} {} {}, {} cores online", name.sysname, name.release, name.machine,
                     ::sysconf(_SC_NPROCESSORS_ONLN));
}

}  // namespace

std::vector<Growth> growth_of(const std::vector<Measurement>& results) {
  std::vector<Growth> out;
  for (const auto& to : results) {
    const auto& s = to.scenario;
    if (s.warm || s.needs.empty()) {
      continue;
    }
    const auto* from = find(results, s.needs);
    if (from == nullptr || from->cpu_ms_per_repo() <= 0 || from->peak_rss_mb <= 0) {
      continue;
    }
    Growth g;
    g.from = from->scenario.name;
    g.to = s.name;
    g.repos_ratio = static_cast<double>(s.repos) / from->scenario.repos;
    g.cpu_per_repo_ratio = to.cpu_ms_per_repo() / from->cpu_ms_per_repo();
    g.peak_rss_ratio = to.peak_rss_mb / from->peak_rss_mb;
    g.wall_per_repo_ratio = (to.wall_s / s.repos) / (from->wall_s / from->scenario.repos);
    out.push_back(g);
  }
  return out;
}

std::string markdown_report(const std::vector<Measurement>& results,
                            const std::vector<Growth>& growth) {
  std::string out;
  out +=
      "| scenario | repos | in flight | ceiling/min client / server | requests | requests/repo "
      "| 304s | secondary-limited | max in flight (server) | wall s | ideal s | wall/ideal "
      "| CPU ms/repo | peak RSS MB | server CPU s | exit |\n";
  out += "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& m : results) {
    const auto& s = m.scenario;
    out += fmt::format(
        "| {} | {} | {} | {} | {} | {:.3f} | {} | {} | {} | {:.2f} | {} | {} | {:.3f} | {:.1f} "
        "| {:.2f} | {} |\n",
        s.name, s.repos, concurrency_text(s), ceiling_text(s), m.mock.requests,
        m.requests_per_repo(), m.mock.not_modified, m.mock.secondary_limited, m.mock.max_in_flight,
        m.wall_s, or_dash(m.ideal_s, "{:.2f}"), or_dash(m.wall_over_ideal(), "{:.3f}"),
        m.cpu_ms_per_repo(), m.peak_rss_mb, m.mock_cpu_s,
        m.signal != 0 ? fmt::format("signal {}", m.signal) : std::to_string(m.exit_code));
  }

  out += "\n| scenario | goal | measured | met |\n|---|---|---:|---|\n";
  for (const auto& m : results) {
    for (const auto& g : m.goals) {
      out += fmt::format("| {} | {} | {:.3f} | {} |\n", m.scenario.name, g.what, g.measured,
                         g.met ? "yes" : "**no**");
    }
  }

  if (!growth.empty()) {
    out +=
        "\n| growth | repos | CPU ms/repo | peak RSS | wall s/repo |\n|---|---:|---:|---:|---:|\n";
    for (const auto& g : growth) {
      out +=
          fmt::format("| {} -> {} | x{:.1f} | x{:.2f} | x{:.2f} | x{:.2f} |\n", g.from, g.to,
                      g.repos_ratio, g.cpu_per_repo_ratio, g.peak_rss_ratio, g.wall_per_repo_ratio);
    }
  }

  out += "\nRequests by route (as the server saw them):\n\n";
  for (const auto& m : results) {
    out += fmt::format("- {}: {}\n", m.scenario.name, routes_text(m.mock));
  }
  bool any_error = false;
  for (const auto& m : results) {
    if (!m.child_error.empty()) {
      if (!any_error) {
        out += "\nWhat the collector reported:\n\n";
        any_error = true;
      }
      out += fmt::format("- {}: {}\n", m.scenario.name, m.child_error);
    }
  }
  return out;
}

nlohmann::json json_report(const std::vector<Measurement>& results,
                           const std::vector<Growth>& growth, const std::string& binary,
                           const std::string& before_binary) {
  nlohmann::json scenarios = nlohmann::json::array();
  for (const auto& m : results) {
    const auto& s = m.scenario;
    nlohmann::json goals = nlohmann::json::array();
    for (const auto& g : m.goals) {
      goals.push_back({{"goal", g.what}, {"measured", g.measured}, {"met", g.met}});
    }
    scenarios.push_back({
        {"name", s.name},
        {"summary", s.summary},
        {"repos", s.repos},
        {"latency_ms", s.latency.count()},
        {"concurrency", s.effective_concurrency()},
        {"client_max_per_minute", s.effective_max_per_minute()},
        {"server_max_per_minute", s.github_limits ? 900 : s.mock_max_per_minute},
        {"server_github_limits", s.github_limits},
        {"binary", s.before ? "before" : "under test"},
        {"listing", s.by_owner},
        {"warm_store", s.warm},
        {"exit_code", m.exit_code},
        {"signal", m.signal},
        {"timed_out", m.timed_out},
        {"collected", m.collected},
        {"failed", m.failed},
        {"child_error", m.child_error},
        {"wall_s", m.wall_s},
        {"ideal_s", m.ideal_s},
        {"wall_over_ideal", m.wall_over_ideal()},
        {"child_user_s", m.child_user_s},
        {"child_system_s", m.child_system_s},
        {"cpu_ms_per_repo", m.cpu_ms_per_repo()},
        {"peak_rss_mb", m.peak_rss_mb},
        {"server_cpu_s", m.mock_cpu_s},
        {"store_bytes", m.store_bytes},
        {"requests_per_repo", m.requests_per_repo()},
        {"server", nlohmann::json::parse(mock::stats_to_json(m.mock))},
        {"client",
         {{"requests", m.client_requests},
          {"not_modified", m.client_not_modified},
          {"secondary_limited", m.client_secondary_limited}}},
        {"goals", goals},
    });
  }
  nlohmann::json growth_json = nlohmann::json::array();
  for (const auto& g : growth) {
    growth_json.push_back({{"from", g.from},
                           {"to", g.to},
                           {"repos_ratio", g.repos_ratio},
                           {"cpu_per_repo_ratio", g.cpu_per_repo_ratio},
                           {"peak_rss_ratio", g.peak_rss_ratio},
                           {"wall_per_repo_ratio", g.wall_per_repo_ratio}});
  }
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return {
      {"generated_at", util::format_iso8601(now)},
      {"machine", machine_text()},
      {"binary", binary},
      {"before_binary", before_binary},
      {"scenarios", scenarios},
      {"growth", growth_json},
  };
}

}  // namespace ghtraffic::bench

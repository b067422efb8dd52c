#include "plan_simulation.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/github/client.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/read/freshness.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/date.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/web/scheduler.hpp"

namespace ghtraffic::bench {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view k_api = "https://sim.invalid";
constexpr const char* k_owner = "sim";
constexpr core::RepoId k_first_id = 1'000'000;
constexpr int k_page_size = 100;
constexpr int k_graphql_limit = 5'000;  // GraphQL's own hourly points
constexpr int k_rest_per_minute = 900;
constexpr int k_graphql_per_minute = 2'000;
constexpr int k_max_in_flight = 100;

std::string repo_name(int index) {
  return fmt::format("repo-{:06}", index);
}

double cpu_seconds_now() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds_of = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
}

// A day's whole views of a repository: never 0, so that a stored 0 or a gap is a loss.
std::int64_t true_views(int repo, util::Day day) {
  auto n = static_cast<std::int64_t>(day.time_since_epoch().count());
  return 1 + (static_cast<std::int64_t>(repo) * 31 + n * 17) % 23;
}

// The primary limit of one resource: an hour from its first request, as GitHub counts it.
struct HourBucket {
  std::int64_t limit = 0;
  std::optional<util::Timestamp> started;
  std::int64_t used = 0;
  std::int64_t peak = 0;

  util::Timestamp reset() const { return *started + std::chrono::hours(1); }
  // Takes one request at `now`; false when the hour's requests are spent.
  bool take(util::Timestamp now) {
    if (!started || now >= reset()) {
      started = now;
      used = 0;
    }
    if (used >= limit) {
      return false;
    }
    ++used;
    peak = std::max(peak, used);
    return true;
  }
};

// A secondary limit: at most `max` requests in any 60 s.
struct MinuteWindow {
  std::size_t max = 0;
  std::deque<util::Clock::SteadyTime> accepted;

  bool take(util::Clock::SteadyTime now) {
    while (!accepted.empty() && accepted.front() + seconds(60) <= now) {
      accepted.pop_front();
    }
    if (accepted.size() >= max) {
      return false;
    }
    accepted.push_back(now);
    return true;
  }
};

// GitHub as the collection sees it: an organization `sim` of N repositories whose traffic
// grows every day, with GitHub's limits.
class SimulatedGitHub final : public net::HttpTransport {
 public:
  SimulatedGitHub(util::ManualClock& clock, int repos, int rate_limit, milliseconds latency)
      : m_clock(clock), m_repos(repos), m_latency(latency), m_collections(repos) {
    m_core.limit = rate_limit;
    m_graphql.limit = k_graphql_limit;
    m_rest_window.max = k_rest_per_minute;
    m_graphql_window.max = k_graphql_per_minute;
  }

  net::HttpResponse send(const net::HttpRequest& request) override {
    m_clock.advance(m_latency);
    std::lock_guard lock(m_mutex);
    ++m_requests;
    const auto now = m_clock.now();
    std::string_view url = request.url;
    if (url.starts_with(k_api)) {
      url.remove_prefix(k_api.size());
    }
    const auto query_at = url.find('?');
    const std::string_view path = url.substr(0, query_at);
    const std::string_view query =
        query_at == std::string_view::npos ? std::string_view() : url.substr(query_at + 1);
    const bool graphql = path == "/graphql";

    net::HttpResponse response;
    response.headers["date"] = util::format_http_date(now);
    auto& bucket = graphql ? m_graphql : m_core;
    auto& window = graphql ? m_graphql_window : m_rest_window;
    if (++m_in_flight > k_max_in_flight || !window.take(m_clock.steady_now())) {
      --m_in_flight;
      ++m_secondary_refused;
      response.status = 403;
      response.headers["retry-after"] = "60";
      response.body = R"({"message":"You have exceeded a secondary rate limit."})";
      return response;
    }
    --m_in_flight;
    const bool allowed = bucket.take(now);
    response.headers["x-ratelimit-limit"] = std::to_string(bucket.limit);
    response.headers["x-ratelimit-remaining"] = std::to_string(bucket.limit - bucket.used);
    response.headers["x-ratelimit-used"] = std::to_string(bucket.used);
    response.headers["x-ratelimit-reset"] =
        std::to_string(bucket.reset().time_since_epoch().count());
    response.headers["x-ratelimit-resource"] = graphql ? "graphql" : "core";
    if (!allowed) {
      ++m_primary_refused;
      response.status = 403;
      response.body = R"({"message":"API rate limit exceeded."})";
      return response;
    }
    response.status = 200;
    response.headers["content-type"] = "application/json";
    if (graphql) {
      response.body = graphql_answer(request.body);
    } else if (path == fmt::format("/orgs/{}/repos", k_owner)) {
      listing_answer(query, response);
    } else if (!traffic_answer(path, now, response)) {
      response.status = 404;
      response.body = R"({"message":"Not Found"})";
    }
    return response;
  }

  // When each repository's views were answered: its collections.
  const std::vector<std::vector<util::Timestamp>>& collections() const { return m_collections; }
  std::int64_t requests() const { return m_requests; }
  std::int64_t primary_refused() const { return m_primary_refused; }
  std::int64_t secondary_refused() const { return m_secondary_refused; }
  std::int64_t peak_hour() const { return m_core.peak; }

 private:
  void listing_answer(std::string_view query, net::HttpResponse& response) {
    int page = 1;
    for (std::size_t at = 0; at < query.size();) {
      auto end = query.find('&', at);
      auto pair = query.substr(at, end == std::string_view::npos ? end : end - at);
      if (pair.starts_with("page=")) {
        page = std::max(1, std::atoi(std::string(pair.substr(5)).c_str()));
      }
      at = end == std::string_view::npos ? query.size() : end + 1;
    }
    const int pages = (m_repos + k_page_size - 1) / k_page_size;
    if (m_pages.empty()) {
      m_pages.resize(static_cast<std::size_t>(pages));
    }
    if (page > pages) {
      response.body = "[]";
      return;
    }
    auto& body = m_pages[static_cast<std::size_t>(page - 1)];
    if (body.empty()) {
      nlohmann::json list = nlohmann::json::array();
      for (int i = (page - 1) * k_page_size; i < std::min(m_repos, page * k_page_size); ++i) {
        list.push_back({{"id", k_first_id + i},
                        {"full_name", fmt::format("{}/{}", k_owner, repo_name(i))},
                        {"visibility", "public"},
                        {"fork", false},
                        {"archived", false},
                        {"stargazers_count", 1},
                        {"forks_count", 0},
                        {"watchers_count", 1},
                        {"open_issues_count", 0},
                        {"permissions", {{"admin", true}, {"push", true}}}});
      }
      body = list.dump();
    }
    response.body = body;
    if (page < pages) {
      response.headers["link"] =
          fmt::format(R"(<{}/orgs/{}/repos?per_page={}&page={}>; rel="next")", k_api, k_owner,
                      k_page_size, page + 1);
    }
  }

  // Views and clones: the 15 days up to today, today still growing and the oldest cut short;
  // the top 10s: one path and one referrer.
  bool traffic_answer(std::string_view path, util::Timestamp now, net::HttpResponse& response) {
    const std::string prefix = fmt::format("/repos/{}/repo-", k_owner);
    if (!path.starts_with(prefix)) {
      return false;
    }
    auto rest = path.substr(prefix.size());
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) {
      return false;
    }
    const int repo = std::atoi(std::string(rest.substr(0, slash)).c_str());
    const auto what = rest.substr(slash);
    if (repo < 0 || repo >= m_repos) {
      return false;
    }
    if (what == "/traffic/popular/paths") {
      response.body = R"([{"path":"/","title":"home","count":3,"uniques":1}])";
      return true;
    }
    if (what == "/traffic/popular/referrers") {
      response.body = R"([{"referrer":"github.com","count":2,"uniques":1}])";
      return true;
    }
    const bool views = what == "/traffic/views";
    if (!views && what != "/traffic/clones") {
      return false;
    }
    const auto today = util::day_of(now);
    const auto into_day = now - std::chrono::sys_seconds(today.time_since_epoch());
    nlohmann::json buckets = nlohmann::json::array();
    std::int64_t total = 0;
    for (int back = 14; back >= 0; --back) {
      const auto day = today - std::chrono::days(back);
      auto count = true_views(repo, day);
      if (back == 0) {
        count = count * into_day.count() / 86'400;
      } else if (back == 14) {
        count /= 2;
      }
      if (count == 0) {
        continue;
      }
      total += count;
      buckets.push_back({{"timestamp", util::format_day(day) + "T00:00:00Z"},
                         {"count", count},
                         {"uniques", (count + 1) / 2}});
    }
    response.body = nlohmann::json{
        {"count", total},
        {"uniques", (total + 1) / 2},
        {views ? "views" : "clones",
         buckets}}.dump();
    if (views) {
      m_collections[static_cast<std::size_t>(repo)].push_back(now);
    }
    return true;
  }

  static std::string graphql_answer(const std::string& body) {
    std::size_t aliases = 0;
    for (auto at = body.find(": repository("); at != std::string::npos;
         at = body.find(": repository(", at + 1)) {
      ++aliases;
    }
    nlohmann::json data = nlohmann::json::object();
    for (std::size_t i = 0; i < aliases; ++i) {
      data[fmt::format("r{}", i)] = {{"releases", {{"nodes", nlohmann::json::array()}}}};
    }
    return nlohmann::json{{"data", data}}.dump();
  }

  util::ManualClock& m_clock;
  const int m_repos;
  const milliseconds m_latency;
  std::mutex m_mutex;
  HourBucket m_core;
  HourBucket m_graphql;
  MinuteWindow m_rest_window;
  MinuteWindow m_graphql_window;
  int m_in_flight = 0;
  std::int64_t m_requests = 0;
  std::int64_t m_primary_refused = 0;
  std::int64_t m_secondary_refused = 0;
  std::vector<std::string> m_pages;
  std::vector<std::vector<util::Timestamp>> m_collections;
};

double days_between(util::Timestamp a, util::Timestamp b) {
  return static_cast<double>((b - a).count()) / 86'400.0;
}

// What the simulation's collections cost in days, as `status` counts them: the days each
// gap between collections let leave GitHub's window. The simulation's first day counts as
// if a collection had happened the day before it.
void count_losses(const SimulatedGitHub& github, util::Timestamp start, util::Timestamp end,
                  PlanSimulationResult& result) {
  const auto before_start = start - std::chrono::days(1);
  const auto end_day = util::day_of(end);
  std::vector<double> longest;
  for (const auto& times : github.collections()) {
    if (times.empty()) {
      ++result.never_collected;
      result.days_lost += read::freshness(before_start, end_day).lost_days;
      continue;
    }
    result.days_lost += read::freshness(before_start, util::day_of(times.front())).lost_days;
    result.first_collection_max_days =
        std::max(result.first_collection_max_days, days_between(start, times.front()));
    double gap = 0;
    for (std::size_t i = 1; i < times.size(); ++i) {
      result.days_lost += read::freshness(times[i - 1], util::day_of(times[i])).lost_days;
      gap = std::max(gap, days_between(times[i - 1], times[i]));
    }
    result.days_lost += read::freshness(times.back(), end_day).lost_days;
    if (times.size() > 1) {
      longest.push_back(gap);
    }
  }
  if (!longest.empty()) {
    std::sort(longest.begin(), longest.end());
    result.longest_interval_max_days = longest.back();
    result.longest_interval_p50_days = longest[longest.size() / 2];
  }
}

// The days GitHub has forgotten by the end (up to 14 days before it) whose stored views are
// not the whole day.
std::int64_t count_not_whole(store::Store& store, int repos, util::Timestamp start,
                             util::Timestamp end) {
  const auto first = util::day_of(start);
  const auto last = util::day_of(end) - std::chrono::days(read::k_window_days);
  if (last < first) {
    return 0;
  }
  const auto span = (last - first).count() + 1;
  std::int64_t missing = 0;
  for (int i = 0; i < repos; ++i) {
    auto days = store.days(k_first_id + i, core::TrafficKind::views, {first, last});
    std::int64_t whole = 0;
    for (const auto& d : days) {
      whole += d.count == true_views(i, d.day) ? 1 : 0;
    }
    missing += span - whole;
  }
  return missing;
}

}  // namespace

PlanSimulationResult run_plan_simulation(const PlanSimulationOptions& options) {
  PlanSimulationResult result;
  result.repos = options.repos;
  result.days = options.days;
  const auto wall_started = std::chrono::steady_clock::now();
  const double cpu_started = cpu_seconds_now();

  const auto start = *util::parse_iso8601("2026-03-01T00:00:00Z");
  const auto end = start + std::chrono::days(options.days);
  util::ManualClock clock(start);
  SimulatedGitHub github(clock, options.repos, options.rate_limit, options.latency);
  auto store = store::make_store("sqlite:" + options.store_path);

  collect::Plan plan;
  plan.owners.push_back({k_owner, {}});
  const auto previous_level = util::log_level();
  util::set_log_level(util::LogLevel::quiet);
  auto next = start;
  while (true) {
    if (next > clock.now()) {
      clock.advance(std::chrono::duration_cast<milliseconds>(next - clock.now()));
    }
    if (clock.now() >= end) {
      break;
    }
    github::ClientOptions client_options;
    client_options.api_url = std::string(k_api);
    client_options.token = "ghp_simulation0000000000000000000000000";
    client_options.concurrency = options.concurrency;
    github::Client client(client_options, github, clock);
    auto summary = collect::run_collection(client, *store, plan, nullptr, clock);
    ++result.runs;
    const int failed = summary.failed();
    result.collections += static_cast<std::int64_t>(summary.repos.size()) - failed;
    result.failed += failed + summary.failed_listings();
    next = clock.now() + options.interval;
    if (auto resume = web::resume_time(summary, summary.client, clock.now(), clock.steady_now());
        resume && *resume < next) {
      next = *resume;
    }
    if (options.progress) {
      options.progress(fmt::format("{} run {}: {} collected, {} deferred, {} requests",
                                   util::format_iso8601(clock.now()), result.runs,
                                   static_cast<int>(summary.repos.size()) - failed,
                                   summary.deferred.size(), summary.client.requests));
    }
  }
  util::set_log_level(previous_level);

  result.cpu_seconds = cpu_seconds_now() - cpu_started;
  result.requests = github.requests();
  result.primary_refused = github.primary_refused();
  result.secondary_refused = github.secondary_refused();
  result.peak_hour_requests = github.peak_hour();
  count_losses(github, start, end, result);
  result.days_not_whole = count_not_whole(*store, options.repos, start, end);
  result.cpu_ms_per_collection =
      result.collections > 0 ? result.cpu_seconds * 1000.0 / static_cast<double>(result.collections)
                             : 0;
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_started).count();
  return result;
}

bool plan_simulation_goals_met(const PlanSimulationResult& result,
                               const PlanSimulationOptions& options) {
  return result.days_lost == 0 && result.days_not_whole == 0 && result.never_collected == 0 &&
         result.primary_refused == 0 && result.secondary_refused == 0 && result.failed == 0 &&
         result.peak_hour_requests <= options.rate_limit;
}

std::string plan_simulation_markdown(const PlanSimulationResult& r,
                                     const PlanSimulationOptions& options) {
  std::string out = fmt::format(
      "Plan simulation: {} repositories, one token of {} requests an hour, {} days, serve's "
      "schedule (--collect-every {}h, again as soon as the limit is whole after a run that "
      "deferred for it), concurrency {}, {} ms a request\n\n",
      r.repos, options.rate_limit, r.days, options.interval.count() / 3600, options.concurrency,
      options.latency.count());
  out += "| figure | value | goal |\n| --- | --- | --- |\n";
  out += fmt::format("| days lost (as `status` counts them) | {} | 0 |\n", r.days_lost);
  out += fmt::format("| days forgotten by GitHub not stored whole | {} | 0 |\n", r.days_not_whole);
  out += fmt::format("| repositories never collected | {} | 0 |\n", r.never_collected);
  out += fmt::format("| core requests in the peak hour of the limit | {} | ≤ {} |\n",
                     r.peak_hour_requests, options.rate_limit);
  out += fmt::format("| answers refused: primary limit, secondary limit | {}, {} | 0, 0 |\n",
                     r.primary_refused, r.secondary_refused);
  out += fmt::format("| repository failures | {} | 0 |\n", r.failed);
  out += fmt::format(
      "| longest interval between collections: max, p50 (days) | {:.2f}, {:.2f} | "
      "< 13 |\n",
      r.longest_interval_max_days, r.longest_interval_p50_days);
  out += fmt::format("| latest first collection (days after the start) | {:.2f} | < 13 |\n",
                     r.first_collection_max_days);
  out += fmt::format("| runs, repository collections, requests | {}, {}, {} | |\n", r.runs,
                     r.collections, r.requests);
  out += fmt::format(
      "| CPU per repository collection (this process: plan, job, store, fake) | {:.3f} ms | |\n",
      r.cpu_ms_per_collection);
  out += fmt::format("| CPU, wall | {:.1f} s, {:.1f} s | |\n", r.cpu_seconds, r.wall_seconds);
  return out;
}

}  // namespace ghtraffic::bench

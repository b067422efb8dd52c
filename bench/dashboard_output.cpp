// The dashboard benchmark's figures as Markdown tables and as JSON.
#include <fmt/format.h>

#include "dashboard.hpp"
#include "ghtraffic/web/snapshot.hpp"

namespace ghtraffic::bench {
namespace {

constexpr double k_api_p99_goal_ms = 50;
constexpr double k_charts_goal_ms = 1000;

std::string yes_no(bool met) {
  return met ? "yes" : "**no**";
}

double mb(std::int64_t bytes) {
  return static_cast<double>(bytes) / 1e6;
}

double browser_figure(const BrowserResult& b, const char* page, const char* figure) {
  if (!b.ran || !b.raw.contains(page) || !b.raw[page].contains(figure)) {
    return -1;
  }
  return b.raw[page][figure].get<double>();
}

std::string ms_or_dash(double v) {
  return v < 0 ? "-" : fmt::format("{:.0f}", v);
}

}  // namespace

std::string dashboard_markdown(const DashboardResult& r) {
  std::string out;
  out += fmt::format("Dashboard benchmark, {} ({})\n\n", r.date, r.machine);
  out += fmt::format(
      "Store: {} repositories x {} days ({} to {}), collected every {} day(s), with path, "
      "referrer and counter snapshots at each collection{}.\n\n",
      r.repos, r.days, r.first_day, r.last_day, r.every_days,
      r.store_reused ? " (a kept store, filled earlier)" : "");

  out += "| figure | value |\n|---|---:|\n";
  out += fmt::format("| fill: commits | {} |\n", r.fill_commits);
  out += fmt::format("| fill: time | {:.0f} s |\n", r.fill_s);
  out += fmt::format("| store size (SQLite file) | {:.0f} MB |\n", mb(r.store_bytes));
  out += fmt::format("| serve: spawn until /healthz | {:.0f} ms |\n", r.server_start_ms);
  out += fmt::format("| serve: first /api/repos (cold, loads the snapshot) | {:.0f} ms |\n",
                     r.cold_first_ms);
  out += fmt::format(
      "| serve: spawn until the first /api/daily (every day: the whole snapshot) | {:.0f} ms |\n",
      r.first_whole_ms);
  out += fmt::format("| snapshot: recent ({} days), read in-process | {:.0f} ms |\n",
                     web::k_recent_days, r.load_recent_ms);
  out += fmt::format("| snapshot: whole, read in-process | {:.0f} ms |\n", r.load_whole_ms);
  out +=
      fmt::format("| snapshot: read again after a collection of every repository | {:.0f} ms |\n",
                  r.reload_after_collection_ms);
  out += fmt::format("| serve: CPU over the whole run / peak RSS | {:.1f} s / {:.0f} MB |\n",
                     r.server_cpu_s, r.server_peak_rss_mb);
  out += "\n";

  out += fmt::format("Sequential requests on one keep-alive connection, repository page: {}\n\n",
                     r.repo_page);
  out += "| endpoint | request | requests | p50 ms | p99 ms | max ms | body KB |\n";
  out += "|---|---|---:|---:|---:|---:|---:|\n";
  for (const auto& l : r.latencies) {
    auto shown = l.path.size() > 70 ? l.path.substr(0, 67) + "..." : l.path;
    out += fmt::format("| {} | `{}` | {} | {:.2f} | {:.2f} | {:.2f} | {:.1f} |\n", l.name, shown,
                       l.requests, l.p50_ms, l.p99_ms, l.max_ms,
                       static_cast<double>(l.body_bytes) / 1024.0);
  }
  out += "\n";

  if (r.wrk.ran) {
    out +=
        "| load (wrk) | requests/s | latency avg ms | p50 ms | p99 ms | max ms | requests | "
        "errors |\n|---|---:|---:|---:|---:|---:|---:|---:|\n";
    out += fmt::format("| `{}` | {:.0f} | {:.1f} | {:.1f} | {:.1f} | {:.1f} | {} | {} |\n\n",
                       r.wrk.url.substr(r.wrk.url.find("/api")), r.wrk.requests_per_s,
                       r.wrk.latency_avg_ms, r.wrk.latency_p50_ms, r.wrk.latency_p99_ms,
                       r.wrk.latency_max_ms, r.wrk.requests, r.wrk.errors);
  } else if (!r.wrk.error.empty()) {
    out += "wrk: " + r.wrk.error + "\n\n";
  }

  if (r.browser.ran) {
    out +=
        "| browser (chromium) | runs | charts drawn, median ms | max ms | data ready, median "
        "ms | page complete, median ms |\n|---|---:|---:|---:|---:|---:|\n";
    for (const char* page : {"overview", "repo"}) {
      out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", page, r.browser.raw.value("runs", 0),
                         ms_or_dash(browser_figure(r.browser, page, "drawn_median_ms")),
                         ms_or_dash(browser_figure(r.browser, page, "drawn_max_ms")),
                         ms_or_dash(browser_figure(r.browser, page, "fetched_median_ms")),
                         ms_or_dash(browser_figure(r.browser, page, "ready_median_ms")));
    }
    out += "\n";
  } else if (!r.browser.error.empty()) {
    out += "browser: " + r.browser.error + "\n\n";
  }

  if (!r.reports.empty()) {
    out += "| report | repositories | size MB | wall s | CPU s | peak RSS MB | outcome |\n";
    out += "|---|---:|---:|---:|---:|---:|---|\n";
    for (const auto& rep : r.reports) {
      out += fmt::format("| {} | {} | {:.1f} | {:.2f} | {:.2f} | {:.0f} | {} |\n", rep.what,
                         rep.repos, mb(rep.bytes), rep.wall_s, rep.cpu_s, rep.peak_rss_mb,
                         rep.error.empty() ? "ok" : rep.error);
    }
    out += "\n";
  }

  out += "| goal | measured | met |\n|---|---:|---|\n";
  double worst = 0;
  std::string worst_name;
  for (const auto& l : r.latencies) {
    if (l.page && l.p99_ms > worst) {
      worst = l.p99_ms;
      worst_name = l.name;
    }
  }
  out +=
      fmt::format("| API p99 < 50 ms, every request of the pages (worst: {}) | {:.2f} ms | {} |\n",
                  worst_name, worst, yes_no(worst < k_api_p99_goal_ms));
  for (const char* page : {"overview", "repo"}) {
    auto median = browser_figure(r.browser, page, "drawn_median_ms");
    auto max = browser_figure(r.browser, page, "drawn_max_ms");
    if (median >= 0) {
      out += fmt::format("| {} charts drawn < 1 s (median; max {:.0f} ms) | {:.0f} ms | {} |\n",
                         page, max, median, yes_no(median < k_charts_goal_ms));
    }
  }
  return out;
}

nlohmann::json dashboard_json(const DashboardResult& r, const DashboardOptions& o) {
  using nlohmann::json;
  json latencies = json::array();
  for (const auto& l : r.latencies) {
    latencies.push_back({{"name", l.name},
                         {"path", l.path},
                         {"requests", l.requests},
                         {"p50_ms", l.p50_ms},
                         {"p99_ms", l.p99_ms},
                         {"max_ms", l.max_ms},
                         {"mean_ms", l.mean_ms},
                         {"page", l.page},
                         {"body_bytes", l.body_bytes}});
  }
  json reports = json::array();
  for (const auto& rep : r.reports) {
    reports.push_back({{"what", rep.what},
                       {"repos", rep.repos},
                       {"exit_code", rep.exit_code},
                       {"signal", rep.signal},
                       {"error", rep.error},
                       {"wall_s", rep.wall_s},
                       {"cpu_s", rep.cpu_s},
                       {"peak_rss_mb", rep.peak_rss_mb},
                       {"bytes", rep.bytes}});
  }
  json wrk = nullptr;
  if (r.wrk.ran) {
    wrk = {{"url", r.wrk.url},
           {"threads", o.wrk_threads},
           {"connections", o.wrk_connections},
           {"seconds", o.wrk_seconds},
           {"requests_per_s", r.wrk.requests_per_s},
           {"latency_avg_ms", r.wrk.latency_avg_ms},
           {"latency_p50_ms", r.wrk.latency_p50_ms},
           {"latency_p99_ms", r.wrk.latency_p99_ms},
           {"latency_max_ms", r.wrk.latency_max_ms},
           {"requests", r.wrk.requests},
           {"errors", r.wrk.errors}};
  }
  return {
      {"date", r.date},
      {"machine", r.machine},
      {"binary", o.binary},
      {"store",
       {{"repos", r.repos},
        {"days", r.days},
        {"every_days", r.every_days},
        {"first_day", r.first_day},
        {"last_day", r.last_day},
        {"reused", r.store_reused},
        {"fill_s", r.fill_s},
        {"fill_commits", r.fill_commits},
        {"bytes", r.store_bytes}}},
      {"server",
       {{"start_ms", r.server_start_ms},
        {"cold_first_repos_ms", r.cold_first_ms},
        {"first_whole_ms", r.first_whole_ms},
        {"load_recent_ms", r.load_recent_ms},
        {"load_whole_ms", r.load_whole_ms},
        {"reload_after_collection_ms", r.reload_after_collection_ms},
        {"cpu_s", r.server_cpu_s},
        {"peak_rss_mb", r.server_peak_rss_mb}}},
      {"repo_page", r.repo_page},
      {"warmup", o.warmup},
      {"latencies", latencies},
      {"wrk", wrk},
      {"browser", r.browser.ran ? r.browser.raw : json(r.browser.error)},
      {"reports", reports},
  };
}

}  // namespace ghtraffic::bench

// The dashboard benchmark: a store filled with years of synthetic history, the real
// `ghtraffic serve` over it as a child process, and what a person waits for: API latency,
// throughput under a load tool (wrk), the overview's charts in a real browser, and the
// static report's size and generation time.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ghtraffic::bench {

struct DashboardOptions {
  std::string binary;
  std::string scratch_root;
  std::string store_path;  // reused when it exists, else filled there; empty: a scratch store
  bool keep = false;       // keep the scratch folder (store, reports, server output)
  int repos = 1000;
  int days = 1096;
  int every_days = 1;
  int requests = 300;  // timed requests per endpoint, after the warm-up
  int warmup = 20;
  std::string wrk = "/usr/bin/wrk";
  int wrk_seconds = 10;
  int wrk_threads = 2;
  int wrk_connections = 16;
  std::string node = "node";
  std::string browser_script;  // bench/dashboard-browser.mjs
  int browser_runs = 5;
  int report_repos_small = 10;
  std::int64_t report_memory_mb = 8192;  // address-space cap of the report child
  bool skip_wrk = false;
  bool skip_browser = false;
  bool skip_report = false;
};

struct Latency {
  std::string name;  // what the page asks it for
  std::string path;
  bool page = true;  // a request the dashboard's pages make (the goal is about those)
  int requests = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double mean_ms = 0;
  std::int64_t body_bytes = 0;
};

struct WrkResult {
  bool ran = false;
  std::string url;
  std::string error;
  double requests_per_s = 0;
  double latency_avg_ms = 0;
  double latency_p50_ms = 0;
  double latency_p99_ms = 0;
  double latency_max_ms = 0;
  std::int64_t requests = 0;
  std::int64_t errors = 0;  // non-2xx plus socket errors
};

struct BrowserResult {
  bool ran = false;
  std::string error;
  nlohmann::json raw;  // what the script printed
};

struct ReportRun {
  std::string what;
  int repos = 0;
  int exit_code = -1;
  int signal = 0;
  std::string error;
  double wall_s = 0;
  double cpu_s = 0;
  double peak_rss_mb = 0;
  std::int64_t bytes = 0;
};

struct DashboardResult {
  std::string date;
  std::string machine;
  std::string store_path;
  bool store_reused = false;
  int repos = 0;
  int days = 0;
  int every_days = 0;
  std::string first_day;
  std::string last_day;
  double fill_s = 0;
  std::int64_t fill_commits = 0;
  std::int64_t store_bytes = 0;
  double server_start_ms = 0;  // spawn until /healthz answers
  double cold_first_ms = 0;    // the first /api/repos: the snapshot is loaded from the store
  double first_whole_ms = 0;   // spawn until the first /api/daily, which needs every day
  // In-process, on a connection of its own: reading the recent snapshot, the whole one, and
  // the whole one again after a collection of every repository (each read from 16 days
  // before its previous collection on), in ms.
  double load_recent_ms = 0;
  double load_whole_ms = 0;
  double reload_after_collection_ms = 0;
  std::string repo_page;  // the repository whose page is measured
  std::vector<Latency> latencies;
  WrkResult wrk;
  BrowserResult browser;
  std::vector<ReportRun> reports;
  double server_cpu_s = 0;
  double server_peak_rss_mb = 0;
};

DashboardResult run_dashboard(const DashboardOptions& options);

std::string dashboard_markdown(const DashboardResult& result);
nlohmann::json dashboard_json(const DashboardResult& result, const DashboardOptions& options);

}  // namespace ghtraffic::bench

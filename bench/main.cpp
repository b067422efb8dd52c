// ghtraffic-bench: the collection benchmark. `run` measures the real `ghtraffic collect`
// against the mock GitHub server in this process; `micro` runs the micro-benchmarks;
// `dashboard` measures `ghtraffic serve`, the browser and `ghtraffic report` over a large
// synthetic store.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string_view>

#include "child.hpp"
#include "dashboard.hpp"
#include "micro.hpp"
#include "plan_simulation.hpp"
#include "report.hpp"
#include "scenario.hpp"

namespace {

using namespace ghtraffic::bench;

std::string default_scratch_root() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

int run_command(const std::vector<std::string>& names, bool names_given, const RunOptions& options,
                const std::string& json_out) {
  if (!std::filesystem::exists(options.binary)) {
    fmt::print(stderr, "ghtraffic-bench: no ghtraffic binary at {}; build it or pass --binary\n",
               options.binary);
    return 2;
  }
  if (!options.before_binary.empty() && !std::filesystem::exists(options.before_binary)) {
    fmt::print(stderr, "ghtraffic-bench: no ghtraffic binary at {} (--before-binary)\n",
               options.before_binary);
    return 2;
  }
  auto results = run_scenarios(names, options, names_given);
  auto growth = growth_of(results);
  std::fputs(markdown_report(results, growth).c_str(), stdout);
  if (!json_out.empty()) {
    std::ofstream out(json_out);
    out << json_report(results, growth, options.binary, options.before_binary).dump(2) << "\n";
    if (!out) {
      fmt::print(stderr, "ghtraffic-bench: could not write {}\n", json_out);
      return 2;
    }
  }
  return 0;
}

int dashboard_command(const DashboardOptions& options, const std::string& json_out) {
  if (!std::filesystem::exists(options.binary)) {
    fmt::print(stderr, "ghtraffic-bench: no ghtraffic binary at {}; build it or pass --binary\n",
               options.binary);
    return 2;
  }
  auto result = run_dashboard(options);
  std::fputs(dashboard_markdown(result).c_str(), stdout);
  if (!json_out.empty()) {
    std::ofstream out(json_out);
    out << dashboard_json(result, options).dump(2) << "\n";
    if (!out) {
      fmt::print(stderr, "ghtraffic-bench: could not write {}\n", json_out);
      return 2;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == ghtraffic::bench::k_launcher_arg) {
    return ghtraffic::bench::launcher_main(argc, argv);
  }
  CLI::App app("The ghtraffic collection benchmark");
  app.require_subcommand(1);

  std::vector<std::string> names;
  RunOptions options;
  options.binary = GHTRAFFIC_BINARY;
  options.scratch_root = default_scratch_root();
  std::string json_out;
  int timeout_s = static_cast<int>(options.timeout.count());
  auto* run = app.add_subcommand(
      "run", "Run collection scenarios against the mock GitHub server and print the figures");
  run->add_option("scenarios", names, "Scenarios to run (default: all)");
  run->add_option("--json-out", json_out, "Also write the figures as JSON to this file");
  run->add_option("--binary", options.binary, "The ghtraffic executable")->capture_default_str();
  run->add_option("--scratch", options.scratch_root, "Where the stores are created")
      ->capture_default_str();
  run->add_option("--timeout", timeout_s, "Kill a collection that takes longer (seconds)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  run->add_flag("--keep", options.keep, "Keep the stores and the collector's output");
  run->add_option("--before-binary", options.before_binary,
                  "A ghtraffic executable to compare with (e.g. built from main before a "
                  "change): runs the \"-before\" scenarios with it, beside the others");

  auto* list = app.add_subcommand("list", "List the scenarios");

  auto* micro = app.add_subcommand(
      "micro", "Run the micro-benchmarks; further arguments go to Google Benchmark");
  micro->prefix_command();

  DashboardOptions dash;
  dash.binary = GHTRAFFIC_BINARY;
  dash.scratch_root = default_scratch_root();
  dash.browser_script = std::string(GHTRAFFIC_BENCH_DIR) + "/dashboard-browser.mjs";
  std::string dash_json_out;
  auto* dashboard = app.add_subcommand(
      "dashboard",
      "Fill a store with years of synthetic history, then measure ghtraffic serve (API "
      "latency, wrk), the dashboard in chromium and ghtraffic report");
  dashboard->add_option("--json-out", dash_json_out, "Also write the figures as JSON to this file");
  dashboard->add_option("--binary", dash.binary, "The ghtraffic executable")->capture_default_str();
  dashboard->add_option("--scratch", dash.scratch_root, "Where the scratch folder is created")
      ->capture_default_str();
  dashboard->add_option("--store", dash.store_path,
                        "SQLite file to fill, or to reuse when it exists (filled by an "
                        "earlier run); default: a fresh one in the scratch folder");
  dashboard->add_flag("--keep", dash.keep, "Keep the scratch folder");
  dashboard->add_option("--repos", dash.repos, "Repositories in a new store")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  dashboard->add_option("--days", dash.days, "Days of history in a new store")
      ->capture_default_str()
      ->check(CLI::Range(30, 36'500));
  dashboard->add_option("--every-days", dash.every_days, "Collection cadence of a new store")
      ->capture_default_str()
      ->check(CLI::Range(1, 15));
  dashboard->add_option("--requests", dash.requests, "Timed requests per endpoint")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  dashboard->add_option("--warmup", dash.warmup, "Untimed requests per endpoint first")
      ->capture_default_str();
  dashboard->add_option("--wrk", dash.wrk, "The wrk executable")->capture_default_str();
  dashboard->add_option("--wrk-seconds", dash.wrk_seconds, "How long wrk runs")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  dashboard->add_option("--browser-runs", dash.browser_runs, "Page loads per page")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  dashboard->add_option("--node", dash.node, "The node executable")->capture_default_str();
  dashboard
      ->add_option("--report-memory-mb", dash.report_memory_mb,
                   "Address-space cap of the report child (MB)")
      ->capture_default_str();
  dashboard->add_flag("--skip-wrk", dash.skip_wrk, "Do not run wrk");
  dashboard->add_flag("--skip-browser", dash.skip_browser, "Do not run chromium");
  dashboard->add_flag("--skip-report", dash.skip_report, "Do not run ghtraffic report");

  PlanSimulationOptions sim;
  int sim_interval_hours = 24;
  int sim_latency_ms = static_cast<int>(sim.latency.count());
  std::string sim_scratch = default_scratch_root();
  auto* plan = app.add_subcommand(
      "plan",
      "Simulate the collection plan in this process: many repositories on one token for days, "
      "on serve's schedule, against a fake GitHub with its rate limits (issue 13 part 3)");
  plan->add_option("--repos", sim.repos, "Repositories")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  plan->add_option("--rate-limit", sim.rate_limit, "The token's requests an hour")
      ->capture_default_str()
      ->check(CLI::Range(10, 1'000'000));
  plan->add_option("--days", sim.days, "Simulated days")
      ->capture_default_str()
      ->check(CLI::Range(1, 400));
  plan->add_option("--interval-hours", sim_interval_hours, "serve's --collect-every, in hours")
      ->capture_default_str()
      ->check(CLI::Range(1, 240));
  plan->add_option("--latency-ms", sim_latency_ms, "Simulated time each answer takes")
      ->capture_default_str()
      ->check(CLI::Range(0, 10'000));
  plan->add_option("--concurrency", sim.concurrency, "The collection's requests in flight")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  plan->add_option("--scratch", sim_scratch, "Where the SQLite store is created")
      ->capture_default_str();

  CLI11_PARSE(app, argc, argv);

  try {
    if (*list) {
      for (const auto& s : all_scenarios()) {
        fmt::print("{:<13} {}\n", s.name, s.summary);
      }
      return 0;
    }
    if (*dashboard) {
      return dashboard_command(dash, dash_json_out);
    }
    if (*plan) {
      auto dir = std::filesystem::path(sim_scratch) /
                 fmt::format("ghtraffic-bench-plan-{}", static_cast<long>(::getpid()));
      std::filesystem::create_directories(dir);
      sim.store_path = (dir / "plan.db").string();
      sim.interval = std::chrono::hours(sim_interval_hours);
      sim.latency = std::chrono::milliseconds(sim_latency_ms);
      sim.progress = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
      auto result = run_plan_simulation(sim);
      std::filesystem::remove_all(dir);
      std::fputs(plan_simulation_markdown(result, sim).c_str(), stdout);
      return plan_simulation_goals_met(result, sim) ? 0 : 1;
    }
    if (*micro) {
      std::vector<std::string> args{std::string(argv[0])};
      for (const auto& a : micro->remaining()) {
        args.push_back(a);
      }
      return run_micro(args);
    }
    const bool names_given = !names.empty();
    if (names.empty()) {
      for (const auto& s : all_scenarios()) {
        names.push_back(s.name);
      }
    }
    options.timeout = std::chrono::seconds(timeout_s);
    return run_command(names, names_given, options, json_out);
  } catch (const std::exception& e) {
    fmt::print(stderr, "ghtraffic-bench: {}\n", e.what());
    return 1;
  }
}

#include "micro.hpp"

#include <benchmark/benchmark.h>

#include <map>
#include <nlohmann/json.hpp>

#include "ghtraffic/core/rules.hpp"
#include "ghtraffic/github/api.hpp"

namespace ghtraffic::bench {
namespace {

using std::chrono::days;

constexpr util::Day k_observed_day{std::chrono::year{2026} / 11 / 28};

// A 15-bucket window observed on k_observed_day with every third day missing, as GitHub
// leaves out days without traffic.
core::TrafficWindow sample_window() {
  core::TrafficWindow window;
  window.kind = core::TrafficKind::views;
  window.observed_at = util::Timestamp(k_observed_day) + std::chrono::hours(9);
  for (int i = 0; i < core::k_window_days; ++i) {
    if (i % 3 == 2) {
      continue;
    }
    window.days.push_back({k_observed_day - days(14 - i), 10 + i * 7, 3 + i});
    window.count += 10 + i * 7;
  }
  window.uniques = 40;
  return window;
}

// What the store holds after yesterday's collection: the 15 days before, some smaller.
std::map<util::Day, core::DayCount> sample_stored() {
  std::map<util::Day, core::DayCount> stored;
  for (int i = 0; i < core::k_window_days; ++i) {
    auto day = k_observed_day - days(15 - i);
    stored[day] = {day, 9 + i * 7, 3 + i};
  }
  return stored;
}

std::string sample_body() {
  auto window = sample_window();
  nlohmann::json buckets = nlohmann::json::array();
  for (const auto& d : window.days) {
    buckets.push_back({{"timestamp", util::format_iso8601(util::Timestamp(d.day))},
                       {"count", d.count},
                       {"uniques", d.uniques.value_or(0)}});
  }
  return nlohmann::json{{"count", window.count}, {"uniques", window.uniques}, {"views", buckets}}
      .dump();
}

void covered_days_and_merge(benchmark::State& state) {
  const auto window = sample_window();
  const auto stored = sample_stored();
  for (auto _ : state) {
    auto covered = core::covered_days(window);
    auto outcome = core::merge_days(stored, covered);
    benchmark::DoNotOptimize(outcome);
  }
}
BENCHMARK(covered_days_and_merge);

void parse_traffic_body(benchmark::State& state) {
  const auto body = sample_body();
  for (auto _ : state) {
    auto parsed = github::parse_traffic(body, core::TrafficKind::views);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(body.size()));
}
BENCHMARK(parse_traffic_body);

}  // namespace

int run_micro(const std::vector<std::string>& benchmark_args) {
  std::vector<char*> argv;
  for (const auto& arg : benchmark_args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  int argc = static_cast<int>(benchmark_args.size());
  benchmark::Initialize(&argc, argv.data());
  if (benchmark::ReportUnrecognizedArguments(argc, argv.data())) {
    return 2;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace ghtraffic::bench

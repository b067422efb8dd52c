// Micro-benchmarks of the per-repository work that does not wait on the network: the
// coverage and merge rules, and parsing a traffic body. Google Benchmark drives them.
#pragma once

#include <string>
#include <vector>

namespace ghtraffic::bench {

// Runs the micro-benchmarks with Google Benchmark's own flags (--benchmark_filter=...).
int run_micro(const std::vector<std::string>& benchmark_args);

}  // namespace ghtraffic::bench

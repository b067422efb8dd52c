// The collection scenarios: each starts the mock GitHub server in this process, runs the
// real `ghtraffic collect` against it as a child process, and measures both sides.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/mock/mock_github.hpp"

namespace ghtraffic::bench {

// What the client does when no flag is given; the ideals of the paced scenario use them.
inline constexpr int k_client_default_concurrency = 8;
inline constexpr int k_client_default_max_per_minute = 900;

enum class Ideal {
  none,     // no latency and no ceiling: nothing to compare with
  latency,  // requests x latency / requests in flight
  // max(requests x latency / requests in flight, 60 s x floor((requests - 1) / ceiling)):
  // the latency bound, or the whole windows a sliding window of the ceiling must wait
  window,
};

struct Scenario {
  std::string name;
  std::string summary;
  int repos = 0;
  std::chrono::milliseconds latency{0};
  int mock_max_per_minute = 0;        // 0: the mock enforces no per-minute limit
  bool github_limits = false;         // the mock enforces GitHub's secondary limits
  std::optional<int> concurrency;     // empty: the client's default
  std::optional<int> max_per_minute;  // empty: the client's default
  bool by_owner = false;              // --owner instead of naming every repository
  std::string needs;                  // a scenario that must run first
  bool warm = false;                  // reuse the store and the server of `needs`
  Ideal ideal = Ideal::none;
  bool check_goals = true;  // false: reported for comparison only
  // Collected by RunOptions::before_binary (the collector before a change), side by side
  // with the scenario of the same settings collected by the binary under test.
  bool before = false;

  int effective_concurrency() const { return concurrency.value_or(k_client_default_concurrency); }
  int effective_max_per_minute() const {
    return max_per_minute.value_or(k_client_default_max_per_minute);
  }
};

// Every scenario, in the order they run.
const std::vector<Scenario>& all_scenarios();

struct Goal {
  std::string what;  // "requests per repository <= 4.01"
  double measured = 0;
  bool met = false;
};

struct Measurement {
  Scenario scenario;
  int exit_code = -1;
  int signal = 0;
  bool timed_out = false;
  std::string child_error;  // the child's stderr, or why its summary could not be read
  double wall_s = 0;
  double ideal_s = 0;  // 0 when the scenario has no ideal
  double child_user_s = 0;
  double child_system_s = 0;
  double peak_rss_mb = 0;
  double mock_cpu_s = 0;  // this process (the mock server's threads) during the run
  mock::MockStats mock;
  int collected = 0;
  int failed = 0;
  std::int64_t client_requests = 0;
  std::int64_t client_not_modified = 0;
  std::int64_t client_secondary_limited = 0;
  std::int64_t store_bytes = 0;
  std::vector<Goal> goals;

  double requests_per_repo() const;
  double wall_over_ideal() const;
  double cpu_ms_per_repo() const;
};

struct RunOptions {
  std::string binary;
  std::string before_binary;  // empty: the "-before" scenarios are left out
  std::string scratch_root;   // a fresh folder is made under it for each store
  bool keep = false;          // keep the stores and the child's output
  std::chrono::seconds timeout{900};
};

// Runs the named scenarios (with what they need first), in the canonical order, and
// reports progress on stderr. A "-before" scenario without RunOptions::before_binary is
// an error when named (names_given), else left out.
std::vector<Measurement> run_scenarios(const std::vector<std::string>& names,
                                       const RunOptions& options, bool names_given);

}  // namespace ghtraffic::bench

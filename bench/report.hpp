// The benchmark's figures as a Markdown report and as JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenario.hpp"

namespace ghtraffic::bench {

// How per-repository cost grows from one scenario to a larger one run side by side.
struct Growth {
  std::string from;
  std::string to;
  double repos_ratio = 0;
  double cpu_per_repo_ratio = 0;
  double peak_rss_ratio = 0;
  double wall_per_repo_ratio = 0;
};

std::vector<Growth> growth_of(const std::vector<Measurement>& results);

std::string markdown_report(const std::vector<Measurement>& results,
                            const std::vector<Growth>& growth);

nlohmann::json json_report(const std::vector<Measurement>& results,
                           const std::vector<Growth>& growth, const std::string& binary,
                           const std::string& before_binary);

}  // namespace ghtraffic::bench

// Fuzz target of the GitHub response parsers (github/api.hpp): whatever bytes arrive, each
// parser answers a value or an ApiError, never a crash, an exception or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "ghtraffic/github/api.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ghtraffic;
  std::string body(reinterpret_cast<const char*>(data), size);
  (void)github::parse_traffic(body, core::TrafficKind::views);
  (void)github::parse_traffic(body, core::TrafficKind::clones);
  (void)github::parse_popular_paths(body);
  (void)github::parse_popular_referrers(body);
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_discarded()) {
    (void)github::parse_repo(json);
  }
  return 0;
}

#include "ghtraffic/export/manifest.hpp"

#include <nlohmann/json.hpp>

namespace ghtraffic::exports {

const std::vector<ManifestEntry>& quicksight_manifests() {
  static const std::vector<ManifestEntry> k_entries = {
      {"manifests/daily.json", "daily.csv"},
      {"manifests/paths.json", "paths.csv"},
      {"manifests/referrers.json", "referrers.csv"},
  };
  return k_entries;
}

std::string quicksight_manifest(const std::vector<std::string>& uris) {
  // QuickSight wants every setting as a string, "true" included.
  nlohmann::ordered_json manifest = {
      {"fileLocations", nlohmann::ordered_json::array({{{"URIs", uris}}})},
      {"globalUploadSettings",
       {{"format", "CSV"},
        {"delimiter", ","},
        {"textqualifier", "\""},
        {"containsHeader", "true"}}},
  };
  return manifest.dump(2) + "\n";
}

}  // namespace ghtraffic::exports

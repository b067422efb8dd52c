// QuickSight manifests for an export in S3: one JSON file per CSV table a dataset is built
// from, in QuickSight's own manifest format (fileLocations / URIs, globalUploadSettings).
// Pointing a QuickSight "S3" data source at one of them makes the dataset in one step.
#pragma once

#include <string>
#include <vector>

namespace ghtraffic::exports {

struct ManifestEntry {
  std::string manifest_path;  // "manifests/daily.json", relative to the export's root
  std::string data_path;      // "daily.csv"
};

// daily, paths and referrers, in that order.
const std::vector<ManifestEntry>& quicksight_manifests();

// The manifest for CSV files with a header row, comma-delimited, double-quoted text.
std::string quicksight_manifest(const std::vector<std::string>& uris);

}  // namespace ghtraffic::exports

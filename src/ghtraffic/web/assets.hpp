// The dashboard's files, built into the binary by cmake/EmbedAssets.cmake: web/src/**
// under their path below web/src ("index.html", "js/app.js"), and uPlot under "vendor/"
// ("vendor/uPlot.iife.min.js", "vendor/uPlot.min.css").
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace ghtraffic::web {

struct Asset {
  std::string_view content;
  std::string_view content_type;  // "text/css; charset=utf-8"
};

// The file at path (no leading slash), if it is embedded.
std::optional<Asset> asset(std::string_view path);

// Every embedded path, sorted.
std::vector<std::string_view> asset_paths();

}  // namespace ghtraffic::web

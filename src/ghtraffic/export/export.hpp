// Exports of a store's history in three formats (docs/export.md describes every file and
// column; the names are a contract):
//   csv   daily.csv, paths.csv, referrers.csv, windows.csv, repos.csv, stars.csv, forks.csv,
//         downloads.csv
//   seed  the reference design's pair, views_clones_stars/views_clones_stars.csv and
//         top_paths/top_paths.csv, per repository
//   json  ghtraffic.json with everything
// Exports are deterministic: the same store gives byte-identical files.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/export/sink.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::exports {

struct ExportOptions {
  enum class Format { csv, seed, json };
  Format format = Format::csv;
  std::vector<std::string> repos;  // full names, current or earlier; empty = all
};

std::string_view to_string(ExportOptions::Format format);
std::optional<ExportOptions::Format> export_format_from(std::string_view text);

struct ExportedFile {
  std::string path;      // relative to the sink's root
  std::size_t rows = 0;  // data rows without the header; for ghtraffic.json, repositories
};

struct ExportStats {
  std::size_t repos = 0;
  std::vector<ExportedFile> files;  // in the order written
};

// Writes the selected repositories' history to sink and calls sink.finish(). A name in
// options.repos that is not in the store is a util::Error naming it.
ExportStats export_store(store::Store& store, const ExportOptions& options, Sink& sink);

}  // namespace ghtraffic::exports

// Reads the reference design's CSV pair (docs/import.md) for one repository:
// views_clones_stars/views_clones_stars.csv (timestamp,clones,views,stars,forks), one row a
// day, and top_paths/top_paths.csv (path,views), a 14-day top 10 whose day the files do not
// say. Neither file has uniques: they stay unknown, never 0 (R3), and only the days listed
// are stored; an empty views or clones cell is a day that kind was not covered.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "ghtraffic/import/import.hpp"
#include "ghtraffic/util/date.hpp"

namespace ghtraffic::imports {

// folder holds views_clones_stars/ and top_paths/ (or the two files themselves); repo is
// the OWNER/REPO they belong to; the top paths are a snapshot of paths_day. One entry, by
// name (R8); a malformed file fails it. A folder with neither file is a util::Error.
std::vector<RepoImport> read_seed_folder(const std::filesystem::path& folder,
                                         const std::string& repo, util::Day paths_day);

// "2026-01-02 00:00:00" (what the design and `export --format seed` write), ISO 8601, with
// an offset, or a bare day; none for anything else.
std::optional<util::Timestamp> parse_seed_time(std::string_view text);

}  // namespace ghtraffic::imports

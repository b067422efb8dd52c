// Reads what the github-repo-stats Action keeps in its data branch (docs/import.md):
// OWNER/REPO/ghrs-data/views_clones_aggregate.csv, the series fragments and the 14-day
// top-10 snapshots under ghrs-data/snapshots/. Its files cannot tell a gap from a zero, so
// only the days they list are stored (R3), and an empty cell is a 0 as the Action means it.
#pragma once

#include <filesystem>
#include <vector>

#include "ghtraffic/import/import.hpp"

namespace ghtraffic::imports {

// folder is a checkout of the data branch (OWNER/REPO/ghrs-data/ for each repository) or
// one OWNER/REPO folder of it. One entry per repository, by name; any malformed file fails
// its repository. A folder that is neither is a util::Error.
std::vector<RepoImport> read_ghrs_folder(const std::filesystem::path& folder);

// "2020-12-01 00:00:00+00:00", "2020-12-01 00:00:00" (older files, UTC) or ISO 8601.
std::optional<util::Timestamp> parse_ghrs_time(std::string_view text);

}  // namespace ghtraffic::imports

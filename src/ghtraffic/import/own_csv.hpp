// Reads a folder that `ghtraffic export --format csv` wrote (docs/export.md): repos.csv
// (ids and names), daily.csv, paths.csv, referrers.csv and windows.csv. Exporting, importing
// into an empty store and exporting again gives the same files.
#pragma once

#include <filesystem>
#include <vector>

#include "ghtraffic/import/import.hpp"

namespace ghtraffic::imports {

// One entry per repository the files name, in the order repos.csv lists them (then the
// order they first appear in elsewhere). A row that cannot be read fails its repository;
// a file that cannot be read at all (its header, its quoting) fails every repository.
// A folder holding none of the files is a util::Error.
std::vector<RepoImport> read_export_folder(const std::filesystem::path& folder);

}  // namespace ghtraffic::imports

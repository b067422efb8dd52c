// A read of the SQLite backend that the Store interface does not offer yet: the windows
// of one repository observed at or after a time, found by the key instead of read whole
// (the dashboard's recent snapshot reads 45 days of windows out of years of them).
#pragma once

#include <optional>
#include <vector>

#include "ghtraffic/store/store.hpp"

namespace ghtraffic::store::sqlite {

// By time, then views before clones, as Store::windows; none when store is not an SQLite
// store.
std::optional<std::vector<WindowRecord>> windows_since(Store& store, core::RepoId repo,
                                                       util::Timestamp from);

}  // namespace ghtraffic::store::sqlite

// The SQLite backend: one file, WAL mode, every commit one IMMEDIATE transaction (R7).
//
// One Store object is used from one thread at a time (the collector serializes commits
// with a mutex). Separate Store objects on the same file, in one process or several, work
// together: writers wait for each other up to a busy timeout and readers never block.
#pragma once

#include <memory>
#include <string>

#include "ghtraffic/store/store.hpp"

namespace ghtraffic::store::sqlite {

// Opens (for writing: creates and migrates) the store file at path. A read-only open of a
// missing file is a util::Error and creates nothing.
std::unique_ptr<Store> make_sqlite_store(const std::string& path, const StoreOptions& options);

// The collection lock of the store at path: an flock on "PATH.lock" recording the pid.
std::unique_ptr<CollectLock> lock_sqlite_store(const std::string& path);

}  // namespace ghtraffic::store::sqlite

// The SQLite store's schema: an ordered list of migrations, each raising PRAGMA
// user_version by one, applied in one transaction when a store is opened for writing.
#pragma once

#include <sqlite3.h>

#include <string>

namespace ghtraffic::store::sqlite {

// The schema version this code writes and reads.
int current_schema_version();

// PRAGMA application_id of a ghtraffic store ("ghtr"), so that another program's SQLite
// file is recognised instead of being written over.
inline constexpr int k_application_id = 0x67687472;

// Brings the store at db up to current_schema_version(). Throws util::Error when the file
// belongs to another program or to a newer ghtraffic; describe names the store.
void migrate(sqlite3* db, const std::string& describe);

// The oldest version a read-only open still reads: every migration after it only adds
// tables a reader can do without (attempts() of a version-1 store is empty), so that
// `status` and `show` work on a store no newer ghtraffic has written yet.
inline constexpr int k_oldest_readable_version = 1;

// For a read-only open: throws util::Error unless the store is at least at
// k_oldest_readable_version; returns its version.
int check_schema(sqlite3* db, const std::string& describe);

}  // namespace ghtraffic::store::sqlite

// The SQLite store's half of Store::import_history: writes one repository's imported
// history inside the caller's transaction, with the store's cached statements.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::store::sqlite {

// The store's prepared statement for an SQL text (prepared once, reused).
using StatementFor = std::function<sqlite3_stmt*(std::string_view sql)>;

ImportResult write_imported_history(sqlite3* db, const StatementFor& statement,
                                    const core::ImportedHistory& history);

// R8: moves the history of each repository imported by name only (kept under a negative
// id) that has one of names into repository id, merged as an import would merge it. Runs
// inside the transaction of id's collection (the first collection links it) or of an import
// that knows id (`import` with a token).
void link_imported_by_name(const StatementFor& statement, core::RepoId id,
                           const std::vector<std::string>& names);

}  // namespace ghtraffic::store::sqlite

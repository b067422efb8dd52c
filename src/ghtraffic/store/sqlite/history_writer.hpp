// The SQLite store's star and fork history, backfill states and download snapshots: the
// writes run inside the caller's transaction with the store's cached statements, so that a
// collection, an import and a backfill each stay one transaction (R7).
#pragma once

#include <optional>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/sqlite/import_writer.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::store::sqlite {

// R6, R9: each day's count raised to the larger; returns what changed.
BackfillResult write_history_counts(const StatementFor& statement, core::RepoId id,
                                    core::CountKind kind,
                                    const std::vector<core::HistoryCount>& counts);
void write_backfill_state(const StatementFor& statement, core::RepoId id,
                          const core::BackfillState& state);
// The day's snapshot of each asset, unless a later one of that day is stored; returns the
// assets written.
int write_download_snapshot(const StatementFor& statement, core::RepoId id,
                            const core::DownloadSnapshot& snapshot);

std::vector<core::HistoryCount> read_history_counts(const StatementFor& statement, core::RepoId id,
                                                    core::CountKind kind, const DayRange& range);
std::optional<core::BackfillState> read_backfill_state(const StatementFor& statement,
                                                       core::RepoId id, core::CountKind kind);
std::vector<core::DownloadSnapshot> read_downloads(const StatementFor& statement, core::RepoId id,
                                                   const DayRange& range);

}  // namespace ghtraffic::store::sqlite

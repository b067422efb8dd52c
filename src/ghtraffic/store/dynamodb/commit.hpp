// Committing to the DynamoDB store without transactions (DynamoDB's hold 100 items and
// dynalite, the local server the tests use, has none). The head item is the commit point:
// everything one run learned about a repository goes into the head's pending part in one
// conditional write (its version as read, or "no head yet"); the next commit first rolls
// that pending part forward into the permanent items, idempotently. Days are raised with
// per-attribute conditions, so several writers never lower what another stored (R2, R7).
// docs/aws.md ("How a commit works") tells the whole story.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/dynamodb/head.hpp"
#include "ghtraffic/store/dynamodb/reads.hpp"
#include "ghtraffic/store/dynamodb/table_api.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::store::dynamodb {

class Committer {
 public:
  Committer(TableApi& api, Tables tables, Reader& reader)
      : m_api(api), m_tables(std::move(tables)), m_reader(reader) {}

  // Commits the observation, reading again and redoing it while other writers commit the
  // same repository in between; a failure is a util::Error saying nothing was stored.
  CommitResult commit(const core::RepoObservation& observation);

  // Commits one repository's star and fork history and backfill states the same way, in
  // one head write (R7); a repository never committed is a util::Error.
  BackfillResult commit_backfill(const core::Backfill& backfill);

  // A new collection run (numbered by a counter item) and its end.
  std::int64_t begin_run(util::Timestamp started_at);
  void finish_run(std::int64_t run_id, util::Timestamp finished_at, int repos_ok, int repos_failed);

 private:
  using Writes = std::vector<std::pair<std::string, Json>>;  // table, write request

  std::optional<CommitResult> try_commit(const core::RepoObservation& observation);
  std::optional<BackfillResult> try_commit_backfill(const core::Backfill& backfill);
  bool write_head(const Head& head, bool existed, std::int64_t previous_version);
  Writes roll_forward(const Head& head);
  void raise_attributes(core::RepoId repo, const std::string& sk,
                        std::map<std::string, std::int64_t> values);
  void raise_month(core::RepoId repo, const std::string& month,
                   const std::map<std::string, DayValues>& days);
  void keep_earlier_downloads(Head& head, const Pending& previous);
  struct Counts {
    int new_days = 0;
    int grown_days = 0;
  };
  Counts merge_traffic(Head& head, const core::RepoObservation& observation);
  std::int64_t count_days_stored(const Head& head);

  TableApi& m_api;
  Tables m_tables;
  Reader& m_reader;
};

// Pure parts of a commit, exposed for tests.

// R8: records a name seen at `seen` (ISO 8601 time); names match ignoring case, and a
// canonical name (GitHub's own spelling) replaces the spelling stored unless that one was
// seen later.
void record_name(Head& head, const std::string& name, const std::string& seen, bool canonical);

// R5, R6: adds a snapshot item (its sort key "<prefix>#<day>#<at>") to the head's pending
// items unless its day already has a later snapshot; a snapshot it replaces is deleted
// when this commit is rolled forward.
void add_snapshot(Head& head, std::string_view prefix, util::Timestamp observed_at, Item item);

// R4, R5, R6: window totals, snapshots, events and the download snapshot of the
// observation as pending items.
void add_history(Head& head, const core::RepoObservation& observation);

}  // namespace ghtraffic::store::dynamodb

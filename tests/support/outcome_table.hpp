// What the fault suites share to write their outcome tables for docs/reliability.md (one
// Markdown row per case, messages made stable from run to run) and to tell what of a
// repository a store holds after a faulty run.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::testing {

class OutcomeTable {
 public:
  explicit OutcomeTable(std::vector<std::string> columns);

  // One row; as many cells as columns.
  void add(std::vector<std::string> cells);
  std::size_t rows() const { return m_rows.size(); }
  std::string markdown() const;
  // markdown() into path (the working folder: build/tests/ under ctest).
  void write(const std::string& path) const;

 private:
  std::vector<std::string> m_columns;
  std::vector<std::vector<std::string>> m_rows;
};

// A pattern (ECMAScript regex) and what replaces it, for what differs between runs (a
// loopback port, a scratch name).
struct Replacement {
  std::string pattern;
  std::string with;
};

// A message as a table cell: each replacement made, '|' written '/', at most max_chars
// characters (cut with "..."), and "–" for no message.
std::string table_cell(std::string message, const std::vector<Replacement>& replacements,
                       std::size_t max_chars);

// What a repository has of one collection, from the parts missing_parts names: "everything",
// "nothing" (all five missing) or "all but views clones".
std::string all_but(const std::vector<std::string>& missing);

// The parts of what one collection learns about a repository that store lacks: "views"
// and "clones" (not 15 days each), "paths", "referrers" and "counters" (not one snapshot
// each), in that order.
std::vector<std::string> missing_parts(store::Store& store, core::RepoId id);

}  // namespace ghtraffic::testing

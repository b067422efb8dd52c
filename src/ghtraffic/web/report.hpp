// The static report: one HTML file with the dashboard's HTML, CSS, uPlot and scripts inline
// and the data in JSON islands (<script type="application/json">) that web/src/js/data.js
// reads instead of the API:
//   - "ghtraffic-data", the overview's: "/api/status" and "/api/repos" as the API answers
//     them, "report:daily" (every repository's daily views and clones as columns, from which
//     the page derives each /api/daily answer) and "report:islands" (full name -> N);
//   - "ghtraffic-repo-N" per repository, parsed only when its page is opened: the answers
//     to "/api/paths?repo=...", "/api/referrers?repo=..." and "/api/counters?repo=...".
// The file is written one repository at a time, so its size is not bounded by memory.
// It opens from disk and makes no network request.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/date.hpp"

namespace ghtraffic::web {

// The latest top-10 snapshots a report keeps per repository unless told otherwise: those
// the repository page shows for the default ranges.
inline constexpr std::size_t k_report_top_snapshots = 31;

struct ReportOptions {
  std::vector<std::string> repos;  // OWNER/REPO, current or earlier; empty = every one
  util::Timestamp generated_at;    // its day is "today" of the overview
  // Paths and referrers snapshots kept per repository, the latest; nullopt keeps every one.
  std::optional<std::size_t> top_snapshots = k_report_top_snapshots;
  // Called after each repository's island is written: (done, total).
  std::function<void(std::size_t, std::size_t)> on_progress;
};

struct ReportSummary {
  std::size_t repos = 0;
  std::uint64_t bytes = 0;
};

// Writes the report to out. An unknown repository is a util::Error naming it, thrown before
// anything is written; a failed stream is a util::Error.
ReportSummary write_report(store::Store& store, const ReportOptions& options, std::ostream& out);

// JSON that is safe inside a <script> element: '<', '>' and '&' as \u escapes.
std::string script_safe_json(const nlohmann::json& value);

// JavaScript's encodeURIComponent.
std::string encode_uri_component(std::string_view text);

}  // namespace ghtraffic::web

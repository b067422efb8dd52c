// The static report: one HTML file with the dashboard's HTML, CSS, uPlot and script inline
// and the API's answers for the report's repositories in a JSON island
// (<script type="application/json" id="ghtraffic-data">), keyed by request path as
// docs/api.md lists. It opens from disk and makes no network request.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/date.hpp"

namespace ghtraffic::web {

struct ReportOptions {
  std::vector<std::string> repos;  // OWNER/REPO, current or earlier; empty = every one
  util::Timestamp generated_at;    // its day is "today" of the overview
};

// The answers, keyed "/api/repos", "/api/daily?repo=acme%2Fsite", ... An unknown
// repository is a util::Error naming it.
nlohmann::json report_answers(store::Store& store, const ReportOptions& options);

// The HTML file around answers, from the embedded UI.
std::string render_report(const nlohmann::json& answers);

// JSON that is safe inside a <script> element: '<', '>' and '&' as \u escapes.
std::string script_safe_json(const nlohmann::json& value);

// JavaScript's encodeURIComponent.
std::string encode_uri_component(std::string_view text);

}  // namespace ghtraffic::web

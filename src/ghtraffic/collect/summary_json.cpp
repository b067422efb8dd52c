#include "ghtraffic/collect/summary_json.hpp"

#include "ghtraffic/util/date.hpp"

namespace ghtraffic::collect {

nlohmann::json summary_to_json(const Summary& summary, const std::string& store_description) {
  nlohmann::json repos = nlohmann::json::array();
  for (const auto& r : summary.repos) {
    nlohmann::json item{{"repo", r.full_name}, {"ok", r.ok}, {"stored", r.stored}};
    item["id"] = r.id == 0 ? nlohmann::json(nullptr) : nlohmann::json(r.id);
    if (r.stored) {
      item["days_stored"] = r.commit.days_stored;
      item["new_days"] = r.commit.new_days;
      item["grown_days"] = r.commit.grown_days;
    }
    if (!r.ok) {
      item["error"] = r.error;
    }
    if (r.partial()) {
      nlohmann::json missing = nlohmann::json::array();
      for (const auto& part : r.missing) {
        missing.push_back({{"part", part.part}, {"error", part.error}});
      }
      item["missing"] = std::move(missing);
    }
    repos.push_back(std::move(item));
  }
  nlohmann::json deferred = nlohmann::json::array();
  for (const auto& d : summary.deferred) {
    deferred.push_back({{"repo", d.full_name}, {"reason", to_string(d.reason)}});
  }
  nlohmann::json deferred_counts = nlohmann::json::object();
  for (auto reason : k_defer_reasons) {
    deferred_counts[std::string(to_string(reason))] = summary.deferred_count(reason);
  }
  // The list goes in after the rest: an initializer list would copy it whole.
  nlohmann::json out{
      {"store", store_description},
      {"started_at", util::format_iso8601(summary.started_at)},
      {"finished_at", util::format_iso8601(summary.finished_at)},
      {"ok", summary.all_ok()},
      {"errors", summary.errors},
      {"listings_failed", summary.failed_listings()},
      {"collected", static_cast<int>(summary.repos.size()) - summary.failed()},
      {"failed", summary.failed()},
      {"partial", summary.partial()},
      {"skipped_no_push", summary.skipped_no_push},
      {"skipped_filtered", summary.skipped_filtered},
      {"requests", summary.client.requests},
      {"not_modified", summary.client.not_modified},
      {"secondary_limited", summary.client.secondary_limited},
      // The pacing window at the end: smaller than --max-per-minute after a secondary limit.
      {"max_per_minute", summary.client.max_per_minute},
      {"rate_limit_remaining", summary.client.rate_limit_remaining},
      // What the budget leaves for whatever else spends the token; null: nothing bounds it.
      {"requests_left",
       summary.requests_left ? nlohmann::json(*summary.requests_left) : nlohmann::json(nullptr)},
      {"deferred_counts", std::move(deferred_counts)},
  };
  out["repos"] = std::move(repos);
  out["deferred"] = std::move(deferred);
  return out;
}

}  // namespace ghtraffic::collect

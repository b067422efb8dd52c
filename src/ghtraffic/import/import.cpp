#include "ghtraffic/import/import.hpp"

#include <fmt/format.h>

#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::imports {

ImportSummary import_histories(store::Store& store, const std::vector<RepoImport>& repos,
                               const ImportProgress& progress) {
  ImportSummary summary;
  for (std::size_t i = 0; i < repos.size(); ++i) {
    const auto& repo = repos[i];
    if (progress) {
      progress(i, repos.size(), repo.name);
    }
    if (!repo.history) {
      util::log_error("{}: {}; nothing of it was imported", repo.name, repo.error);
      ++summary.failed;
      continue;
    }
    try {
      auto result = store.import_history(*repo.history);
      ++summary.repos;
      summary.new_repos += result.new_repo ? 1 : 0;
      summary.new_days += result.new_days;
      summary.grown_days += result.grown_days;
      summary.new_windows += result.new_windows;
      summary.new_snapshots += result.new_snapshots;
      summary.new_events += result.new_events;
      summary.history_days += result.history_days;
      util::log_verbose("{}: {} new days, {} grew, {} window totals, {} snapshots, {} events",
                        repo.name, result.new_days, result.grown_days, result.new_windows,
                        result.new_snapshots, result.new_events);
    } catch (const util::Error& e) {
      util::log_error("{}", e.what());
      ++summary.failed;
    }
  }
  return summary;
}

std::string summary_line(const ImportSummary& s, std::string_view where) {
  auto line = fmt::format("imported {} ({} new){}: {}, {} grew, {}, {}, {}",
                          util::counted(s.repos, "repository", "repositories"), s.new_repos, where,
                          util::counted(s.new_days, "new day", "new days"),
                          util::counted(s.grown_days, "day", "days"),
                          util::counted(s.new_snapshots, "snapshot", "snapshots"),
                          util::counted(s.new_windows, "window total", "window totals"),
                          util::counted(s.new_events, "event", "events"));
  if (s.failed > 0) {
    line += fmt::format("; {} failed", util::counted(s.failed, "repository", "repositories"));
  }
  return line;
}

std::vector<core::KnownName> names_in_order(const std::vector<std::string>& names,
                                            const std::string& full_name, util::Timestamp first) {
  std::vector<core::KnownName> out;
  auto add = [&](const std::string& name) {
    for (const auto& known : out) {
      if (util::iequals(known.name, name)) {
        return;
      }
    }
    out.push_back({name, first + std::chrono::seconds(out.size())});
  };
  for (const auto& name : names) {
    if (!name.empty()) {
      add(name);
    }
  }
  add(full_name);
  return out;
}

}  // namespace ghtraffic::imports

#include "ghtraffic/collect/import_ids.hpp"

#include <fmt/format.h>

#include <chrono>

#include "ghtraffic/github/api.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::collect {

namespace {

// R8: GitHub's current name of a renamed repository becomes the history's, a second after
// its last known one, so that the files' names read as its earlier ones. A name that
// differs in case only is the same name.
void take_github_name(core::ImportedHistory& history, const std::string& github_name) {
  if (github_name.empty() || util::iequals(github_name, history.full_name)) {
    return;
  }
  util::Timestamp seen = history.names.empty() ? util::Timestamp{} : history.names.back().seen;
  if (history.names.empty() || !util::iequals(history.names.back().name, history.full_name)) {
    seen += std::chrono::seconds{1};
    history.names.push_back({history.full_name, seen});
  }
  history.names.push_back({github_name, seen + std::chrono::seconds{1}});
  history.full_name = github_name;
}

}  // namespace

IdResolution resolve_import_ids(github::Client& client,
                                std::vector<core::ImportedHistory*> histories) {
  IdResolution resolution;
  const auto before = client.stats().requests;
  std::vector<core::ImportedHistory*> asked;
  std::vector<core::RepoRef> refs;
  for (auto* history : histories) {
    if (history->id != 0) {
      continue;
    }
    auto ref = core::RepoRef::parse(history->full_name);
    if (!ref) {
      continue;  // the readers name repositories OWNER/REPO; nothing to ask about
    }
    asked.push_back(history);
    refs.push_back(*ref);
  }
  if (!refs.empty()) {
    auto metadata = github::fetch_metadata(client, refs);
    for (std::size_t i = 0; i < asked.size(); ++i) {
      auto& history = *asked[i];
      const auto& listing = metadata.repos[i];
      if (listing && listing->meta.id > 0) {
        history.id = listing->meta.id;
        take_github_name(history, listing->meta.full_name);
        ++resolution.resolved;
        continue;
      }
      const auto& error = metadata.errors[i];
      if (error && error->kind == github::ErrorKind::not_found) {
        ++resolution.unknown;
        resolution.warnings.push_back(util::scrub(fmt::format(
            "GitHub does not know {} (404): it is imported by name and linked to its id at its "
            "first collection",
            history.full_name)));
      } else {
        ++resolution.failed;
        resolution.warnings.push_back(util::scrub(fmt::format(
            "could not ask GitHub for the id of {} ({}): it is imported by name and linked to "
            "its id at its first collection",
            history.full_name, error ? error->message : "no answer")));
      }
    }
  }
  resolution.requests = client.stats().requests - before;
  return resolution;
}

}  // namespace ghtraffic::collect

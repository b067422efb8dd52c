// The configuration file (TOML): what it may hold and the one clear error for anything
// else. collect/settings.hpp resolves the client's settings from it, the environment and
// the command line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/collect/job.hpp"

namespace ghtraffic::collect {

struct ConfigFile {
  std::optional<std::string> store;
  std::optional<std::string> api_url;
  std::optional<std::string> token_command;
  std::optional<std::string> token_file;
  std::optional<std::string> token_ssm_parameter;
  std::optional<int> concurrency;
  std::optional<int> max_per_minute;
  // The collection plan's budget (collect/budget.hpp): requests a run may send, and the
  // percentage of the primary rate limit left at its start that it may spend.
  std::optional<int> max_requests;
  std::optional<int> rate_share;
  // The star and fork backfill that serve and lambda run after a scheduled collection
  // (collect/scheduled_backfill.hpp): on or off, and the requests one pass may spend.
  std::optional<bool> backfill;
  std::optional<int> backfill_max_requests;
  // At this many days left or fewer a repository is at risk (`status`, `collect`, `serve`).
  std::optional<int> warn_days;
  // The chat webhook `serve` posts to when a repository becomes at risk.
  std::optional<std::string> notify_url;
  // A GitHub App instead of a token (docs/github-app.md).
  std::optional<std::string> app_id;
  std::optional<std::string> app_key_file;
  std::optional<std::string> app_key_ssm_parameter;
  std::optional<std::int64_t> app_installation_id;
  std::vector<core::RepoRef> repos;
  std::vector<OwnerSource> owners;
};

// Parses a config file. An unknown key, a wrong type or a bad value is a util::Error
// naming the file, the key and the line.
ConfigFile load_config(const std::filesystem::path& path);
ConfigFile parse_config(const std::string& text, const std::string& source_name);

}  // namespace ghtraffic::collect

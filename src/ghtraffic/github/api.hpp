// GitHub endpoints the collector uses, turned into core types. Every function returns an
// ApiError value for a failure of that repository; nothing here throws for bad input.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/github/client.hpp"

namespace ghtraffic::github {

// A parsed response plus what the store should remember about it.
template <typename T>
struct Fetched {
  T value;
  util::Timestamp observed_at;  // from the Date header, else the local clock
  std::optional<core::CachedResponse> cache_entry;
};

// GET /repos/{o}/{r}/traffic/{views|clones}?per=day
Result<Fetched<core::TrafficWindow>> fetch_traffic(Client& client, const core::RepoRef& repo,
                                                   core::TrafficKind kind,
                                                   const CacheLookup& cache = {});
// GET /repos/{o}/{r}/traffic/popular/paths and .../referrers
Result<Fetched<core::PathSnapshot>> fetch_popular_paths(Client& client, const core::RepoRef& repo,
                                                        const CacheLookup& cache = {});
Result<Fetched<core::ReferrerSnapshot>> fetch_popular_referrers(Client& client,
                                                                const core::RepoRef& repo,
                                                                const CacheLookup& cache = {});

// A repository as a listing or metadata query returns it.
struct RepoListing {
  core::RepoMeta meta;
  bool can_push = false;
  // Set when GitHub named the repository (its id and name) but the rest of its metadata
  // could not be read: meta's counters, visibility and flags are then unknown, and this
  // says why. Traffic can still be collected; the counters wait for the next run.
  std::optional<ApiError> details_error;
  // Release assets' cumulative download counts, when the answer carried them (GraphQL
  // metadata does; REST listings do not).
  std::optional<std::vector<core::AssetDownloads>> downloads;
};

// GET /repos/{o}/{r}; follows a rename (meta.full_name is the current name).
Result<RepoListing> fetch_repo(Client& client, const core::RepoRef& repo);

// Metadata for many repositories in GraphQL batches of up to 100 aliases; repositories
// GraphQL cannot resolve get an error entry. Falls back to fetch_repo per repository when
// GraphQL is unavailable (404/410/501 on the endpoint, or an answer that is not JSON), and
// for each repository GraphQL could not read or read only in part (an error other than
// not found or a bad token, a missing field), so that one broken answer costs a request,
// not the repository's traffic.
// open_issues counts open issues and pull requests, as REST's open_issues_count does.
struct MetadataResult {
  std::vector<std::optional<RepoListing>> repos;  // same order as the input
  std::vector<std::optional<ApiError>> errors;    // set where repos[i] is empty
  bool graphql_available = true;                  // false: GraphQL answered 404, 410 or 501
};
MetadataResult fetch_metadata(Client& client, const std::vector<core::RepoRef>& repos);

// The download counters of the latest releases' assets (k_release_count releases of up to
// k_asset_count assets each) for repositories whose metadata did not carry them: GraphQL
// batches of up to 100, or GET /repos/{o}/{r}/releases per repository (one request) where
// GraphQL is unavailable. A repository that could not be read has an empty entry.
inline constexpr int k_release_count = 20;
inline constexpr int k_asset_count = 50;
// try_graphql false: GraphQL is known to be unavailable, so REST is asked at once.
std::vector<std::optional<std::vector<core::AssetDownloads>>> fetch_downloads(
    Client& client, const std::vector<core::RepoRef>& repos, bool try_graphql = true);

// GET /user/repos (every repository the token can see), paginated.
Result<std::vector<RepoListing>> list_user_repos(Client& client);
// GET /installation/repositories (every repository a GitHub App installation can see),
// paginated. The installation's own permissions decide what it may read, so every
// repository listed counts as one it can read traffic of (can_push).
Result<std::vector<RepoListing>> list_installation_repos(Client& client);
// GET /orgs/{owner}/repos, or /users/{owner}/repos when the owner is not an organization.
Result<std::vector<RepoListing>> list_owner_repos(Client& client, const std::string& owner);

// Parsing, exposed for tests and fuzzing (tests/fuzz/github_api.cpp). A body of the wrong
// shape is an error.
Result<core::TrafficWindow> parse_traffic(const std::string& body, core::TrafficKind kind);
Result<std::vector<core::PopularPath>> parse_popular_paths(const std::string& body);
Result<std::vector<core::Referrer>> parse_popular_referrers(const std::string& body);
Result<RepoListing> parse_repo(const nlohmann::json& repo);
// A GraphQL repository node's releases { nodes { tagName releaseAssets { nodes { name
// downloadCount } } } }; none when the node has no releases field.
Result<std::optional<std::vector<core::AssetDownloads>>> parse_graphql_releases(
    const nlohmann::json& node);
// A REST releases list: [{tag_name, assets: [{name, download_count}]}].
Result<std::vector<core::AssetDownloads>> parse_rest_releases(const std::string& body);

// The message for a 403 on a traffic endpoint.
std::string missing_push_permission_message(const core::RepoRef& repo);

}  // namespace ghtraffic::github

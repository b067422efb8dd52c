// The download counters of releases' assets (github/api.hpp, fetch_downloads): over GraphQL
// in batches where it answers, else one REST request per repository.
#include <fmt/format.h>

#include <algorithm>

#include "ghtraffic/github/api.hpp"
#include "ghtraffic/github/json_shape.hpp"

namespace ghtraffic::github {
using namespace json_shape;

Result<std::optional<std::vector<core::AssetDownloads>>> parse_graphql_releases(const json& node) {
  auto releases = node.find("releases");
  if (!node.is_object() || releases == node.end()) {
    return std::optional<std::vector<core::AssetDownloads>>();
  }
  try {
    std::vector<core::AssetDownloads> out;
    const json& nodes = member(*releases, "nodes", "releases");
    if (!nodes.is_array()) {
      throw ShapeError{"releases.nodes is not a list"};
    }
    for (const auto& release : nodes) {
      if (release.is_null()) {
        continue;
      }
      auto tag = string_member(release, "tagName", "releases.nodes[]");
      const json& assets =
          member(member(release, "releaseAssets", "release"), "nodes", "release.releaseAssets");
      if (!assets.is_array()) {
        throw ShapeError{"releaseAssets.nodes is not a list"};
      }
      for (const auto& asset : assets) {
        if (asset.is_null()) {
          continue;
        }
        out.push_back({tag, string_member(asset, "name", "releaseAssets.nodes[]"),
                       count_member(asset, "downloadCount", "releaseAssets.nodes[]")});
      }
    }
    return std::optional(std::move(out));
  } catch (const ShapeError& e) {
    return std::unexpected(malformed(e.detail));
  }
}

Result<std::vector<core::AssetDownloads>> parse_rest_releases(const std::string& body) {
  try {
    auto list = parse_body(body);
    if (!list.is_array()) {
      throw ShapeError{"the releases are not a list"};
    }
    std::vector<core::AssetDownloads> out;
    for (const auto& release : list) {
      auto tag = string_member(release, "tag_name", "release");
      const json& assets = member(release, "assets", "release");
      if (!assets.is_array()) {
        throw ShapeError{"release.assets is not a list"};
      }
      for (const auto& asset : assets) {
        out.push_back({tag, string_member(asset, "name", "asset"),
                       count_member(asset, "download_count", "asset")});
      }
    }
    return out;
  } catch (const ShapeError& e) {
    return std::unexpected(malformed(e.detail));
  }
}

std::vector<std::optional<std::vector<core::AssetDownloads>>> fetch_downloads(
    Client& client, const std::vector<core::RepoRef>& repos, bool try_graphql) {
  std::vector<std::optional<std::vector<core::AssetDownloads>>> out(repos.size());
  bool graphql_available = try_graphql;
  const std::string endpoint = graphql_url(client.options().api_url);
  for (std::size_t begin = 0; begin < repos.size(); begin += k_graphql_batch) {
    const std::size_t end = std::min(begin + k_graphql_batch, repos.size());
    if (graphql_available) {
      std::string query = "query {";
      for (std::size_t i = begin; i < end; ++i) {
        query += fmt::format(" r{}: repository(owner: {}, name: {}) {{ ...releases }}", i - begin,
                             json(repos[i].owner).dump(), json(repos[i].name).dump());
      }
      query += " } " + releases_fragment();
      auto response = client.post_json(endpoint, json{{"query", query}});
      auto body = response ? json::parse(response->body, nullptr, false) : json();
      if ((!response && (response.error().status == 404 || response.error().status == 410 ||
                         response.error().status == 501)) ||
          (response && (body.is_discarded() || !body.is_object()))) {
        graphql_available = false;
      } else if (response && body.contains("data") && body["data"].is_object()) {
        for (std::size_t i = begin; i < end; ++i) {
          auto node = body["data"].find(fmt::format("r{}", i - begin));
          if (node != body["data"].end() && node->is_object()) {
            if (auto parsed = parse_graphql_releases(*node); parsed && *parsed) {
              out[i] = std::move(**parsed);
            }
          }
        }
        continue;
      } else {
        continue;  // GraphQL answered with an error: no downloads this run
      }
    }
    for (std::size_t i = begin; i < end; ++i) {
      auto response =
          client.get(fmt::format("{}/releases?per_page={}", repo_path(repos[i]), k_release_count));
      if (!response) {
        continue;
      }
      if (auto parsed = parse_rest_releases(response->body)) {
        out[i] = std::move(*parsed);
      }
    }
  }
  return out;
}

}  // namespace ghtraffic::github
